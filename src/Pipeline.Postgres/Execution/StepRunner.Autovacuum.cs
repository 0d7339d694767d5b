using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Execution;

/// <summary>Autovacuum yielding before a step's lock request (<see cref="AutovacuumYield"/>).</summary>
internal sealed partial class StepRunner
{
    private bool autovacuumYieldUnavailable;

    /// <summary>
    /// Cancels the autovacuum workers in the way of <paramref name="step"/>'s write-blocking locks
    /// (<see cref="AutovacuumYield"/>) and logs each one. Never fails the step: a server error here (e.g. a server
    /// before PostgreSQL 12, without <c>pg_partition_tree</c>) is logged once and the yield is not tried again on this
    /// connection's runner; the lock request then waits as it always did.
    /// </summary>
    private async Task YieldAutovacuumAsync(PlanDocumentStep step, CancellationToken ct)
    {
        if (autovacuumYieldUnavailable)
        {
            return;
        }

        var tables = AutovacuumYield.TablesBlockingWrites(step);
        if (tables.Count == 0)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand(AutovacuumYield.CancelSql, connection) { CommandTimeout = CommandTimeoutSeconds };
            command.Parameters.Add(new NpgsqlParameter { Value = tables.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var relation = reader.GetString(0);
                var pid = reader.GetInt32(1);
                var sent = reader.GetBoolean(2);
                observer.Log(sent
                    ? string.Create(CultureInfo.InvariantCulture, $"step {step.Ordinal} ({step.Summary}): cancelled autovacuum of {relation} (pid {pid}); PostgreSQL would cancel it only after deadlock_timeout, with every client statement on the table queued behind the step's lock request meanwhile")
                    : string.Create(CultureInfo.InvariantCulture, $"step {step.Ordinal} ({step.Summary}): autovacuum of {relation} (pid {pid}) could not be signalled; the lock request waits for it"));
            }
        }
        catch (PostgresException ex)
        {
            autovacuumYieldUnavailable = true;
            observer.Log($"step {step.Ordinal}: autovacuum yield unavailable on this server ({ex.SqlState}: {ex.MessageText}); lock requests wait for autovacuum as usual");
        }
    }
}
