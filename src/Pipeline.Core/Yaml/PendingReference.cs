using Pipeline.Core.Model;
using static Pipeline.Core.Yaml.YamlValues;

namespace Pipeline.Core.Yaml;

/// <summary>
/// The target of a foreign key, checked after the whole file is read: a table declared in the file must have the
/// referenced columns; an undeclared table is an error unless an <c>exclude</c> pattern matches it.
/// </summary>
/// <param name="Schema">Referenced schema.</param>
/// <param name="Table">Referenced table.</param>
/// <param name="TableNode">The <c>table:</c> value, for messages.</param>
/// <param name="Columns">Referenced columns with their nodes.</param>
internal sealed record PendingReference(
    string Schema,
    string Table,
    YNode TableNode,
    IReadOnlyList<(string Value, YNode Node)> Columns)
{
    /// <summary>Checks the reference against the finished <paramref name="model"/>.</summary>
    public void Resolve(DatabaseModel model, IReadOnlyList<string> exclude)
    {
        var table = model.FindTable(Schema, Table);
        if (table is null)
        {
            if (NamePattern.IsExcluded(exclude, Schema, Table))
            {
                return;
            }

            throw Error(TableNode, $"foreign key references table '{Schema}.{Table}', which this file does not declare (declare it, or add it to 'exclude')");
        }

        foreach (var (column, node) in Columns)
        {
            if (table.FindColumn(column) is null)
            {
                throw Error(node, $"foreign key references column '{column}', which table '{Schema}.{Table}' does not have");
            }
        }

        // PostgreSQL needs a non-deferrable unique key on the referenced columns (sql-createtable.html, REFERENCES).
        var wanted = Columns.Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        bool Matches(IEnumerable<string> columns) => wanted.SetEquals(columns);
        var keys = new List<(string Name, IReadOnlyList<string> Columns, bool Deferrable)>();
        if (table.PrimaryKey is { } pk)
        {
            keys.Add((pk.Name, pk.Columns, pk.Deferrable));
        }

        keys.AddRange(table.Uniques.Select(u => (u.Name, u.Columns, u.Deferrable)));
        var deferrable = keys.FirstOrDefault(k => k.Deferrable && Matches(k.Columns));
        var usable = keys.Any(k => !k.Deferrable && Matches(k.Columns))
            || table.Indexes.Any(i => i.Unique && i.Where is null && i.Keys.All(k => k.Column is not null) && Matches(i.Keys.Select(k => k.Column!)));
        if (deferrable.Name is not null && !usable)
        {
            throw Error(TableNode, $"foreign key references the columns of deferrable constraint '{deferrable.Name}' of table '{Schema}.{Table}'; PostgreSQL cannot use a deferrable key for a foreign key: make it not deferrable or add a non-deferrable unique constraint on the columns");
        }
    }
}
