using System.Text.Encodings.Web;
using System.Text.Json;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>Order-sensitive, exact comparison of models via indented JSON (statistics of tables and partitions left
/// out).</summary>
internal static class ModelJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string WithoutStats(DatabaseModel model) => JsonSerializer.Serialize(
        model with
        {
            Schemas = model.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t with { Stats = null, Partitioning = WithoutStats(t.Partitioning) }).ToList(),
            }).ToList(),
        },
        Options);

    /// <summary>The partition tree without its partitions' statistics (autovacuum's ANALYZE of a partition between
    /// two reads changes its reltuples, as it does a table's).</summary>
    private static PartitioningModel? WithoutStats(PartitioningModel? partitioning) => partitioning is null
        ? null
        : partitioning with
        {
            Partitions = partitioning.Partitions.Select(p => p with { Stats = null, Subpartitioning = WithoutStats(p.Subpartitioning) }).ToList(),
        };

    /// <summary>As <see cref="WithoutStats"/>, also without the catalog facts the model does not manage
    /// (unmodelled properties, dependents, partitioning), which tests check on their own.</summary>
    public static string WithoutStatsAndCatalogFacts(DatabaseModel model) => WithoutStats(
        model with
        {
            Schemas = model.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t with { Unmodelled = [], Dependents = [], Partitioning = null }).ToList(),
            }).ToList(),
        });

    public static string Of(object value) => JsonSerializer.Serialize(value, Options);
}
