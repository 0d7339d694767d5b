using Pipeline.Core.Locking;
using Pipeline.SqlServer.Dialect;
using Xunit;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>SQL Server's lock modes against the lock compatibility matrix of the locking guide, cell by cell (the
/// expected cells are typed here from the documentation's table, not computed).</summary>
public sealed class SqlServerLockTests
{
    // Rows: requested; columns: granted. Order Sch-S, IS, S, U, IX, SIX, X, Sch-M. 'x' = conflict ("No" in the docs).
    private static readonly string[] Matrix =
    [
        "       x", // Sch-S: compatible with all but Sch-M
        "      xx", // IS: conflicts with X
        "    xxxx", // S: conflicts with IX, SIX, X
        "   xxxxx", // U: conflicts with U, IX, SIX, X
        "  xx xxx", // IX: conflicts with S, U, SIX, X
        "  xxxxxx", // SIX: compatible with IS only
        " xxxxxxx", // X: compatible with nothing (but Sch-S)
        "xxxxxxxx", // Sch-M: compatible with nothing
    ];

    [Fact]
    public void Every_cell_of_the_compatibility_matrix()
    {
        var modes = SqlServerLock.All;
        Assert.Equal(["Sch-S", "IS", "S", "U", "IX", "SIX", "X", "Sch-M"], modes.Select(m => m.DisplayName));
        for (var r = 0; r < 8; r++)
        {
            for (var g = 0; g < 8; g++)
            {
                Assert.True(Matrix[r][g] == 'x' == SqlServerLock.Conflicts(modes[r], modes[g]),
                    $"{modes[r]} requested while {modes[g]} is granted: expected {(Matrix[r][g] == 'x' ? "conflict" : "compatible")}");
            }
        }
    }

    [Fact]
    public void Reads_and_writes_blocked_follow_IS_and_IX()
    {
        // A locking reader takes IS on the table, a writer IX.
        foreach (var mode in SqlServerLock.All)
        {
            Assert.Equal(SqlServerLock.Conflicts(SqlServerLock.IntentExclusive, mode), mode.BlocksWrites);
            Assert.Equal(SqlServerLock.Conflicts(SqlServerLock.IntentShared, mode), mode.BlocksReads);
        }

        Assert.Equal(["X", "Sch-M"], SqlServerLock.All.Where(m => m.BlocksReads).Select(m => m.DisplayName));
        Assert.Equal(["S", "U", "SIX", "X", "Sch-M"], SqlServerLock.All.Where(m => m.BlocksWrites).Select(m => m.DisplayName));
    }

    [Fact]
    public void Strength_orders_Sch_M_strongest_and_never_compares_with_PostgreSQL()
    {
        Assert.True(SqlServerLock.SchemaModification > SqlServerLock.Exclusive);
        Assert.True(SqlServerLock.SchemaStability < SqlServerLock.IntentShared);
        Assert.Equal(SqlServerLock.SchemaModification, new[] { SqlServerLock.Shared, SqlServerLock.SchemaModification, SqlServerLock.IntentExclusive }.Strongest());
        var pg = new LockMode("postgres", "ACCESS EXCLUSIVE", 8, true, true);
        Assert.Throws<InvalidOperationException>(() => SqlServerLock.SchemaStability < pg);
        Assert.False(SqlServerLock.Conflicts(LockMode.None, SqlServerLock.SchemaModification));
    }

    [Fact]
    public void Parse_reads_the_documented_names()
    {
        Assert.Same(SqlServerLock.SchemaModification, SqlServerLock.Parse("sch-m"));
        Assert.Same(SqlServerLock.SharedIntentExclusive, SqlServerLock.Parse("SIX"));
        Assert.Equal(LockMode.None, SqlServerLock.Parse("none"));
        Assert.Throws<ArgumentException>(() => SqlServerLock.Parse("ACCESS EXCLUSIVE"));
    }
}
