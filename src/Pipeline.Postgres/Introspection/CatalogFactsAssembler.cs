using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Shapes the rows of <see cref="CatalogQueries.Unmodelled"/> and <see cref="CatalogQueries.Dependents"/> into the
/// catalog facts a table carries besides its model: <see cref="UnmodelledProperty"/>, <see cref="PartitioningModel"/>
/// and <see cref="DependentObject"/>.
/// </summary>
internal static class CatalogFactsAssembler
{
    /// <summary>The unmodelled properties of one table, ordered by kind, then name and columns.</summary>
    public static IReadOnlyList<UnmodelledProperty> Properties(IEnumerable<UnmodelledRow> rows) =>
        rows.Select(ToProperty)
            .OrderBy(p => p.Kind)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => string.Join(",", p.Columns), StringComparer.Ordinal)
            .ToList();

    /// <summary>The partitioning of one table, from its <c>partitioned</c> row, or <c>null</c>: its direct partitions,
    /// each sub-partitioned one with its own key and partitions (the tree from <c>parts</c>, by parent oid), each with
    /// its own indexes from <paramref name="indexesOf"/> (by the partition's oid). A sub-partitioned partition's
    /// statistics are its leaves' summed.</summary>
    public static PartitioningModel? Partitioning(IEnumerable<UnmodelledRow> rows, Func<uint, IReadOnlyList<IndexModel>> indexesOf)
    {
        var row = rows.FirstOrDefault(r => r.Kind == "partitioned");
        if (row is null)
        {
            return null;
        }

        var parts = new List<PartRow>();
        if (row.Parts is not null)
        {
            using var json = JsonDocument.Parse(row.Parts);
            foreach (var p in json.RootElement.EnumerateArray())
            {
                parts.Add(new PartRow(
                    (uint)p.GetProperty("oid").GetInt64(),
                    (uint)p.GetProperty("parent").GetInt64(),
                    p.GetProperty("schema").GetString() ?? "",
                    p.GetProperty("name").GetString() ?? "",
                    p.GetProperty("bound").GetString() ?? "",
                    p.GetProperty("partitioned").GetBoolean(),
                    p.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String ? key.GetString() : null,
                    new TableStats(
                        (long)Math.Round(p.GetProperty("rows").GetDouble()),
                        Math.Max(0, p.GetProperty("pages").GetInt64()),
                        Math.Max(0, p.GetProperty("bytes").GetInt64()))));
            }
        }

        return Level(row.TableOid, row.Detail, parts.ToLookup(p => p.Parent), indexesOf);
    }

    /// <summary>One level of a partition tree: the partitions of <paramref name="parent"/>, partitioned by
    /// <paramref name="key"/> (<c>pg_get_partkeydef</c>).</summary>
    private static PartitioningModel Level(uint parent, string key, ILookup<uint, PartRow> children, Func<uint, IReadOnlyList<IndexModel>> indexesOf)
    {
        var partitions = new List<PartitionModel>();
        foreach (var part in children[parent])
        {
            var sub = part.Partitioned && part.Key is { } subKey ? Level(part.Oid, subKey, children, indexesOf) : null;
            var stats = sub is null ? part.Stats : Leaves(sub);
            partitions.Add(new PartitionModel(part.Schema, part.Name, part.Bound, part.Partitioned, stats, sub, indexesOf(part.Oid)));
        }

        var space = key.IndexOf(' ', StringComparison.Ordinal);
        var strategy = (space > 0 ? key[..space] : key).ToLowerInvariant();
        return new PartitioningModel(strategy, key, partitions);
    }

    /// <summary>The statistics of a sub-partitioned partition: its leaves' rows, pages and bytes summed.</summary>
    private static TableStats Leaves(PartitioningModel partitioning) =>
        partitioning.Partitions.Select(p => p.Stats ?? new TableStats(0, 0, 0))
            .Aggregate(new TableStats(0, 0, 0), (a, b) => new TableStats(a.Rows + b.Rows, a.Pages + b.Pages, a.TotalBytes + b.TotalBytes));

    /// <summary>One element of <c>parts</c>.</summary>
    private sealed record PartRow(uint Oid, uint Parent, string Schema, string Name, string Bound, bool Partitioned, string? Key, TableStats Stats);

    /// <summary>The dependents of one table, in catalog order.</summary>
    public static IReadOnlyList<DependentObject> Dependents(IEnumerable<DependentRow> rows) =>
        rows.Select(d => new DependentObject(
                d.Kind,
                d.Identity,
                d.OnColumn,
                d.OnObject,
                d.OwnerTable is null ? null : new QualifiedName(d.OwnerSchema ?? "", d.OwnerTable),
                d.Name,
                d.Automatic))
            .ToList();

    private static UnmodelledProperty ToProperty(UnmodelledRow r) => r.Kind switch
    {
        "partitioned" => new UnmodelledProperty(UnmodelledKind.Partitioned, null, PartitionDetail(r)),
        "inherits" => new UnmodelledProperty(UnmodelledKind.Inherits, r.Name, r.Detail),
        "inherited_by" => new UnmodelledProperty(UnmodelledKind.InheritedBy, r.Name, r.Detail),
        "storage_parameters" => new UnmodelledProperty(UnmodelledKind.StorageParameters, null, r.Detail),
        "row_level_security" => new UnmodelledProperty(UnmodelledKind.RowLevelSecurity, null, r.Detail),
        "policy" => new UnmodelledProperty(UnmodelledKind.Policy, r.Name, r.Detail),
        "trigger" => new UnmodelledProperty(UnmodelledKind.Trigger, r.Name, TriggerDetail(r)),
        "rule" => new UnmodelledProperty(UnmodelledKind.Rule, r.Name, r.Detail),
        "statistics_target" => new UnmodelledProperty(UnmodelledKind.StatisticsTarget, null, r.Detail, r.Columns),
        "column_options" => new UnmodelledProperty(UnmodelledKind.ColumnOptions, null, r.Detail, r.Columns),
        "column_storage" => new UnmodelledProperty(UnmodelledKind.ColumnStorage, null, r.Detail, r.Columns),
        "column_compression" => new UnmodelledProperty(UnmodelledKind.ColumnCompression, null, r.Detail, r.Columns),
        "column_collation" => new UnmodelledProperty(UnmodelledKind.ColumnCollation, null, r.Detail, r.Columns),
        "sequence_options" => new UnmodelledProperty(UnmodelledKind.SequenceOptions, r.Name, r.Detail, r.Columns),
        "replica_identity" => new UnmodelledProperty(UnmodelledKind.ReplicaIdentity, r.Name, r.Detail),
        "unlogged" => new UnmodelledProperty(UnmodelledKind.Unlogged, null, r.Detail),
        "tablespace" => new UnmodelledProperty(UnmodelledKind.Tablespace, null, r.Detail),
        "index_tablespace" => new UnmodelledProperty(UnmodelledKind.IndexTablespace, r.Name, r.Detail),
        "clustered_on" => new UnmodelledProperty(UnmodelledKind.ClusteredOn, r.Name, r.Detail),
        "publication" => new UnmodelledProperty(UnmodelledKind.Publication, r.Name, r.Detail),
        "typed_table" => new UnmodelledProperty(UnmodelledKind.TypedTable, null, r.Detail),
        "access_method" => new UnmodelledProperty(UnmodelledKind.AccessMethod, null, r.Detail),
        "extended_statistics" => new UnmodelledProperty(UnmodelledKind.ExtendedStatistics, r.Name, r.Detail, r.Columns),
        _ => throw new InvalidOperationException($"unknown unmodelled kind '{r.Kind}' in the catalog query"),
    };

    /// <summary><c>RANGE (created_at), 3 partitions</c> (the direct partitions).</summary>
    private static string PartitionDetail(UnmodelledRow r)
    {
        var count = 0;
        if (r.Parts is not null)
        {
            using var json = JsonDocument.Parse(r.Parts);
            count = json.RootElement.EnumerateArray().Count(p => p.GetProperty("parent").GetInt64() == r.TableOid);
        }

        return $"{r.Detail}, {count.ToString(CultureInfo.InvariantCulture)} partition{(count == 1 ? "" : "s")}";
    }

    /// <summary><c>pg_get_triggerdef()</c> without the leading <c>CREATE [CONSTRAINT] TRIGGER name </c>.</summary>
    private static string TriggerDetail(UnmodelledRow r)
    {
        var text = r.Detail;
        var marker = " " + r.Name + " ";
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (text.StartsWith("CREATE ", StringComparison.Ordinal) && at > 0)
        {
            text = text[(at + marker.Length)..];
        }

        return text;
    }
}
