using System.Diagnostics;
using Npgsql;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>
/// (a) The naive statements of the scenario (<see cref="BenchScenario.NaiveSteps"/>), one after the other, autocommit, no
/// lock_timeout, while the client workload runs. The application's new version rolls out right after the column exists.
/// </summary>
internal static class NaiveRun
{
    public static async Task<RunFigures> RunAsync(string connectionString, BenchmarkOptions options, Action<string> progress, CancellationToken ct)
    {
        var steps = new List<StepFigure>();
        var holds = new List<ExclusiveHold>();
        long backfillRows = 0;
        double backfillMs = 0, wallMs = 0;
        string? failure = null;
        await using var workload = await Workloads.StartAsync(connectionString, options, ct);
        await Task.Delay(Workloads.WarmUp, ct);
        workload.Mark("change");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var (label, sql) in options.Scenario.NaiveSteps)
            {
                progress($"naive: {label} …");
                workload.Mark(label);
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
                    }
                }
                catch (NpgsqlException e)
                {
                    failure = $"{label}: {e.Message}";
                    steps.Add(new StepFigure(label, watch.Elapsed.TotalMilliseconds, "FAILED: " + e.Message));
                    break;
                }

                if (label == "add column")
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
        };
    }
}
