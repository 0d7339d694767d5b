using Npgsql;
using Pipeline.Benchmark;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Introspection;

// Benchmark: naive statements vs the tool's plan for the same change, each under the same concurrent client
// workload, repeated. build/benchmark.sh starts a throwaway server and passes its connection in PIPELINE_BENCH_CONNECTION.
var started = DateTime.UtcNow;
void Progress(string line) => Console.Error.WriteLine($"[{(DateTime.UtcNow - started).TotalSeconds,6:F1} s] {line}");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

if (args.Length == 4 && args[0] == BackfillChild.Flag)
{
    return await BackfillChild.MainAsync(args, line => Console.Error.WriteLine($"[{(DateTime.UtcNow - started).TotalSeconds,6:F1} s, backfill process] {line}"), ct);
}

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

try
{
    var server = await Database.ScalarAsync<string>(admin, "SELECT current_setting('server_version') || ', shared_buffers ' || current_setting('shared_buffers') || ', max_wal_size ' || current_setting('max_wal_size') || ', fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')", ct);
    if (options.PlateauRows is { } plateauRows)
    {
        Console.WriteLine(await MemoryPlateau.RunAsync(admin, server, options, plateauRows, Progress, Load, ct));
        Progress("done");
        return 0;
    }

    var uptimeBefore = Uptime();
    Progress($"setting up ({options.Rows:N0} rows); load {Load()}");
    await Setup.CreateTemplateAsync(admin, options.Scenario, options.Rows, Progress, ct);
    var naiveCs = Database.For(admin, Setup.NaiveDb);
    var pipelineCs = Database.For(admin, Setup.PipelineDb);
    var tableSize = await Database.ScalarAsync<string>(Database.For(admin, Setup.Template), $"SELECT pg_size_pretty(pg_total_relation_size('{options.Scenario.Table}'))", ct);

    var repeats = new List<Repeat>();
    var workerSettings = options.BackfillWorkers ?? [options.Execution.BackfillWorkers];
    for (var r = 1; r <= options.Repeat; r++)
    foreach (var workers in workerSettings)
    {
        var runOptions = options with { Execution = options.Execution with { BackfillWorkers = workers } };
        await Setup.CopyAsync(admin, ct);
        var loadBefore = Load();
        RunFigures? naive = null, pipeline = null;
        if (options.Only is null or "naive")
        {
            await Database.ExecAsync(admin, "CHECKPOINT", ct);
            Progress($"repeat {r}/{options.Repeat}, {workers} backfill worker(s): (a) naive statements under load; load {Load()}");
            if (options.NaiveAfterExpand)
            {
                var desired = SchemaYamlLoader.Load(options.Scenario.AfterYaml, "after.yaml");
                var actual = await PostgresIntrospector.IntrospectAsync(naiveCs, desired.Exclude, ct);
                var (steps, rolloutAfter) = NaiveRun.AfterExpandSteps(Planner.Plan(desired, actual, new PostgresDialect(), runOptions.PlanOptions, "benchmark database"), options.Scenario);
                naive = await NaiveRun.RunAsync(naiveCs, runOptions, steps, rolloutAfter, Progress, ct);
            }
            else
            {
                naive = await NaiveRun.RunAsync(naiveCs, runOptions, Progress, ct);
            }
        }

        if (options.Only is null or "pipeline")
        {
            await Database.ExecAsync(admin, "CHECKPOINT", ct);
            Progress($"repeat {r}/{options.Repeat}, {workers} backfill worker(s): (b) the tool's plan under load; load {Load()}");
            pipeline = await PipelineRun.RunAsync(pipelineCs, runOptions, Progress, ct);
        }

        repeats.Add(new Repeat(naive, pipeline, loadBefore, Load(), workers));
    }

    await Setup.CopyAsync(admin, ct);
    await Setup.DropTemplateAsync(admin, ct);
    var uptimeAfter = Uptime();
    foreach (var workers in workerSettings)
    {
        Console.WriteLine(Report.Write(options with { Execution = options.Execution with { BackfillWorkers = workers } }, server, tableSize, repeats.Where(x => x.Workers == workers).ToList()));
    }

    Console.WriteLine(Report.PerWorkers(repeats, uptimeBefore, uptimeAfter));
    Progress("done");
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}
catch (Exception e) when (e is NpgsqlException or InvalidOperationException or NotImplementedException or OperationCanceledException or TimeoutException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}

// `uptime` (time, users, load averages), or the load averages where it is missing.
static string Uptime()
{
    try
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("uptime") { RedirectStandardOutput = true });
        var line = process!.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return line;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return Load();
    }
}

// The machine's load averages (1, 5, 15 min) from /proc/loadavg, or "?" elsewhere.
static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
