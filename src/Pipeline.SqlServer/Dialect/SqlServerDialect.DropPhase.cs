using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Drops that an expand-phase ALTER COLUMN needs gone move from contract into expand.</summary>
public sealed partial class SqlServerDialect
{
    /// <summary>
    /// The phase of dropping an index, key or constraint on <paramref name="columns"/> of <paramref name="table"/>:
    /// contract, unless one of those columns changes type in this plan. A type change runs in expand, and ALTER COLUMN
    /// refuses while an index, key or constraint uses the column ("The modified column can't be … used in an index",
    /// https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql), so a drop left in contract would make
    /// expand fail; it runs in expand instead (ordered before the ALTER by <see cref="ChangeDependencies"/>), and PIPE1021
    /// says so. A widening of varchar/nvarchar/varbinary keeps its indexes, so it moves nothing.
    /// </summary>
    private static Phase DropPhase(QualifiedName table, IEnumerable<string> columns, string what, TSqlStepFactory f)
    {
        var actual = f.Context.Actual.FindTable(table.Schema, table.Name);
        var desired = f.Context.Desired.FindTable(table.Schema, table.Name);
        if (actual is null || desired is null)
        {
            return Phase.Contract;
        }

        var normalizer = new SqlServerNormalizer();
        var retyped = columns.FirstOrDefault(name =>
            actual.Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) is { } from
            && desired.Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) is { } to
            && normalizer.NormalizeType(from.Type) != normalizer.NormalizeType(to.Type)
            && !IsWidening(from.Type, to.Type));
        if (retyped is null)
        {
            return Phase.Contract;
        }

        f.Report(DiagnosticSeverity.Warning, DiagnosticCodes.DependentReordered,
            $"{what} on {table} runs in expand instead of contract: the type change of {table}.{retyped} runs in expand, and ALTER COLUMN refuses while it exists");
        return Phase.Expand;
    }

    /// <summary>The columns of the actual <paramref name="table"/> that <paramref name="expression"/> names.</summary>
    private static IEnumerable<string> ColumnsOf(QualifiedName table, string expression, TSqlStepFactory f) =>
        (f.Context.Actual.FindTable(table.Schema, table.Name)?.Columns ?? []).Select(c => c.Name).Where(n => ColumnDependents.Mentions(expression, n));
}
