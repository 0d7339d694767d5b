using System.Globalization;
using System.Text;

namespace Pipeline.Benchmark;

/// <summary>Prints the side-by-side figures. Figures only: nothing is asserted.</summary>
internal static class Report
{
    public static string Write(BenchmarkOptions options, string server, string tableSize, RunFigures? naive, RunFigures? pipeline)
    {
        var text = new StringBuilder();
        void Line(string s) => text.AppendLine(s);
        var inv = CultureInfo.InvariantCulture;
        var maxTarget = 100 + options.LockTimeoutMs;

        Line("");
        Line(string.Create(inv, $"Benchmark: {options.Scenario.Name}: {options.Scenario.Workload("", 1, 1, 0).Table}, {options.Rows:N0} rows ({tableSize}); {options.Clients} clients at {(options.RatePerClient > 0 ? options.RatePerClient.ToString("N0", inv) + " statements/s each" : "full speed")} (20% INSERT, 30% UPDATE by key, 50% SELECT by key)"));
        Line(string.Create(inv, $"Server: {server}; lock_timeout {options.LockTimeoutMs} ms; executor: batch {(options.Execution.BatchSize?.ToString(inv) ?? "plan's")}, target {options.Execution.TargetBatchMs:F0} ms, min {options.Execution.MinBatchSize:N0}, max {options.Execution.MaxBatchSize:N0}, pause {options.Execution.BatchPauseMs} ms"));
        Line("Change: " + options.Scenario.Change);
        Line("");
        Line($"| {"",-36} | {"(a) naive",14} | {"(b) pipeline",14} | {"(b)/(a) or target",-40} |");
        Line($"|{new string('-', 38)}|{new string('-', 15)}:|{new string('-', 15)}:|{new string('-', 42)}|");
        void Row(string name, Func<RunFigures, string> value, string ratio = "") =>
            Line($"| {name,-36} | {(naive is null ? "-" : value(naive)),14} | {(pipeline is null ? "-" : value(pipeline)),14} | {ratio,-40} |");
        string Ratio(Func<RunFigures, double> f, string suffix = "") =>
            naive is not null && pipeline is not null && f(naive) > 0 ? string.Create(inv, $"{f(pipeline) / f(naive):F2}{suffix}") : "";

        Row("total wall time (s)", r => (r.WallMs / 1000).ToString("F1", inv), Ratio(r => r.WallMs));
        Row("backfill rows/s", r => r.BackfillRowsPerSecond.ToString("N0", inv), Ratio(r => r.BackfillRowsPerSecond, " (target >= 0.70)"));
        Row("backfill time (s)", r => (r.BackfillMs / 1000).ToString("F1", inv));
        Row("client throughput (statements/s)", r => r.During.StatementsPerSecond.ToString("N0", inv), Ratio(r => r.During.StatementsPerSecond));
        Row("client p50 latency (ms)", r => r.During.P50Ms.ToString("F2", inv));
        Row("client p99 latency (ms)", r => r.During.P99Ms.ToString("F1", inv));
        Row("client max latency (ms)", r => r.During.MaxMs.ToString("F0", inv), string.Create(inv, $"target < {maxTarget} ms (100 + lock_timeout)"));
        Row("client statements > 100 ms", r => r.During.Slow.ToString("N0", inv));
        Row("client errors", r => r.During.Errors.ToString("N0", inv));
        Line("");
        Line("Client figures are over the change only (first statement to end of the last), measured on the client: a statement's latency is an upper bound of its lock wait.");

        foreach (var run in new[] { naive, pipeline }.OfType<RunFigures>())
        {
            Line("");
            Line($"{run.Name}: steps");
            foreach (var step in run.Steps)
            {
                Line(string.Create(inv, $"  {step.WallMs,10:F0} ms  {step.Label}{(step.Detail.Length > 0 ? "  (" + step.Detail + ")" : "")}"));
            }

            Line($"{run.Name}: client workload per segment");
            foreach (var segment in run.Load.Segments)
            {
                Line(string.Create(inv, $"  {segment.Label,-16} {segment.EndMs - segment.StartMs,9:F0} ms  {segment.Summary}"));
            }

            foreach (var e in run.Load.FirstErrors.Take(3))
            {
                Line(string.Create(inv, $"  client error ({e.Kind}, {e.Segment}): {e.Error}"));
            }

            if (run.Failure is not null)
            {
                Line($"  RUN FAILED: {run.Failure}");
            }
        }

        return text.ToString();
    }
}
