using Pipeline.Core.Locking;
using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

public sealed class PgLockTests
{
    [Theory]
    // Rows of table 13.2 (https://www.postgresql.org/docs/current/explicit-locking.html#TABLE-LOCK-COMPATIBILITY).
    [InlineData("ACCESS SHARE", "ACCESS EXCLUSIVE", true)]
    [InlineData("ACCESS SHARE", "EXCLUSIVE", false)]
    [InlineData("ROW EXCLUSIVE", "SHARE", true)]
    [InlineData("ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", false)]
    [InlineData("ROW EXCLUSIVE", "ROW EXCLUSIVE", false)]
    [InlineData("SHARE UPDATE EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", true)]
    [InlineData("SHARE", "SHARE", false)]
    [InlineData("SHARE", "ROW EXCLUSIVE", true)]
    [InlineData("SHARE ROW EXCLUSIVE", "SHARE ROW EXCLUSIVE", true)]
    [InlineData("ROW SHARE", "EXCLUSIVE", true)]
    [InlineData("ROW SHARE", "SHARE", false)]
    public void Conflicts_follow_the_documented_table(string a, string b, bool conflict)
    {
        Assert.Equal(conflict, PgLock.Conflicts(PgLock.Parse(a), PgLock.Parse(b)));
        Assert.Equal(conflict, PgLock.Conflicts(PgLock.Parse(b), PgLock.Parse(a)));
    }

    [Theory]
    [InlineData("AccessExclusiveLock", "ACCESS EXCLUSIVE")]
    [InlineData("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE")]
    [InlineData("ROW EXCLUSIVE", "ROW EXCLUSIVE")]
    [InlineData("none", "none")]
    public void Parses_pg_locks_and_display_names(string text, string display) =>
        Assert.Equal(display, PgLock.Parse(text).DisplayName);

    [Fact]
    public void Unknown_mode_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => PgLock.Parse("Sch-M"));

    [Fact]
    public void Only_access_exclusive_blocks_reads_and_share_and_stronger_block_writes()
    {
        Assert.Equal(["ACCESS EXCLUSIVE"], PgLock.All.Where(m => m.BlocksReads).Select(m => m.DisplayName));
        Assert.Equal(["SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"], PgLock.All.Where(m => m.BlocksWrites).Select(m => m.DisplayName));
    }

    [Fact]
    public void Modes_of_different_dialects_do_not_compare()
    {
        var schM = new LockMode("sqlserver", "Sch-M", 10, true, true);
        Assert.Throws<InvalidOperationException>(() => PgLock.AccessExclusive < schM);
        Assert.True(LockMode.None < schM);
        Assert.True(LockMode.None < PgLock.AccessShare);
        Assert.Equal(PgLock.AccessExclusive, new[] { PgLock.Share, PgLock.AccessExclusive, LockMode.None }.Strongest());
    }
}
