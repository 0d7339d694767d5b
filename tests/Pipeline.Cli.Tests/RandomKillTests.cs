using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Pipeline.Core.Planning;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// kill -9 at a random moment: 20 runs of the real <c>pipeline apply</c> process, each on a fresh copy of the
/// database in the state the chosen phase starts from (expand, backfill or contract, picked at random), killed
/// (SIGKILL) a random time after the gate passed; the killed client's backends are then terminated too, as when
/// the machine dies. Each is followed by a rerun of that phase and the remaining ones (same entry point, in process):
/// it must converge, every row must be backfilled exactly once (a trigger counts), every journal step done, no INVALID
/// index left, and a re-plan must be empty. Seeded (<c>PIPELINE_KILL_SEED</c> overrides); seed, phases and moments are
/// logged, and the figure "kills survived / tried" is printed.
/// </summary>
public sealed class RandomKillTests(PostgresServer server)
{
    private const int Runs = 20;
    private const int Rows = 2000;
    private const int Parallel = 2;
    private const int DefaultSeed = 20261201;
    private static readonly string[] BackfillOptions = ["--batch-size", "100", "--target-batch-time", "5ms", "--batch-pause", "5ms"];
    private static readonly Phase[] Phases = [Phase.Expand, Phase.Backfill, Phase.Contract];
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_killed_at_random_moments_always_resumes_converges_and_backfills_each_row_once()
    {
        var seed = int.TryParse(System.Environment.GetEnvironmentVariable("PIPELINE_KILL_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var random = new Random(seed);
        var total = Stopwatch.StartNew();
        using var scenario = await ReleaseScenario.CreateAsync(server, Rows);
        scenario.WriteRehearsal();

        // One database per phase start: fresh, after expand, after backfill. Each phase is run by the same separate
        // process the kills hit and timed from its "Gate passed" line to its exit: the kill moment is drawn from 90% of
        // that window, so a kill lands while apply runs unless this run is faster than the measured one (start-up and
        // JIT are outside the window, as in the killed runs).
        var templates = new Dictionary<Phase, string> { [Phase.Expand] = scenario.Database };
        var windowMs = new Dictionary<Phase, double>();
        var previous = scenario.Database;
        foreach (var phase in Phases)
        {
            var copy = await CloneAsync(previous);
            windowMs[phase] = Math.Max(10, await GateToExitMsAsync(copy, scenario.PlanDirectory, phase) * 0.9);
            if (phase != Phase.Contract)
            {
                templates[Phases[Array.IndexOf(Phases, phase) + 1]] = copy;
                previous = copy;
            }
        }

        Log($"seed {seed}; kill windows after 'Gate passed': " + string.Join(", ", windowMs.Select(w => $"{w.Key.Name()} {w.Value:0} ms")));
        // Drawn up front, so the seed alone decides every run's phase and moment; runs go two at a time.
        var draws = Enumerable.Range(1, Runs).Select(run =>
        {
            var phase = Phases[random.Next(Phases.Length)];
            return (Run: run, Phase: phase, DelayMs: random.NextDouble() * windowMs[phase]);
        }).ToList();
        using var gate = new SemaphoreSlim(Parallel);
        var outcomes = await Task.WhenAll(draws.Select(async draw =>
        {
            await gate.WaitAsync(Ct);
            try
            {
                return await KillAndRerunAsync(scenario, templates[draw.Phase], draw.Run, draw.Phase, draw.DelayMs);
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var outcome in outcomes)
        {
            Log(outcome.Line);
        }

        var survived = outcomes.Count(o => o.Failure is null);
        var inFlight = outcomes.Count(o => o.InFlight);
        var failures = outcomes.Where(o => o.Failure is not null).Select(o => o.Failure!).ToList();
        Log($"FIGURE kill -9: {survived} / {Runs} kills survived ({inFlight} landed while apply was running), seed {seed}, {total.Elapsed.TotalSeconds:0.0} s in all");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(inFlight >= Runs / 2, $"only {inFlight} of {Runs} kills landed while apply was running: the windows are too long");
    }

    private async Task<(string Line, bool InFlight, string? Failure)> KillAndRerunAsync(ReleaseScenario scenario, string template, int run, Phase phase, double delayMs)
    {
        var clock = Stopwatch.StartNew();
        var db = await CloneAsync(template);
        var cloned = clock.ElapsedMilliseconds;
        using var folder = new TempFolder();
        var plan = Path.Combine(folder.Path, "plan");
        CopyDirectory(scenario.PlanDirectory, plan);
        folder.File("app.schema.yaml", ReleaseScenario.Yaml);
        var killed = await KillAsync(db, plan, phase, delayMs);
        var killedAt = clock.ElapsedMilliseconds;
        await TerminateBackendsAsync(db);
        var outcome = await RerunAndCheckAsync(db, folder.Path, phase);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"run {run:00}: {phase.Name(),-8} kill at {delayMs,4:0} ms after the gate, {(killed.InFlight ? "killed while running" : "had already exited " + killed.ExitCode)}; journal then: {killed.Journal}; rerun: {outcome ?? "converged"} (clone {cloned} ms, to the kill {killedAt - cloned} ms, rerun and checks {clock.ElapsedMilliseconds - killedAt} ms)");
        await server.ExecuteAsync("postgres", $"DROP DATABASE {db} WITH (FORCE);");
        return (line, killed.InFlight, outcome is null ? null : $"run {run} ({phase.Name()}, {delayMs:0} ms): {outcome}");
    }

    /// <summary>Runs <paramref name="phase"/> to completion in a separate process and returns the time from its
    /// "Gate passed" line to its exit, in ms.</summary>
    private async Task<double> GateToExitMsAsync(string db, string folder, Phase phase)
    {
        using var apply = ApplyProcess.Start(server.ConnectionString(db), [.. ApplyArgs(folder, phase)]);
        await WaitForGateAsync(apply);
        var clock = Stopwatch.StartNew();
        var exit = await apply.WaitAsync(RunTimeout);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        Assert.True(exit == 0, $"{phase.Name()} exited {exit}:\n{apply.Output}");
        return elapsed;
    }

    private static async Task WaitForGateAsync(ApplyProcess apply)
    {
        var deadline = DateTime.UtcNow + RunTimeout;
        while (!apply.Output.Contains("Gate passed", StringComparison.Ordinal))
        {
            if (apply.HasExited)
            {
                // Redirected output arrives on the thread pool and can lag the exit (a CI run saw an exit with no output
                // yet): wait for the end of both streams, then look again.
                var exit = await apply.WaitAsync(RunTimeout);
                Assert.True(apply.Output.Contains("Gate passed", StringComparison.Ordinal), $"apply exited ({exit}) before the gate passed:\n{apply.Output}");
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "apply did not pass the gate:\n" + apply.Output);
            await Task.Delay(2, Ct);
        }
    }

    private async Task<(bool InFlight, int? ExitCode, string Journal)> KillAsync(string db, string folder, Phase phase, double delayMs)
    {
        using var apply = ApplyProcess.Start(server.ConnectionString(db), [.. ApplyArgs(folder, phase)]);
        await WaitForGateAsync(apply);
        await Task.Delay(TimeSpan.FromMilliseconds(delayMs), Ct);
        var inFlight = !apply.HasExited;
        apply.Kill();
        var journal = await server.QueryAsync(db, "SELECT to_regclass('pipeline.journal_steps') IS NOT NULL") != "t" ? "no journal yet" : await server.QueryAsync(db,
            "SELECT coalesce(string_agg(ordinal || ':' || state || CASE WHEN rows_done > 0 THEN '(' || rows_done || ')' ELSE '' END, ' ' ORDER BY ordinal), 'none') FROM pipeline.journal_steps");
        return (inFlight, inFlight ? null : apply.ExitCode, journal);
    }

    /// <summary>Reruns <paramref name="from"/> and the later phases of the plan in <paramref name="root"/>/plan and
    /// checks the end state; returns what is wrong, or <c>null</c>.</summary>
    private async Task<string?> RerunAndCheckAsync(string db, string root, Phase from)
    {
        foreach (var phase in Phases.SkipWhile(p => p != from))
        {
            var rerun = await RerunInProcessAsync(db, Path.Combine(root, "plan"), phase);
            if (rerun.ExitCode != 0)
            {
                return $"rerun of {phase.Name()} exited {rerun.ExitCode}:\n{rerun.All}";
            }
        }

        var counts = await server.QueryAsync(db, "SELECT count(*), min(n), max(n) FROM backfill_log");
        if (counts != $"{Rows}|1|1")
        {
            return $"backfill_log count|min|max = {counts}, not {Rows}|1|1";
        }

        var wrong = await server.QueryAsync(db,
            "SELECT (SELECT count(*) FROM accounts WHERE email_lower IS DISTINCT FROM lower(email)) || '|' || (SELECT count(*) FROM pg_index WHERE NOT indisvalid) || '|' || (SELECT count(*) FROM pipeline.journal_steps WHERE state <> 'done') || '|' || (SELECT count(*) FROM pipeline.journal_phases WHERE completed)");
        if (wrong != "0|0|0|3")
        {
            return $"wrong values|invalid indexes|steps not done|phases completed = {wrong}, not 0|0|0|3";
        }

        var replan = await Cli.RunAsync(Environment(db), "plan", Path.Combine(root, "app.schema.yaml"), "--out", Path.Combine(root, "replan"));
        return replan.ExitCode == 0 && replan.Stdout.Contains("(0 steps:", StringComparison.Ordinal) ? null : $"re-plan not empty (exit {replan.ExitCode}):\n{replan.All}";
    }

    /// <summary>The rerun after a kill: in process, with the plan's batch size.</summary>
    private Task<Cli.Result> RerunInProcessAsync(string db, string folder, Phase phase) =>
        Cli.RunAsync(Environment(db), [.. ApplyArgs(folder, phase, killed: false)]);

    /// <summary>The apply command line; the run to be killed backfills in small batches (so it is killed mid-way),
    /// the rerun with the plan's batch size.</summary>
    private static IEnumerable<string> ApplyArgs(string folder, Phase phase, bool killed = true) => phase switch
    {
        Phase.Expand => ["apply", folder, "--phase", "expand"],
        Phase.Backfill => killed ? ["apply", folder, "--phase", "backfill", .. BackfillOptions] : ["apply", folder, "--phase", "backfill"],
        _ => ["apply", folder, "--phase", "contract", "--confirm-contract"],
    };

    private Dictionary<string, string?> Environment(string db) => new() { ["PIPELINE_CONNECTION"] = server.ConnectionString(db) };

    /// <summary>A copy of <paramref name="source"/> (CREATE DATABASE … TEMPLATE, after closing its sessions).</summary>
    private async Task<string> CloneAsync(string source)
    {
        var copy = "kill_" + Guid.NewGuid().ToString("N")[..12];
        await TerminateBackendsAsync(source);
        NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {copy} TEMPLATE {source};");
        return copy;
    }

    /// <summary>Terminates every session on <paramref name="db"/> (the killed client's backends: a dead machine's
    /// connections drop too) and waits until they are gone.</summary>
    private async Task TerminateBackendsAsync(string db)
    {
        var deadline = DateTime.UtcNow + RunTimeout;
        while (await server.QueryAsync("postgres",
            $"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()) AS t") != "0")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the sessions on {db} did not end");
            await Task.Delay(20, Ct);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
