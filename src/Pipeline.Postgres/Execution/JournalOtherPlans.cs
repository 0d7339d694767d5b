using Pipeline.Core.Release;
using Npgsql;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// What the journal (<c>pipeline.journal_phases</c>) says about plans other than the one about to run, so the release
/// gate can refuse to start a second, different plan while another one is part-way through a phase on the same
/// database (its steps would run on a schema neither plan was computed for).
/// </summary>
public static class JournalOtherPlans
{
    private const string ReadUnfinished = """
        SELECT plan_fingerprint, phase, started_at, finished_at
        FROM pipeline.journal_phases
        WHERE plan_fingerprint <> $1 AND NOT completed
        ORDER BY started_at
        """;

    /// <summary>
    /// The unfinished phases of every plan except <paramref name="planFingerprint"/>, oldest first; empty when the
    /// journal does not exist.
    /// </summary>
    /// <param name="connectionString">Target database (Npgsql keywords or a <c>postgres://</c> URI); never echoed.</param>
    /// <param name="planFingerprint">The plan about to run.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error
    /// (the message names the server without its password).</exception>
    public static async Task<IReadOnlyList<UnfinishedPhase>> ReadUnfinishedAsync(string connectionString, string planFingerprint, CancellationToken ct)
    {
        var target = ConnectionStrings.Describe(connectionString);
        await using var connection = new NpgsqlConnection(ConnectionStrings.ToNpgsql(connectionString));
        await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct);
            return true;
        });
        return await ConnectionStrings.GuardAsync<IReadOnlyList<UnfinishedPhase>>("Cannot read the journal at", target, async () =>
        {
            await using (var exists = new NpgsqlCommand(JournalSql.Exists, connection))
            {
                if (await exists.ExecuteScalarAsync(ct) is not true)
                {
                    return [];
                }
            }

            var phases = new List<UnfinishedPhase>();
            await using var command = new NpgsqlCommand(ReadUnfinished, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = planFingerprint, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                phases.Add(new UnfinishedPhase(
                    r.GetString(0),
                    JournalStore.ParsePhase(r.GetString(1)),
                    r.GetFieldValue<DateTimeOffset>(2),
                    r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3)));
            }

            return phases;
        });
    }
}
