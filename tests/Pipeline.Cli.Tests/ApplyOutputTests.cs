using System.Text.Json;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// What <c>apply</c> prints and writes, with a scripted executor (real gate and introspection): step lines, plain
/// progress lines, the summary table, apply.json, exit codes for success, failure and a resumed phase.
/// </summary>
public sealed class ApplyOutputTests(PostgresServer server)
{
    private static async Task<PhaseResult> ScriptedRunAsync(
        IExecutionObserver observer, PlanDocument plan, Phase phase, bool fail, CancellationToken ct, int progressPauseMs = 10)
    {
        var started = DateTimeOffset.UtcNow;
        var results = new List<StepResult>();
        foreach (var step in plan.Steps.Where(s => s.Phase == phase))
        {
            await observer.StepStartingAsync(step, 4242, ct);
            if (step.Kind == StepKind.Backfill)
            {
                for (var i = 1; i <= 3; i++)
                {
                    observer.BackfillProgress(step, i * 100, 300, 1000, 100);
                    await Task.Delay(progressPauseMs, ct);
                }

                observer.Log("throttled: 3 sessions wait for a lock on public.accounts (max 2); sleeping 500 ms");
            }

            var failed = fail && results.Count == 1;
            var result = new StepResult(step.Ordinal, step.Phase, step.Summary, failed ? StepState.Failed : StepState.Done, Skipped: false, WallMs: 1200,
                LockRetries: results.Count == 0 ? 2 : 0, LockRetryWaitMs: results.Count == 0 ? 450 : 0,
                RowsAffected: step.Kind == StepKind.Backfill ? 300 : 0, Batches: step.Kind == StepKind.Backfill ? 3 : 0,
                Error: failed ? "canceling statement due to lock timeout" : null);
            results.Add(result);
            await observer.StepFinishedAsync(step, result, ct);
            if (failed)
            {
                break;
            }
        }

        return new PhaseResult(phase, plan.Fingerprint, !fail, results, started, DateTimeOffset.UtcNow, fail ? null : "sha256:after");
    }

    private static JournalState Journal(string plan, params Phase[] completed) => new(
        plan,
        [],
        completed.Select(p => new JournalPhase(p, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(-4), true, null, null)).ToList());

    [Fact]
    public async Task Expand_prints_step_lines_and_a_summary_and_writes_apply_json()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var backend = new TestReleaseBackend { Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: false, ct) };

        var result = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.True(result.ExitCode == 0, result.All);
        var expandSteps = scenario.Plan.Steps.Count(s => s.Phase == Phase.Expand);
        Assert.Matches(@$"\[expand 1/{expandSteps}\] .+ done in 1\.2 s \(retries 2, waited 450 ms between retries\)", result.Stdout);
        Assert.Matches(@"\[expand \d/\d\] create index .*started \(SHARE UPDATE EXCLUSIVE on public\.accounts\)", result.Stdout);
        Assert.Contains("| state", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("expand completed in", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")));
        Assert.Equal("pipeline-apply", json.RootElement.GetProperty("format").GetString());
        Assert.Equal("succeeded", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(expandSteps, json.RootElement.GetProperty("run").GetProperty("steps").GetArrayLength());
        Assert.True(json.RootElement.TryGetProperty("journal", out _));
    }

    [Fact]
    public async Task Backfill_prints_plain_progress_and_throttle_lines_in_a_log()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var backend = new TestReleaseBackend
        {
            Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: false, ct),
            Journal = plan => Journal(plan, Phase.Expand),
        };

        var result = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "backfill");

        Assert.True(result.ExitCode == 0, result.All);
        // At most one plain progress line per 2 s: the scripted backfill reports three times within ~30 ms.
        var progress = result.Stdout.Split('\n').Where(l => l.Contains(" rows/s", StringComparison.Ordinal) && l.StartsWith("[backfill", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(progress);
        Assert.Contains("public.accounts: 100 / ~300 rows, 33%, 1,000 rows/s, ETA 200 ms, batch 100", line, StringComparison.Ordinal);
        Assert.Contains("  throttled: 3 sessions wait", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[backfill 1/1\] .+ done in 1\.2 s \(retries 2, waited 450 ms between retries, 300 rows, 3 batches\)", result.Stdout);
    }

    [Fact]
    public async Task Backfill_on_a_terminal_draws_a_progress_bar()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var backend = new TestReleaseBackend
        {
            // Progress events slower than the bar's 200 ms redraw, so every state is drawn.
            Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: false, ct, progressPauseMs: 700),
            Journal = plan => Journal(plan, Phase.Expand),
        };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, scenario.Environment) { Release = backend, StdoutIsTerminal = true };

        var exit = await CliApp.RunAsync(["apply", scenario.PlanDirectory, "--phase", "backfill"], context, TestContext.Current.CancellationToken);

        var output = stdout.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(output.Replace("\u001b", "ESC", StringComparison.Ordinal));
        Assert.True(exit == 0, output + stderr);
        // Spectre's bar on an 80-column console: the label with the rows, the bar glyphs, and the percentage, drawn
        // part-way (a third or two thirds of the rows: the bar redraws every 200 ms, a busy machine may skip one)
        // and at the end.
        Assert.Matches(@"\[backfill 1/1\] [12]00 / ~300 rows", output);
        Assert.Matches(" (33|66)%", output);
        Assert.Contains("[backfill 1/1] 300 / ~300 rows", output, StringComparison.Ordinal);
        Assert.Matches("━{10,}", output);
        Assert.Contains("100%", output, StringComparison.Ordinal);
        Assert.Contains("done in 1.2 s", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_in_a_log_draws_no_bar()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var backend = new TestReleaseBackend
        {
            Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: false, ct, progressPauseMs: 250),
            Journal = plan => Journal(plan, Phase.Expand),
        };

        var result = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "backfill");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("━", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[backfill 1/1] public.accounts: 100 / ~300 rows", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_step_is_exit_1_with_the_error_and_the_journal_in_apply_json()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var backend = new TestReleaseBackend { Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: true, ct) };

        var result = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"error PIPE3004: step 2 \(.+\) failed: canceling statement due to lock timeout", result.Stderr);
        Assert.Contains("FAILED after 1.2 s", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", result.Stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.PlanDirectory, "apply.json")));
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_completed_phase_is_not_run_again()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        var backend = new TestReleaseBackend
        {
            Run = (_, _, _, _) => throw new InvalidOperationException("must not run"),
            Journal = plan => Journal(plan, Phase.Expand),
        };

        var result = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("expand of this plan already completed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_phase_resumes_without_the_drift_check()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        var first = scenario.Plan.Steps.First(s => s.Phase == Phase.Expand);
        // The first expand step ran before the crash: the schema no longer matches the plan's source.
        await scenario.ExecuteAsync("ALTER TABLE accounts ADD COLUMN email_lower text;");
        var backend = new TestReleaseBackend
        {
            Run = (o, p, ph, ct) => ScriptedRunAsync(o, p, ph, fail: false, ct),
            Journal = plan => new JournalState(plan,
                [new JournalStep(first.Ordinal, Phase.Expand, first.Summary, StepState.Done, 1, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0, null, null)],
                [new JournalPhase(Phase.Expand, DateTimeOffset.UtcNow, null, false, null, null)]),
        };
        var refusing = new TestReleaseBackend { Run = backend.Run };

        var resumed = await Cli.RunAsync(backend, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");
        var withoutJournal = await Cli.RunAsync(refusing, scenario.Environment, "apply", scenario.PlanDirectory, "--phase", "expand");

        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains("resuming an interrupted expand (1 of", resumed.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, withoutJournal.ExitCode);
        Assert.Contains("add column public.accounts.email_lower", withoutJournal.Stderr, StringComparison.Ordinal);
    }
}
