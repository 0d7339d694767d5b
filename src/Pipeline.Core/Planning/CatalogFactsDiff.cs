using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// The differences in catalog facts the model does not manage (unmodelled properties, partitioning, dependents)
/// between two actual models of the same database, e.g. a view created since the plan was made. They count in
/// <see cref="Fingerprints.OfSchema"/>, so the release gate and the rehearsal use this to say what drifted when the
/// differ finds no structural change.
/// </summary>
public static class CatalogFactsDiff
{
    /// <summary>One line per fact found in only one of the models, ordered by table:
    /// <c>public.orders: new trigger orders_audit (…)</c>, <c>public.orders: no longer has …</c>,
    /// <c>public.orders: new dependent view public.order_totals</c>. Tables found in only one model are left out (the
    /// structural diff reports them).</summary>
    public static IReadOnlyList<string> Describe(DatabaseModel before, DatabaseModel after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var lines = new List<string>();
        foreach (var schema in after.Schemas.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            foreach (var table in schema.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                if (before.FindTable(schema.Name, table.Name) is not { } old)
                {
                    continue;
                }

                var name = $"{schema.Name}.{table.Name}";
                Compare(lines, name, old.Unmodelled.Select(p => p.Describe()), table.Unmodelled.Select(p => p.Describe()), "");
                Compare(lines, name, Dependents(old), Dependents(table), "dependent ");
                Compare(lines, name, Partitions(old), Partitions(table), "");
            }
        }

        return lines;
    }

    private static IEnumerable<string> Dependents(TableModel t) =>
        t.Dependents.Where(d => !d.Automatic).Select(d => d.Describe() + (d.Column is { } c ? $" (on column {c})" : d.OnObject is { } o ? $" (on {o})" : ""));

    private static IEnumerable<string> Partitions(TableModel t) =>
        t.Partitioning?.Partitions.Select(p => $"partition {p.Schema}.{p.Name} {p.Bound}") ?? [];

    private static void Compare(List<string> lines, string table, IEnumerable<string> before, IEnumerable<string> after, string prefix)
    {
        var old = before.ToHashSet(StringComparer.Ordinal);
        var now = after.ToHashSet(StringComparer.Ordinal);
        lines.AddRange(now.Where(x => !old.Contains(x)).Order(StringComparer.Ordinal).Select(x => $"{table}: new {prefix}{x}"));
        lines.AddRange(old.Where(x => !now.Contains(x)).Order(StringComparer.Ordinal).Select(x => $"{table}: no longer has {prefix}{x}"));
    }
}
