using Npgsql;
using Pipeline.Benchmark;

// Benchmark: naive statements vs the tool's plan for the same change, each under the same concurrent client
// workload. build/benchmark.sh starts a throwaway server and passes its connection in PIPELINE_BENCH_CONNECTION.
BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException e)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine("error: " + e.Message);
    }

    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return e.Message.Length > 0 ? 2 : 0;
}

var admin = Environment.GetEnvironmentVariable("PIPELINE_BENCH_CONNECTION");
if (string.IsNullOrWhiteSpace(admin))
{
    Console.Error.WriteLine("error: PIPELINE_BENCH_CONNECTION is not set (run build/benchmark.sh, which starts its own server)");
    return 2;
}

var started = DateTime.UtcNow;
void Progress(string line) => Console.Error.WriteLine($"[{(DateTime.UtcNow - started).TotalSeconds,6:F1} s] {line}");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

try
{
    var server = await Database.ScalarAsync<string>(admin, "SELECT current_setting('server_version') || ', shared_buffers ' || current_setting('shared_buffers') || ', max_wal_size ' || current_setting('max_wal_size') || ', fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')", ct);
    Progress($"setting up ({options.Rows:N0} rows)");
    await Setup.RunAsync(admin, options.Scenario, options.Rows, Progress, ct);
    var naiveCs = Database.For(admin, Setup.NaiveDb);
    var pipelineCs = Database.For(admin, Setup.PipelineDb);
    var tableSize = await Database.ScalarAsync<string>(naiveCs, $"SELECT pg_size_pretty(pg_total_relation_size('{options.Scenario.Workload(naiveCs, 1, 1, 0).Table}'))", ct);

    RunFigures? naive = null, pipeline = null;
    if (options.Only is null or "naive")
    {
        await Database.ExecAsync(admin, "CHECKPOINT", ct);
        Progress("(a) naive statements under load");
        naive = await NaiveRun.RunAsync(naiveCs, options, Progress, ct);
    }

    if (options.Only is null or "pipeline")
    {
        await Database.ExecAsync(admin, "CHECKPOINT", ct);
        Progress("(b) the tool's plan under load");
        pipeline = await PipelineRun.RunAsync(pipelineCs, options, Progress, ct);
    }

    Console.WriteLine(Report.Write(options, server, tableSize, naive, pipeline));
    Progress("done");
    return 0;
}
catch (Exception e) when (e is NpgsqlException or InvalidOperationException or NotImplementedException or OperationCanceledException or TimeoutException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}
