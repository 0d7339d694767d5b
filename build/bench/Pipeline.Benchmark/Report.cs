using System.Globalization;
using System.Text;

namespace Pipeline.Benchmark;

/// <summary>Prints the side-by-side figures, each as median [min–max] over the repeats. Figures only: nothing is
/// asserted.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Write(BenchmarkOptions options, string server, string tableSize, IReadOnlyList<Repeat> repeats)
    {
        var text = new StringBuilder();
        void Line(string s) => text.AppendLine(s);
        var e = options.Execution;

        Line("");
        var scenario = options.Scenario;
        var maxTarget = scenario.MaxLatencyTarget(options.LockTimeoutMs);
        Line(string.Create(Inv, $"Benchmark ({scenario.Name}): {scenario.Table}, {options.Rows:N0} rows ({tableSize}); {options.Clients} clients at {(options.RatePerClient > 0 ? options.RatePerClient.ToString("N0", Inv) + " statements/s each" : "full speed")} (20% INSERT, 30% UPDATE by key, 50% SELECT by key); {repeats.Count} repeat(s)"));
        Line(string.Create(Inv, $"Server: {server}; lock_timeout {options.LockTimeoutMs} ms (brief lock steps {(options.BriefLockTimeoutMs > 0 ? options.BriefLockTimeoutMs.ToString(Inv) + " ms, retried" : "the same")}); executor: batch {(e.BatchSize?.ToString(Inv) ?? "plan's")}, target {e.TargetBatchMs:F0} ms, max client impact {e.MaxClientImpactMs:F0} ms, min {e.MinBatchSize:N0}, max {e.MaxBatchSize:N0}, pause {e.BatchPauseMs} ms, backfill workers {e.BackfillWorkers}, batch commits {(e.DurableBatchCommits ? "durable" : "synchronous_commit = off (last batch durable)")}"));
        Line("Load averages (1/5/15 min) per repeat: " + string.Join("; ", repeats.Select((r, i) => $"#{i + 1} {r.LoadBefore} -> {r.LoadAfter}")));
        Line("Change: " + scenario.Change);
        if (options.NaiveAfterExpand)
        {
            Line("(a) is --naive-after-expand: the plan's expand statements (fill trigger and FOREIGN KEY ... NOT VALID in place), then the one UPDATE; the naive steps after it are left out. (b)/(a) is what batching under the clients costs beside an UPDATE paying the same per-row trigger and foreign-key work.");
        }

        Line("");
        Line("Each cell: median [min-max] over the repeats; a ratio is taken within each repeat (same table, same load, same indexes), then summarised.");
        Line("");
        Line($"| {"",-40} | {"(a) naive",-26} | {"(b) pipeline",-26} | {"(b)/(a)",-20} | {"target",-40} |");
        Line($"|{new string('-', 42)}|{new string('-', 27)}:|{new string('-', 27)}:|{new string('-', 21)}:|{new string('-', 42)}|");
        void Row(string name, Func<RunFigures, double> value, string format, bool ratio = false, string target = "")
        {
            var naive = repeats.Where(r => r.Naive is not null).Select(r => value(r.Naive!)).ToList();
            var pipeline = repeats.Where(r => r.Pipeline is not null).Select(r => value(r.Pipeline!)).ToList();
            var ratios = ratio
                ? repeats.Where(r => r.Naive is not null && r.Pipeline is not null && value(r.Naive!) > 0).Select(r => value(r.Pipeline!) / value(r.Naive!)).ToList()
                : [];
            Line($"| {name,-40} | {Spread(naive, format),26} | {Spread(pipeline, format),26} | {Spread(ratios, "F2"),20} | {target,-40} |");
        }

        Row("total wall time (s)", r => r.WallMs / 1000, "F1", ratio: true);
        Row("backfill rows/s", r => r.BackfillRowsPerSecond, "N0", ratio: true, target: scenario.NaiveSteps.Any(s => s.Label == "backfill") ? "ratio >= 0.90" : "");
        Row("backfill time (s)", r => r.BackfillMs / 1000, "F1");
        Row("backfill WAL per row (bytes)", r => r.BackfillWalBytesPerRow, "N0", ratio: true);
        Row("client throughput (statements/s)", r => r.During.StatementsPerSecond, "N0", ratio: true);
        Row("client p50 latency (ms)", r => r.During.P50Ms, "F2");
        Row("client p99 latency (ms)", r => r.During.P99Ms, "F1");
        Row("client max latency, whole change (ms)", r => r.During.MaxMs, "F0", target: string.Create(Inv, $"pipeline {(scenario.MaxLatencyTargetMs is null ? "<" : "<=")} {maxTarget:F0} ms{(scenario.MaxLatencyTargetMs is null ? " (lock_timeout + 100)" : "")}"));
        Row("client statements > 100 ms", r => r.During.Slow, "N0");
        Row("client errors", r => r.During.Errors, "N0", target: "0");
        Row("longest ACCESS EXCLUSIVE step (ms)", r => r.LongestExclusiveMs, "F0");
        var piped = repeats.Select(r => r.Pipeline).OfType<RunFigures>().ToList();
        if (piped.Count > 0)
        {
            Line("");
            Line("Pipeline backfill (executor's own figures; the backfill runs in a process of its own):");
            Line($"  batches: {Spread(piped.Select(p => (double)p.BackfillBatches).ToList(), "N0")}; longest batch {Spread(piped.Select(p => p.Backfill?.LongestBatchMs ?? 0).ToList(), "F0")} ms; batches over the client impact limit {Spread(piped.Select(p => (double)(p.Backfill?.BatchesOverClientImpact ?? 0)).ToList(), "N0")}; final batch size {Spread(piped.Select(p => (double)(p.Backfill?.LastBatchSize ?? 0)).ToList(), "N0")} rows");
            Line($"  peak working set of the backfill process: {Spread(piped.Select(p => p.BackfillPeakWorkingSetBytes / (1024.0 * 1024)).ToList(), "F0")} MiB");
            Line($"  table fillfactor {piped[0].Backfill?.Fillfactor?.ToString(Inv) ?? "?"}; share of the table's updates during the backfill that were HOT: {Spread(piped.Select(p => (p.Backfill?.HotUpdateShare ?? double.NaN) * 100).Where(v => !double.IsNaN(v)).ToList(), "F1")} %");
        }

        Line("");
        Line("Client figures are over the whole change (first statement of expand to the end of contract), measured on the client: a statement's latency is an upper bound of its lock wait.");

        for (var i = 0; i < repeats.Count; i++)
        {
            foreach (var run in new[] { repeats[i].Naive, repeats[i].Pipeline }.OfType<RunFigures>())
            {
                Line("");
                Line($"repeat {i + 1}, {run.Name}: steps");
                foreach (var step in run.Steps)
                {
                    Line(string.Create(Inv, $"  {step.WallMs,10:F0} ms  {step.Label}{(step.Detail.Length > 0 ? "  (" + step.Detail + ")" : "")}"));
                }

                foreach (var hold in run.ExclusiveHolds)
                {
                    Line(string.Create(Inv, $"  ACCESS EXCLUSIVE: {hold.Label}: {hold.WallMs:F0} ms wall{(hold.EstimatedMs is { } est ? $" (lock waits and retries included), estimated hold {est:F0} ms" : " (held throughout)")}"));
                }

                Line($"repeat {i + 1}, {run.Name}: client workload per segment");
                foreach (var segment in run.Load.Segments)
                {
                    Line(string.Create(Inv, $"  {segment.Label,-16} {segment.EndMs - segment.StartMs,9:F0} ms  {segment.Summary}"));
                }

                foreach (var error in run.Load.FirstErrors.Take(3))
                {
                    Line(string.Create(Inv, $"  client error ({error.Kind}, {error.Segment}): {error.Error}"));
                }

                if (run.Failure is not null)
                {
                    Line($"  RUN FAILED: {run.Failure}");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The backfill ratio (executor rows/s ÷ one-UPDATE rows/s, within each repeat), the clients' max latency
    /// and errors, per <c>--backfill-workers</c> setting, with <c>uptime</c> before and after the whole run.</summary>
    public static string PerWorkers(IReadOnlyList<Repeat> repeats, string uptimeBefore, string uptimeAfter)
    {
        var text = new StringBuilder();
        void Line(string s) => text.AppendLine(s);
        Line("");
        Line("Per --backfill-workers setting (settings interleaved within each repeat, each beside its own one-UPDATE run):");
        Line($"uptime before: {uptimeBefore}");
        Line($"uptime after:  {uptimeAfter}");
        Line("");
        Line($"| {"workers",7} | {"backfill rows/s ratio (b)/(a)",30} | {"(b) rows/s",26} | {"(a) rows/s",26} | {"(b) client max (ms)",22} | {"(a) client max (ms)",22} | {"(b) client errors",18} |");
        Line($"|{new string('-', 8)}:|{new string('-', 31)}:|{new string('-', 27)}:|{new string('-', 27)}:|{new string('-', 23)}:|{new string('-', 23)}:|{new string('-', 19)}:|");
        foreach (var group in repeats.GroupBy(r => r.Workers).OrderBy(g => g.Key))
        {
            var both = group.Where(r => r.Naive is not null && r.Pipeline is not null).ToList();
            var ratios = both.Where(r => r.Naive!.BackfillRowsPerSecond > 0).Select(r => r.Pipeline!.BackfillRowsPerSecond / r.Naive!.BackfillRowsPerSecond).ToList();
            Line($"| {group.Key,7} | {Spread(ratios, "F2"),30} | {Spread(both.Select(r => r.Pipeline!.BackfillRowsPerSecond).ToList(), "N0"),26} | {Spread(both.Select(r => r.Naive!.BackfillRowsPerSecond).ToList(), "N0"),26} | {Spread(both.Select(r => r.Pipeline!.During.MaxMs).ToList(), "F0"),22} | {Spread(both.Select(r => r.Naive!.During.MaxMs).ToList(), "F0"),22} | {Spread(both.Select(r => (double)r.Pipeline!.During.Errors).ToList(), "N0"),18} |");
        }

        return text.ToString();
    }

    /// <summary><c>median [min-max]</c>, or the single value, or <c>-</c>.</summary>
    private static string Spread(List<double> values, string format)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        var sorted = values.Order().ToList();
        var n = sorted.Count;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        return n == 1
            ? median.ToString(format, Inv)
            : $"{median.ToString(format, Inv)} [{sorted[0].ToString(format, Inv)}-{sorted[^1].ToString(format, Inv)}]";
    }
}
