using System.Diagnostics;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>
/// (a) The naive statements of the scenario (<see cref="BenchScenario.NaiveSteps"/>), one after the other, autocommit, no
/// lock_timeout, while the client workload runs. The application's new version rolls out right after the column exists.
/// With <c>--naive-after-expand</c> the statements are <see cref="AfterExpandSteps"/> instead.
/// </summary>
internal static class NaiveRun
{
    /// <summary>The statements of <c>--naive-after-expand</c>: the plan's expand statements as the plan has them (the
    /// fill triggers and the FOREIGN KEY … NOT VALID included; not the cleanup of a leftover invalid index, a psql
    /// <c>\gexec</c> script with nothing to do on a fresh copy), then the scenario's one UPDATE (its step labelled
    /// <c>backfill</c>), so that the UPDATE pays per row what the plan's batches pay; the steps after it are left out.
    /// The new application version rolls out after the last expand statement, as in the plan's run.</summary>
    /// <exception cref="ArgumentException">The scenario has no naive step labelled <c>backfill</c>.</exception>
    public static (IReadOnlyList<(string Label, string Sql)> Steps, string RolloutAfter) AfterExpandSteps(MigrationPlan plan, BenchScenario scenario)
    {
        var update = scenario.NaiveSteps.FirstOrDefault(s => s.Label == "backfill");
        if (update.Sql is null)
        {
            throw new ArgumentException($"--naive-after-expand needs a scenario with one naive UPDATE (backfill), not '{scenario.Name}'");
        }

        var expand = plan.Steps.Where(s => s.Phase == Phase.Expand && s.Kind != StepKind.Cleanup).Select(s => ($"expand #{s.Ordinal} {s.Summary}", s.Sql)).ToList();
        return ([.. expand, update], expand.Count > 0 ? expand[^1].Item1 : update.Label);
    }

    public static Task<RunFigures> RunAsync(string connectionString, BenchmarkOptions options, Action<string> progress, CancellationToken ct) =>
        RunAsync(connectionString, options, options.Scenario.NaiveSteps, "add column", progress, ct);

    public static async Task<RunFigures> RunAsync(string connectionString, BenchmarkOptions options, IReadOnlyList<(string Label, string Sql)> naiveSteps, string rolloutAfter, Action<string> progress, CancellationToken ct)
    {
        var steps = new List<StepFigure>();
        var holds = new List<ExclusiveHold>();
        long backfillRows = 0;
        long backfillWal = 0;
        double backfillMs = 0, wallMs = 0;
        string? failure = null;
        await using var workload = await Workloads.StartAsync(connectionString, options, ct);
        await Task.Delay(Workloads.WarmUp, ct);
        workload.Mark("change");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var (label, sql) in naiveSteps)
            {
                progress($"naive: {label} …");
                workload.Mark(label);
                var walBefore = label == "backfill" ? await Database.WalPositionAsync(connectionString, ct) : null;
                var watch = Stopwatch.StartNew();
                try
                {
                    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
                    var affected = await command.ExecuteNonQueryAsync(ct);
                    var ms = watch.Elapsed.TotalMilliseconds;
                    wallMs += ms;
                    steps.Add(new StepFigure(label, ms, affected > 0 ? $"{affected:N0} rows" : ""));
                    if (options.Scenario.NaiveExclusiveLabels.Contains(label))
                    {
                        holds.Add(new ExclusiveHold(label, ms, null));
                    }
                    if (label == "backfill")
                    {
                        backfillRows = affected;
                        backfillMs = ms;
                        backfillWal = await Database.WalSinceAsync(connectionString, walBefore!, ct);
                    }
                }
                catch (NpgsqlException e)
                {
                    failure = $"{label}: {e.Message}";
                    steps.Add(new StepFigure(label, watch.Elapsed.TotalMilliseconds, "FAILED: " + e.Message));
                    break;
                }

                if (label == rolloutAfter)
                {
                    workload.Mark("rollout");
                    await workload.SwitchShapeAsync(options.Scenario.NewApp, ct);
                }
            }
        }

        workload.Mark("after");
        await Task.Delay(Workloads.CoolDown, ct);
        var load = await workload.StopAsync();
        return new RunFigures("naive", wallMs, backfillRows, backfillMs, steps, load, workload.SummaryBetween("change", "after"), failure)
        {
            ExclusiveHolds = holds,
            BackfillWalBytes = backfillWal,
        };
    }
}
