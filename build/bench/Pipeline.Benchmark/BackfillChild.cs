using System.Diagnostics;
using System.Text.Json;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>What the backfill child process reports on its last stdout line (JSON).</summary>
/// <param name="Succeeded">Whether the phase completed.</param>
/// <param name="Error">The first step error, if any.</param>
/// <param name="Rows">Rows the backfill updated.</param>
/// <param name="Batches">Batches committed.</param>
/// <param name="WallMs">The backfill step's wall time, ms.</param>
/// <param name="PeakWorkingSetBytes">Peak working set of the child process (VmHWM on Linux), bytes.</param>
/// <param name="Figures">The executor's backfill figures.</param>
/// <param name="LiveHeapBytes">The managed heap still reachable after the phase, after a full garbage collection,
/// bytes (what the executor kept; independent of the table's size when the backfill runs in constant memory).</param>
internal sealed record BackfillChildResult(bool Succeeded, string? Error, long Rows, int Batches, double WallMs, long PeakWorkingSetBytes, BackfillFigures? Figures, long LiveHeapBytes = 0);

/// <summary>The child's resident set size at one moment, sampled by the parent.</summary>
/// <param name="AtMs">Since the child started, ms.</param>
/// <param name="Bytes">Resident set size, bytes.</param>
internal sealed record MemorySample(double AtMs, long Bytes);

/// <summary>
/// Runs the plan's backfill phase in a process of its own (this program with <see cref="Flag"/>), so that its peak
/// working set is the executor's alone and not the client workload's.
/// </summary>
internal static class BackfillChild
{
    public const string Flag = "--backfill-child";

    /// <summary>Parent side: starts the child on <paramref name="connectionString"/> and waits for its result; with
    /// <paramref name="samples"/>, adds the child's resident set size to it every 500 ms while it runs.</summary>
    public static async Task<BackfillChildResult> RunAsync(string connectionString, PlanDocument plan, ExecutionOptions options, BenchScenario scenario, CancellationToken ct, List<MemorySample>? samples = null)
    {
        var dir = Directory.CreateTempSubdirectory("pipeline-bench-child-");
        try
        {
            var planPath = Path.Combine(dir.FullName, "plan.json");
            var optionsPath = Path.Combine(dir.FullName, "options.json");
            await File.WriteAllTextAsync(planPath, plan.ToJson(), ct);
            await File.WriteAllTextAsync(optionsPath, JsonSerializer.Serialize(options), ct);
            var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(typeof(BackfillChild).Assembly.Location);
            start.ArgumentList.Add(Flag);
            start.ArgumentList.Add(planPath);
            start.ArgumentList.Add(optionsPath);
            start.ArgumentList.Add(scenario.Name);
            start.Environment["PIPELINE_BENCH_CONNECTION"] = connectionString;
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the backfill child process");
            using var stopSampling = new CancellationTokenSource();
            var sampling = samples is null ? Task.CompletedTask : MemoryPlateau.SampleAsync(process, samples, stopSampling.Token);
            var output = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            await stopSampling.CancelAsync();
            await sampling;
            var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            return last is not null && last.StartsWith('{')
                ? JsonSerializer.Deserialize<BackfillChildResult>(last) ?? throw new InvalidOperationException("empty child result")
                : throw new InvalidOperationException($"the backfill child process exited {process.ExitCode} without a result: {output}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Child side: <c>--backfill-child PLAN.json OPTIONS.json SCENARIO</c>, connection in PIPELINE_BENCH_CONNECTION.</summary>
    public static async Task<int> MainAsync(IReadOnlyList<string> args, Action<string> progress, CancellationToken ct)
    {
        var connection = Environment.GetEnvironmentVariable("PIPELINE_BENCH_CONNECTION")
            ?? throw new InvalidOperationException("PIPELINE_BENCH_CONNECTION is not set");
        var plan = PlanDocument.Parse(await File.ReadAllTextAsync(args[1], ct), args[1]);
        var options = JsonSerializer.Deserialize<ExecutionOptions>(await File.ReadAllTextAsync(args[2], ct)) ?? new ExecutionOptions();
        var desired = SchemaYamlLoader.Load(BenchScenario.Named(args[3]).AfterYaml, "after.yaml");
        var executor = new PostgresExecutor(connection, options, new PipelineRun.ProgressObserver(progress));
        var result = await executor.RunPhaseAsync(plan, Phase.Backfill, desired.Exclude, ct);
        var steps = result.Steps.Where(s => plan.Steps.First(p => p.Ordinal == s.Ordinal).Kind == StepKind.Backfill).ToList();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var summary = new BackfillChildResult(
            result.Succeeded,
            result.Steps.Select(s => s.Error).FirstOrDefault(e => e is not null),
            steps.Sum(s => s.RowsAffected),
            steps.Sum(s => s.Batches),
            steps.Sum(s => s.WallMs),
            self.PeakWorkingSet64,
            steps.Select(s => s.Backfill).FirstOrDefault(f => f is not null),
            GC.GetTotalMemory(forceFullCollection: true));
        Console.WriteLine(JsonSerializer.Serialize(summary));
        return 0;
    }
}
