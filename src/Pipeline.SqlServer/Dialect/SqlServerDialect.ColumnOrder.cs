using Pipeline.Core.Diff;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Column order and rowversion: the two column changes SqlPackage does by rebuilding the table.</summary>
public sealed partial class SqlServerDialect
{
    /// <summary>
    /// PIPE5030 when the desired table declares the new column before a column that already exists. <c>ALTER TABLE …
    /// ADD</c> appends (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql); SqlPackage places
    /// the column by rebuilding the table (a copy of every row inside one transaction, its deploy report's
    /// <c>TableRebuild</c> and <c>DataMotion</c>), which Pipeline never does: the column is appended, and this
    /// warning says so instead of hiding either the rebuild or the different order.
    /// </summary>
    private static void ReportColumnAppended(AddColumn c, TSqlStepFactory f)
    {
        var desired = f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name);
        if (desired is null)
        {
            return;
        }

        var existing = c.ActualTable.Columns.Select(x => x.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var next = desired.Columns.SkipWhile(x => !string.Equals(x.Name, c.Column.Name, StringComparison.OrdinalIgnoreCase)).Skip(1)
            .FirstOrDefault(x => existing.Contains(x.Name));
        if (next is not null)
        {
            f.Report(DiagnosticSeverity.Warning, SqlServerPlanCodes.ColumnAppended,
                $"{c.Table}.{c.Column.Name} is declared before {next.Name} but is added after the table's last column: ALTER TABLE can only append a column, "
                + "and placing it would rebuild the table (SqlPackage copies every row under Sch-M to do it); Pipeline never reorders columns. Declare new columns last to match");
        }
    }

    /// <summary>Whether <paramref name="type"/> is <c>rowversion</c> or its synonym <c>timestamp</c>, which ALTER COLUMN
    /// can neither change nor produce ("The modified column can't be … a column with a timestamp data type",
    /// https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql; to rowversion: SqlPackage's deploy
    /// report rebuilds the table, observed offline in tests/Pipeline.SqlServer.Tests/Oracle).</summary>
    private static bool IsRowversion(string type) =>
        type.Trim().Equals("rowversion", StringComparison.OrdinalIgnoreCase) || type.Trim().Equals("timestamp", StringComparison.OrdinalIgnoreCase);
}
