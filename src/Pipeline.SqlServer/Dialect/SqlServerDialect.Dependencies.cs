using Pipeline.Core.Diff;
using Pipeline.Core.Model;

namespace Pipeline.SqlServer.Dialect;

/// <summary>Ordering between changes that SQL Server's ALTER COLUMN needs.</summary>
public sealed partial class SqlServerDialect
{
    /// <inheritdoc />
    /// <remarks>
    /// For every change that runs an ALTER COLUMN (<see cref="AlterColumnType"/>, <see cref="SetNotNull"/>,
    /// <see cref="DropNotNull"/>, and an <see cref="AddColumn"/> of a NOT NULL column enforced later): the drops of
    /// indexes, keys, foreign keys and checks on that column run before it, and their creations after it (ALTER COLUMN
    /// refuses while they exist; the unchanged ones are dropped and re-created inside the change's own steps). A type
    /// change runs before a nullability change of the same column (the latter spells the new type). A primary key runs
    /// after its columns are made NOT NULL.
    /// </remarks>
    public IEnumerable<(SchemaChange Before, SchemaChange After)> ChangeDependencies(IReadOnlyList<SchemaChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var pairs = new List<(SchemaChange, SchemaChange)>();
        foreach (var alter in changes)
        {
            if (AlteredColumn(alter) is not { } altered)
            {
                continue;
            }

            foreach (var other in changes)
            {
                if (ReferenceEquals(other, alter) || other is not TableChange tc || tc.Table != altered.Table)
                {
                    continue;
                }

                var uses = UsedColumns(other);
                if (uses is null || !uses.Contains(altered.Column, StringComparer.OrdinalIgnoreCase))
                {
                    if (alter is AlterColumnType && other is SetNotNull or DropNotNull && AlteredColumn(other)?.Column == altered.Column)
                    {
                        pairs.Add((alter, other));
                    }

                    continue;
                }

                if (other is AddPrimaryKey && alter is SetNotNull or AddColumn)
                {
                    pairs.Add((alter, other));
                }
                else if (IsDrop(other))
                {
                    pairs.Add((other, alter));
                }
                else if (IsCreate(other))
                {
                    pairs.Add((alter, other));
                }
            }
        }

        return pairs;
    }

    private static (QualifiedName Table, string Column)? AlteredColumn(SchemaChange change) => change switch
    {
        AlterColumnType c => (c.Table, c.To.Name),
        SetNotNull c => (c.Table, c.Column.Name),
        DropNotNull c => (c.Table, c.Column.Name),
        AddColumn { Column.Nullable: false } c => (c.Table, c.Column.Name),
        _ => null,
    };

    private static bool IsDrop(SchemaChange change) => change is DropIndex or DropUnique or DropPrimaryKey or DropForeignKey or DropCheck;

    private static bool IsCreate(SchemaChange change) => change is CreateIndex or AddUnique or AddPrimaryKey or AddForeignKey or AddCheck;

    private static List<string>? UsedColumns(SchemaChange change) => change switch
    {
        CreateIndex c => c.Index.Keys.Where(k => k.Column is not null).Select(k => k.Column!).Concat(c.Index.Include).ToList(),
        DropIndex c => c.Index.Keys.Where(k => k.Column is not null).Select(k => k.Column!).Concat(c.Index.Include).ToList(),
        AddUnique c => c.Unique.Columns.ToList(),
        DropUnique c => c.Unique.Columns.ToList(),
        AddPrimaryKey c => c.Key.Columns.ToList(),
        DropPrimaryKey c => c.Key.Columns.ToList(),
        AddForeignKey c => c.ForeignKey.Columns.ToList(),
        DropForeignKey c => c.ForeignKey.Columns.ToList(),
        AddCheck c => ColumnsNamed(c.Check.Expression),
        DropCheck c => ColumnsNamed(c.Check.Expression),
        _ => null,
    };

    // Every identifier-like word of a check is a candidate column (only equality with the altered column matters).
    private static List<string> ColumnsNamed(string expression) =>
        System.Text.RegularExpressions.Regex.Matches(expression, @"\[([^\]]+)\]|[A-Za-z_][\w@#$]*").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Value).ToList();
}
