using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>What a rehearsal reads from staging before and after the run.</summary>
/// <param name="Model">The introspected schema.</param>
/// <param name="Fingerprint">Its fingerprint (<see cref="Fingerprints.OfSchema"/>).</param>
/// <param name="RowCounts">Exact row counts of the counted tables (-1 = table missing).</param>
/// <param name="NotValidConstraints">NOT VALID constraints, <c>schema.table.constraint</c>.</param>
/// <param name="InvalidIndexes">INVALID indexes, <c>schema.index</c>.</param>
internal sealed record StagingState(
    DatabaseModel Model,
    string Fingerprint,
    IReadOnlyDictionary<QualifiedName, long> RowCounts,
    IReadOnlyList<string> NotValidConstraints,
    IReadOnlyList<string> InvalidIndexes)
{
    /// <summary>Introspects staging and, unless <paramref name="countRows"/> is empty, counts those tables' rows.</summary>
    /// <exception cref="PipelineConnectionException">Staging cannot be reached or reports an error.</exception>
    public static async Task<StagingState> ReadAsync(
        string connectionString, IReadOnlyList<string> exclude, IReadOnlyCollection<QualifiedName> countRows, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connectionString);
        await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
        await ConnectionStrings.GuardAsync("Cannot connect to the staging database at", target, async () =>
        {
            await connection.OpenAsync(ct);
            return true;
        });
        var model = await Introspection.PostgresIntrospector.IntrospectAsync(connection, exclude, ct);
        return await ConnectionStrings.GuardAsync("Cannot read the staging database at", target, async () => new StagingState(
            model,
            Fingerprints.OfSchema(model),
            await StagingValidator.CountRowsAsync(connection, countRows, ct),
            await StagingValidator.NotValidConstraintsAsync(connection, exclude, ct),
            await StagingValidator.InvalidIndexesAsync(connection, exclude, ct)));
    }

    /// <summary>
    /// The tables whose row counts a rehearsal compares: every table a step of <paramref name="plan"/> touches that
    /// exists both in the source and in the desired schema under the same name. Tables the plan creates or drops are
    /// left out, and so are renamed tables (the snapshots do not record renames).
    /// </summary>
    public static IReadOnlyList<QualifiedName> TablesToCount(PlanDocument plan, DatabaseModel source, DatabaseModel desired)
    {
        var touched = plan.Steps.SelectMany(s => s.Tables).ToHashSet(StringComparer.Ordinal);
        return source.Schemas
            .SelectMany(s => s.Tables.Select(t => new QualifiedName(s.Name, t.Name)))
            .Where(t => touched.Contains(t.ToString()) && desired.FindTable(t.Schema, t.Name) is not null)
            .OrderBy(t => t.ToString(), StringComparer.Ordinal)
            .ToList();
    }
}
