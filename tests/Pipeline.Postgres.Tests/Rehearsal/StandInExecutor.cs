using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Rehearsal;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>
/// A minimal executor for rehearsal tests that must not depend on the real one: runs each step's SQL on one
/// connection (a new connection per phase when <paramref name="connectionPerPhase"/>, to exercise the sampler
/// restart), a backfill as one UPDATE, a cleanup step's generated statements; reports to the observer like the real
/// executor. No journal, no retries.
/// </summary>
internal sealed class StandInExecutor(string connectionString, IExecutionObserver observer, bool connectionPerPhase = false) : IPhaseRunner
{
    private NpgsqlConnection? _connection;

    public static PhaseRunnerFactory Factory(bool connectionPerPhase = false) =>
        (cs, _, observer) => new StandInExecutor(cs, observer, connectionPerPhase);

    public async Task<PhaseResult> RunPhaseAsync(PlanDocument plan, Phase phase, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        if (connectionPerPhase && _connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }

        _connection ??= new NpgsqlConnection(connectionString);
        if (_connection.State != System.Data.ConnectionState.Open)
        {
            await _connection.OpenAsync(ct);
        }

        var started = DateTimeOffset.UtcNow;
        var results = new List<StepResult>();
        foreach (var step in plan.Steps.Where(s => s.Phase == phase))
        {
            await observer.StepStartingAsync(step, _connection.ProcessID, ct);
            var clock = Stopwatch.StartNew();
            StepResult result;
            try
            {
                var rows = await RunAsync(plan, step, ct);
                result = new StepResult(step.Ordinal, phase, step.Summary, StepState.Done, false, clock.Elapsed.TotalMilliseconds, RowsAffected: rows);
            }
            catch (PostgresException ex)
            {
                result = new StepResult(step.Ordinal, phase, step.Summary, StepState.Failed, false, clock.Elapsed.TotalMilliseconds, Error: $"{ex.SqlState}: {ex.MessageText}");
            }

            await observer.StepFinishedAsync(step, result, ct);
            results.Add(result);
            if (result.State == StepState.Failed)
            {
                return new PhaseResult(phase, plan.Fingerprint, false, results, started, DateTimeOffset.UtcNow, null);
            }
        }

        return new PhaseResult(phase, plan.Fingerprint, true, results, started, DateTimeOffset.UtcNow, null);
    }

    private async Task<long> RunAsync(PlanDocument plan, PlanDocumentStep step, CancellationToken ct)
    {
        switch (step.Kind)
        {
            case StepKind.Backfill when step.Backfill is { } b:
                return await ExecAsync(
                    $"UPDATE {Pipeline.Postgres.Dialect.SqlIdentifiers.Qualified(b.Table)} SET {b.SetClause} WHERE {b.Predicate}", ct);
            case StepKind.Cleanup:
                var statements = new List<string>();
                await using (var select = new NpgsqlCommand(step.Sql.Replace("\\gexec", "", StringComparison.Ordinal).Trim().TrimEnd(';'), _connection))
                await using (var reader = await select.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        statements.Add(reader.GetString(0));
                    }
                }

                foreach (var s in statements)
                {
                    await ExecAsync(s, ct);
                }

                return 0;
            default:
                await ExecAsync($"SET lock_timeout = {plan.Options.LockTimeoutMs}", ct);
                await ExecAsync(step.Sql, ct);
                return 0;
        }
    }

    private async Task<long> ExecAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
