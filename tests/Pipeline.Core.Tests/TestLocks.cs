using Pipeline.Core.Locking;

namespace Pipeline.Core.Tests;

/// <summary>Lock modes of a made-up test dialect (the core knows no dialect's modes): named and ranked like a few of
/// PostgreSQL's, so reports read naturally.</summary>
internal static class TestLocks
{
    public static LockMode RowExclusive { get; } = new("test", "ROW EXCLUSIVE", 3, false, false);

    public static LockMode ShareUpdateExclusive { get; } = new("test", "SHARE UPDATE EXCLUSIVE", 4, false, false);

    public static LockMode Share { get; } = new("test", "SHARE", 5, false, true);

    public static LockMode AccessExclusive { get; } = new("test", "ACCESS EXCLUSIVE", 8, true, true);
}
