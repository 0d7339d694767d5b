using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Benchmark;

/// <summary>
/// <c>--memory-plateau N,N,…</c>: whether the backfill runs in constant memory whatever the table's size. For each
/// size, a freshly seeded table of the scenario, the plan's expand, then its backfill alone in a process of its own
/// (<see cref="BackfillChild"/>) without client load; the parent samples the child's resident set size every 500 ms.
/// Prints, per size, the peak working set (VmHWM), the resident set size at a quarter, half, three quarters and the end
/// of the run, and the managed heap still live after a full collection at the end, each peak and heap as a ratio to
/// the smallest size measured in the same run. Figures only: nothing is asserted.
/// </summary>
internal static class MemoryPlateau
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One size's figures.</summary>
    private sealed record Point(long Rows, string TableSize, BackfillChildResult Result, IReadOnlyList<MemorySample> Samples, string LoadBefore, string LoadAfter);

    /// <summary>Runs every size in <paramref name="sizes"/> (ascending) and returns the report.</summary>
    /// <exception cref="InvalidOperationException">The plan is blocked or a phase failed.</exception>
    public static async Task<string> RunAsync(string admin, string server, BenchmarkOptions options, IReadOnlyList<long> sizes, Action<string> progress, Func<string> load, CancellationToken ct)
    {
        var scenario = options.Scenario;
        var points = new List<Point>();
        foreach (var rows in sizes)
        {
            var loadBefore = load();
            progress($"memory plateau: {rows:N0} rows: seeding; load {loadBefore}");
            await Setup.CreateTemplateAsync(admin, scenario, rows, progress, ct);
            var cs = Database.For(admin, Setup.Template);
            try
            {
                var tableSize = await Database.ScalarAsync<string>(cs, $"SELECT pg_size_pretty(pg_total_relation_size('{scenario.Table}'))", ct);
                var desired = SchemaYamlLoader.Load(scenario.AfterYaml, "after.yaml");
                var actual = await PostgresIntrospector.IntrospectAsync(cs, desired.Exclude, ct);
                var plan = Planner.Plan(desired, actual, new PostgresDialect(), options.PlanOptions, "benchmark database");
                if (plan.IsBlocked)
                {
                    throw new InvalidOperationException("the plan is blocked: " + string.Join("; ", plan.Steps.Where(s => s.Blocked).Select(s => s.BlockedReason)));
                }

                var document = PlanDocument.From(plan);
                var expand = await new PostgresExecutor(cs, options.Execution, new PipelineRun.ProgressObserver(progress)).RunPhaseAsync(document, Phase.Expand, desired.Exclude, ct);
                if (!expand.Succeeded)
                {
                    throw new InvalidOperationException("expand failed: " + string.Join("; ", expand.Steps.Where(s => s.Error is not null).Select(s => $"#{s.Ordinal}: {s.Error}")));
                }

                await Database.ExecAsync(admin, "CHECKPOINT", ct);
                progress($"memory plateau: {rows:N0} rows: backfill in its own process; load {load()}");
                var samples = new List<MemorySample>();
                var result = await BackfillChild.RunAsync(cs, document, options.Execution, scenario, ct, samples);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException("backfill failed: " + result.Error);
                }

                List<MemorySample> taken;
                lock (samples)
                {
                    taken = [.. samples];
                }

                points.Add(new Point(rows, tableSize, result, taken, loadBefore, load()));
                progress(string.Create(Inv, $"memory plateau: {rows:N0} rows: {result.Rows:N0} rows in {result.Batches:N0} batches, peak working set {Mib(result.PeakWorkingSetBytes):F0} MiB, live heap at the end {Mib(result.LiveHeapBytes):F1} MiB"));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await Database.ExecAsync(admin, $"DROP DATABASE IF EXISTS {Setup.Template} WITH (FORCE)", ct);
            }
        }

        return Write(options, server, points);
    }

    /// <summary>Adds the resident set size of <paramref name="process"/> to <paramref name="samples"/> every 500 ms
    /// until it exits or <paramref name="ct"/> is cancelled.</summary>
    public static async Task SampleAsync(Process process, List<MemorySample> samples, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                process.Refresh();
                if (process.HasExited)
                {
                    return;
                }

                var bytes = process.WorkingSet64;
                lock (samples)
                {
                    samples.Add(new MemorySample(watch.Elapsed.TotalMilliseconds, bytes));
                }

                await Task.Delay(500, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        catch (InvalidOperationException)
        {
            // the process is gone
        }
    }

    private static double Mib(long bytes) => bytes / (1024.0 * 1024);

    /// <summary>The sample nearest to <paramref name="share"/> of the sampled run.</summary>
    private static string At(IReadOnlyList<MemorySample> samples, double share)
    {
        if (samples.Count == 0)
        {
            return "-";
        }

        var at = samples[^1].AtMs * share;
        return Mib(samples.MinBy(s => Math.Abs(s.AtMs - at))!.Bytes).ToString("F0", Inv);
    }

    private static string Write(BenchmarkOptions options, string server, IReadOnlyList<Point> points)
    {
        var text = new StringBuilder();
        void Line(string s) => text.AppendLine(s);
        var e = options.Execution;
        var basePeak = points.Count > 0 ? points[0].Result.PeakWorkingSetBytes : 0;
        var baseHeap = points.Count > 0 ? points[0].Result.LiveHeapBytes : 0;
        Line("");
        Line($"Memory plateau ({options.Scenario.Name}): {options.Scenario.Table}; the plan's backfill alone in a process of its own, no clients; resident set size sampled every 500 ms");
        Line(string.Create(Inv, $"Server: {server}; executor: batch {(e.BatchSize?.ToString(Inv) ?? "plan's")}, target {e.TargetBatchMs:F0} ms, max client impact {e.MaxClientImpactMs:F0} ms, min {e.MinBatchSize:N0}, max {e.MaxBatchSize:N0}"));
        Line("Ratios are to the smallest size, measured in the same run.");
        Line("");
        Line("| rows | table | rows updated | batches | backfill (s) | rows/s | peak working set (MiB) | ratio | RSS at 25/50/75/100 % of the run (MiB) | live heap at the end (MiB) | ratio | load before -> after |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var p in points)
        {
            var r = p.Result;
            Line(string.Create(Inv, $"| {p.Rows:N0} | {p.TableSize} | {r.Rows:N0} | {r.Batches:N0} | {r.WallMs / 1000:F1} | {(r.WallMs > 0 ? r.Rows * 1000 / r.WallMs : 0):N0} | {Mib(r.PeakWorkingSetBytes):F0} | {(basePeak > 0 ? (double)r.PeakWorkingSetBytes / basePeak : 0):F2} | {At(p.Samples, 0.25)} / {At(p.Samples, 0.5)} / {At(p.Samples, 0.75)} / {At(p.Samples, 1)} | {Mib(r.LiveHeapBytes):F1} | {(baseHeap > 0 ? (double)r.LiveHeapBytes / baseHeap : 0):F2} | {p.LoadBefore} -> {p.LoadAfter} |"));
        }

        return text.ToString();
    }
}
