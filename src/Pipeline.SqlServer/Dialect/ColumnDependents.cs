using System.Text.RegularExpressions;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// The indexes, keys, foreign keys and checks of one table that use a column, which SQL Server's <c>ALTER COLUMN</c>
/// refuses to change while they exist ("The modified column can't be … used in an index … a PRIMARY KEY or FOREIGN
/// KEY REFERENCES constraint … a CHECK or UNIQUE constraint … associated with a default definition",
/// https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql, ALTER COLUMN), so they are dropped
/// before it and re-created after it.
/// </summary>
/// <param name="Indexes">Indexes whose keys or included columns hold the column.</param>
/// <param name="Uniques">Unique constraints on the column.</param>
/// <param name="ForeignKeys">Foreign keys of the table on the column.</param>
/// <param name="Checks">Check constraints whose expression names the column.</param>
/// <param name="InPrimaryKey">Whether the column is in the table's primary key.</param>
/// <param name="ReferencedBy">Foreign keys of other tables (<c>schema.table.name</c>) that reference the column.</param>
internal sealed record ColumnDependents(
    IReadOnlyList<IndexModel> Indexes,
    IReadOnlyList<UniqueConstraintModel> Uniques,
    IReadOnlyList<ForeignKeyModel> ForeignKeys,
    IReadOnlyList<CheckConstraintModel> Checks,
    bool InPrimaryKey,
    IReadOnlyList<string> ReferencedBy)
{
    /// <summary>Whether nothing depends on the column.</summary>
    public bool None => Indexes.Count == 0 && Uniques.Count == 0 && ForeignKeys.Count == 0 && Checks.Count == 0;

    /// <summary>The objects of <paramref name="table"/> (in <paramref name="model"/>) that use <paramref name="column"/>.</summary>
    public static ColumnDependents Of(DatabaseModel model, QualifiedName name, TableModel table, string column)
    {
        var referencedBy = model.Schemas
            .SelectMany(s => s.Tables.SelectMany(t => t.ForeignKeys
                .Where(fk => fk.ReferencedSchema == name.Schema && fk.ReferencedTable == name.Name && fk.ReferencedColumns.Contains(column))
                .Select(fk => $"{s.Name}.{t.Name}.{fk.Name}")))
            .ToList();
        return new ColumnDependents(
            table.Indexes.Where(i => i.Keys.Any(k => k.Column == column) || i.Include.Contains(column)).ToList(),
            table.Uniques.Where(u => u.Columns.Contains(column)).ToList(),
            table.ForeignKeys.Where(fk => fk.Columns.Contains(column)).ToList(),
            table.Checks.Where(c => Mentions(c.Expression, column)).ToList(),
            table.PrimaryKey?.Columns.Contains(column) ?? false,
            referencedBy);
    }

    /// <summary>Keeps only the objects that exist unchanged in <paramref name="desired"/> (the others are dropped or
    /// re-created by changes of their own, ordered around the ALTER COLUMN by
    /// <see cref="SqlServerDialect.ChangeDependencies"/>).</summary>
    public ColumnDependents UnchangedIn(TableModel? desired, ISqlNormalizer normalizer) => desired is null
        ? this with { Indexes = [], Uniques = [], ForeignKeys = [], Checks = [] }
        : this with
        {
            Indexes = Indexes.Where(i => desired.Indexes.Any(d => Same(d, i, normalizer))).ToList(),
            Uniques = Uniques.Where(u => desired.Uniques.Any(d => d.Name == u.Name && d.Clustered == u.Clustered && d.Columns.SequenceEqual(u.Columns))).ToList(),
            ForeignKeys = ForeignKeys.Where(fk => desired.ForeignKeys.Any(d => Same(d, fk))).ToList(),
            Checks = Checks.Where(c => desired.Checks.Any(d => d.Name == c.Name && normalizer.NormalizeExpression(d.Expression) == normalizer.NormalizeExpression(c.Expression))).ToList(),
        };

    /// <summary>Whether <paramref name="expression"/> names <paramref name="column"/> (as a word or in brackets,
    /// case-insensitive: SQL Server's default collations compare identifiers that way).</summary>
    public static bool Mentions(string expression, string column) =>
        Regex.IsMatch(expression, $@"(?<![\w@#$])\[?{Regex.Escape(column)}\]?(?![\w@#$])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static bool Same(IndexModel a, IndexModel b, ISqlNormalizer normalizer) =>
        a.Name == b.Name && a.Unique == b.Unique && a.Clustered == b.Clustered
        && a.Keys.Select(k => (k.Column, k.Descending)).SequenceEqual(b.Keys.Select(k => (k.Column, k.Descending)))
        && a.Include.SequenceEqual(b.Include)
        && (a.Where is null ? b.Where is null : b.Where is not null && normalizer.NormalizeExpression(a.Where) == normalizer.NormalizeExpression(b.Where));

    private static bool Same(ForeignKeyModel a, ForeignKeyModel b) =>
        a.Name == b.Name && a.Columns.SequenceEqual(b.Columns) && a.ReferencedSchema == b.ReferencedSchema
        && a.ReferencedTable == b.ReferencedTable && a.ReferencedColumns.SequenceEqual(b.ReferencedColumns)
        && string.Equals(a.OnDelete, b.OnDelete, StringComparison.OrdinalIgnoreCase) && string.Equals(a.OnUpdate, b.OnUpdate, StringComparison.OrdinalIgnoreCase);
}
