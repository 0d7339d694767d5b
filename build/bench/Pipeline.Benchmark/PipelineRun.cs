using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>
/// (b) The tool's plan for the same change (Planner + PostgresDialect against the live database, then
/// <see cref="PostgresExecutor.RunPhaseAsync"/> for expand, backfill and contract; the backfill in a process of its
/// own, <see cref="BackfillChild"/>), while the client workload runs. The application's new version rolls out after
/// expand.
/// </summary>
internal static class PipelineRun
{
    public static async Task<RunFigures> RunAsync(string connectionString, BenchmarkOptions options, Action<string> progress, CancellationToken ct)
    {
        var desired = SchemaYamlLoader.Load(options.Scenario.AfterYaml, "after.yaml");
        var actual = await PostgresIntrospector.IntrospectAsync(connectionString, desired.Exclude, ct);
        var plan = Planner.Plan(desired, actual, new PostgresDialect(), options.PlanOptions, "benchmark database");
        if (plan.IsBlocked)
        {
            throw new InvalidOperationException("the plan is blocked: " + string.Join("; ", plan.Steps.Where(s => s.Blocked).Select(s => s.BlockedReason)));
        }

        var document = PlanDocument.From(plan);
        var executor = new PostgresExecutor(connectionString, options.Execution, new ProgressObserver(progress));
        var steps = new List<StepFigure>();
        var holds = new List<ExclusiveHold>();
        long backfillRows = 0;
        double backfillMs = 0, wallMs = 0;
        string? failure = null;
        await using var workload = await Workloads.StartAsync(connectionString, options, ct);
        await Task.Delay(Workloads.WarmUp, ct);
        workload.Mark("change");
        BackfillChildResult? child = null;
        long backfillWal = 0;
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            progress($"pipeline: {phase.Name()} …");
            workload.Mark(phase.Name());
            var watch = Stopwatch.StartNew();
            if (phase == Phase.Backfill)
            {
                // In a process of its own, so that its peak working set is the executor's alone.
                var walBefore = await Database.WalPositionAsync(connectionString, ct);
                child = await BackfillChild.RunAsync(connectionString, document, options.Execution, options.Scenario, ct);
                backfillWal = await Database.WalSinceAsync(connectionString, walBefore, ct);
                wallMs += watch.Elapsed.TotalMilliseconds;
                backfillRows = child.Rows;
                backfillMs = child.WallMs;
                steps.Add(new StepFigure("backfill (own process)", child.WallMs, string.Create(CultureInfo.InvariantCulture,
                    $"{child.Rows:N0} rows in {child.Batches:N0} batches, peak working set {child.PeakWorkingSetBytes / (1024.0 * 1024):F0} MiB{(child.Error is null ? "" : ", error: " + child.Error)}")));
                if (!child.Succeeded)
                {
                    failure = "backfill failed: " + child.Error;
                    break;
                }

                continue;
            }

            var result = await executor.RunPhaseAsync(document, phase, desired.Exclude, ct);
            wallMs += watch.Elapsed.TotalMilliseconds;
            foreach (var step in result.Steps)
            {
                steps.Add(new StepFigure($"{phase.Name()} #{step.Ordinal} {step.Summary}", step.WallMs, Detail(step)));
                var planned = document.Steps.First(s => s.Ordinal == step.Ordinal);
                if (planned.StrongestLock == "ACCESS EXCLUSIVE")
                {
                    holds.Add(new ExclusiveHold($"{phase.Name()} #{step.Ordinal} {step.Summary}", step.WallMs, planned.EstimatedLockMs));
                }
            }

            if (!result.Succeeded)
            {
                failure = $"{phase.Name()} failed: " + string.Join("; ", result.Steps.Where(s => s.Error is not null).Select(s => $"#{s.Ordinal}: {s.Error}"));
                break;
            }

            if (phase == Phase.Expand)
            {
                workload.Mark("rollout");
                await workload.SwitchShapeAsync(options.Scenario.NewApp, ct);
            }
        }

        workload.Mark("after");
        await Task.Delay(Workloads.CoolDown, ct);
        var load = await workload.StopAsync();
        return new RunFigures("pipeline", wallMs, backfillRows, backfillMs, steps, load, workload.SummaryBetween("change", "after"), failure)
        {
            BackfillPeakWorkingSetBytes = child?.PeakWorkingSetBytes ?? 0,
            BackfillBatches = child?.Batches ?? 0,
            Backfill = child?.Figures,
            ExclusiveHolds = holds,
            BackfillWalBytes = backfillWal,
        };
    }

    private static string Detail(StepResult step)
    {
        var parts = new List<string>();
        if (step.RowsAffected > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{step.RowsAffected:N0} rows in {step.Batches:N0} batches"));
        }

        if (step.LockRetries > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{step.LockRetries} lock retries ({step.LockRetryWaitMs:F0} ms)"));
        }

        if (step.ThrottledMs > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"throttled {step.ThrottledMs:F0} ms"));
        }

        if (step.Error is not null)
        {
            parts.Add("error: " + step.Error);
        }

        return string.Join(", ", parts);
    }

    /// <summary>Prints executor log lines and a backfill progress line every 5 s.</summary>
    internal sealed class ProgressObserver(Action<string> progress) : IExecutionObserver
    {
        private long _lastProgress;

        public ValueTask StepStartingAsync(PlanDocumentStep step, int backendPid, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask StepFinishedAsync(PlanDocumentStep step, StepResult result, CancellationToken ct) => ValueTask.CompletedTask;

        public void BackfillProgress(PlanDocumentStep step, long rowsDone, long? rowsEstimated, double rowsPerSecond, int batchSize)
        {
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastProgress) >= 5000)
            {
                Interlocked.Exchange(ref _lastProgress, now);
                progress(string.Create(CultureInfo.InvariantCulture, $"  backfill: {rowsDone:N0}/{rowsEstimated:N0} rows, {rowsPerSecond:N0} rows/s, batch {batchSize:N0}"));
            }
        }

        public void Log(string line) => progress("  " + line);
    }
}
