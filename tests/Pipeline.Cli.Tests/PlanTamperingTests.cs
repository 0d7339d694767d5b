using System.Text.Json.Nodes;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// A plan folder edited after a passing rehearsal is never applied: the plan is rehearsed for real on a staging copy,
/// then one part the fingerprint covers is edited in a copy of the folder (a step's SQL, its phase, the order, a
/// <c>.sql</c> script, the lock_timeout, the backfill's SET clause) and <c>pipeline apply</c> must refuse, exit 1,
/// naming the step and what changed, without touching the target. The untouched folder is accepted.
/// </summary>
public sealed class PlanTamperingTests(PostgresServer server)
{
    private const string Concurrently = "CREATE INDEX CONCURRENTLY IF NOT EXISTS";
    private const string Blocking = "CREATE INDEX IF NOT EXISTS";

    [Fact]
    public async Task The_issue_repro_an_index_step_edited_to_block_is_refused_and_nothing_runs()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        var step = IndexStep(plan, "accounts_email_lower_idx");
        step["sql"] = step["sql"]!.GetValue<string>().Replace(Concurrently, Blocking, StringComparison.Ordinal);
        WritePlan(folder, plan);
        var ordinal = step["ordinal"]!.GetValue<int>();

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        TestContext.Current.TestOutputHelper?.WriteLine(apply.All);
        Assert.Equal(1, apply.ExitCode);
        Assert.DoesNotContain("Gate passed", apply.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("(concurrently)", apply.Stdout, StringComparison.Ordinal);
        var edited = Line(apply, "error PIPE3010: plan.json was edited after planning");
        Assert.Contains($"step {ordinal}: sql `{Concurrently}", edited, StringComparison.Ordinal);
        Assert.Contains($"is now `{Blocking}", edited, StringComparison.Ordinal);
        var notRehearsed = Line(apply, "error PIPE3011: the rehearsal is of another plan");
        Assert.Contains($"step {ordinal}: sql", notRehearsed, StringComparison.Ordinal);
        var script = Line(apply, "error PIPE3012: 01-expand.sql does not match plan.json");
        Assert.Contains($"(step {ordinal})", script, StringComparison.Ordinal);
        Assert.Equal("f", await rehearsed.Production.QueryAsync("SELECT to_regclass('pipeline.journal_steps') IS NOT NULL"));
        Assert.Equal("0", await rehearsed.Production.QueryAsync("SELECT count(*) FROM pg_class WHERE relname = 'accounts_email_lower_idx'"));
        Assert.False(File.Exists(Path.Combine(folder, "apply.json")));

        var rehearse = await rehearsed.RehearseAsync(folder);
        Assert.Equal(1, rehearse.ExitCode);
        Assert.Contains("error PIPE3010: ", rehearse.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was run", rehearse.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_that_also_rewrites_the_recorded_fingerprint_is_still_not_the_rehearsed_plan()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        var step = IndexStep(plan, "accounts_email_lower_idx");
        step["sql"] = step["sql"]!.GetValue<string>().Replace(Concurrently, Blocking, StringComparison.Ordinal);
        WritePlan(folder, plan);
        plan["fingerprint"] = Fingerprints.OfPlan(PlanDocument.Parse(File.ReadAllText(Path.Combine(folder, "plan.json")), "plan.json").Executed());
        WritePlan(folder, plan);

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        Assert.Equal(1, apply.ExitCode);
        Assert.DoesNotContain("error PIPE3010", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains($"step {step["ordinal"]}: sql `{Concurrently}", Line(apply, "error PIPE3011: "), StringComparison.Ordinal);
        Assert.Contains("error PIPE3012: 01-expand.sql", apply.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_moved_to_another_phase_is_refused()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        var step = IndexStep(plan, "accounts_email_idx");
        step["phase"] = "contract";
        WritePlan(folder, plan);

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        Assert.Equal(1, apply.ExitCode);
        Assert.Contains($"step {step["ordinal"]}: phase `expand` is now `contract`", Line(apply, "error PIPE3010: "), StringComparison.Ordinal);
        Assert.Contains("error PIPE3012: 01-expand.sql", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("error PIPE3012: 03-contract.sql", apply.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_steps_are_refused()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        var steps = plan["steps"]!.AsArray();
        var first = steps[0]!.DeepClone();
        var second = steps[1]!.DeepClone();
        Assert.Equal(first["phase"]!.GetValue<string>(), second["phase"]!.GetValue<string>());
        Assert.NotEqual(first["sql"]!.GetValue<string>(), second["sql"]!.GetValue<string>());
        steps[0] = second;
        steps[1] = first;
        WritePlan(folder, plan);

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        TestContext.Current.TestOutputHelper?.WriteLine(apply.All);
        Assert.Equal(1, apply.ExitCode);
        var edited = Line(apply, "error PIPE3010: ");
        Assert.Contains("step 1 in listed order: ordinal `1` is now `2`", edited, StringComparison.Ordinal);
        Assert.Contains("error PIPE3012: 01-expand.sql does not match plan.json at line", apply.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_sql_script_is_refused_naming_file_line_and_step()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var ordinal = IndexStep(ReadPlan(folder), "accounts_email_lower_idx")["ordinal"]!.GetValue<int>();
        var script = Path.Combine(folder, "01-expand.sql");
        var lines = File.ReadAllLines(script);
        var index = Array.FindIndex(lines, l => l.StartsWith(Concurrently, StringComparison.Ordinal) && l.Contains("accounts_email_lower_idx", StringComparison.Ordinal));
        Assert.True(index >= 0, "the index statement is in 01-expand.sql");
        lines[index] = lines[index].Replace(Concurrently, Blocking, StringComparison.Ordinal);
        File.WriteAllLines(script, lines);

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        Assert.Equal(1, apply.ExitCode);
        var line = Assert.Single(ErrorLines(apply));
        Assert.StartsWith($"error PIPE3012: 01-expand.sql does not match plan.json at line {index + 1} (step {ordinal}): plan.json runs `{Concurrently}", line, StringComparison.Ordinal);
        Assert.Contains($"the script has `{Blocking}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_lock_timeout_is_refused()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        plan["options"]!["lockTimeoutMs"] = 600000;
        WritePlan(folder, plan);

        var apply = await rehearsed.ApplyAsync(folder, "expand");

        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("plan options: lock_timeout `2000 ms` is now `600000 ms`", Line(apply, "error PIPE3010: "), StringComparison.Ordinal);
        Assert.Contains("plan options: lock_timeout `2000 ms` is now `600000 ms`", Line(apply, "error PIPE3011: "), StringComparison.Ordinal);
        Assert.Contains("SET lock_timeout", Line(apply, "error PIPE3012: 01-expand.sql"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_backfill_expression_is_refused_even_when_the_step_sql_is_untouched()
    {
        await using var rehearsed = await RehearsedAsync();
        var folder = rehearsed.Copy();
        var plan = ReadPlan(folder);
        var backfill = plan["steps"]!.AsArray().Single(s => s!["kind"]!.GetValue<string>() == "backfill")!;
        var set = backfill["backfill"]!["setClause"]!.GetValue<string>();
        Assert.Contains("lower(", set, StringComparison.Ordinal);
        backfill["backfill"]!["setClause"] = set.Replace("lower(", "upper(", StringComparison.Ordinal);
        WritePlan(folder, plan);

        var apply = await rehearsed.ApplyAsync(folder, "backfill");
        TestContext.Current.TestOutputHelper?.WriteLine(apply.All);

        Assert.Equal(1, apply.ExitCode);
        Assert.Contains($"step {backfill["ordinal"]}: backfill SET clause", Line(apply, "error PIPE3010: "), StringComparison.Ordinal);
        Assert.Contains("upper(", Line(apply, "error PIPE3011: "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_untouched_plan_is_accepted_and_applied()
    {
        await using var rehearsed = await RehearsedAsync();

        var apply = await rehearsed.ApplyAsync(rehearsed.Scenario.PlanDirectory, "expand");

        Assert.True(apply.ExitCode == 0, apply.All);
        Assert.Contains("Gate passed: plan folder intact; rehearsal of this plan passed", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal("t", await rehearsed.Production.QueryAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.accounts_email_lower_idx'::regclass"));
    }

    private static string Line(Cli.Result result, string prefix)
    {
        var line = ErrorLines(result).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"no line starting with '{prefix}' in:\n{result.All}");
        return line;
    }

    private static string[] ErrorLines(Cli.Result result) =>
        result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static JsonObject ReadPlan(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "plan.json")))!.AsObject();

    private static void WritePlan(string folder, JsonObject plan) =>
        File.WriteAllText(Path.Combine(folder, "plan.json"), plan.ToJsonString(DocumentJson.Options));

    private static JsonNode IndexStep(JsonObject plan, string index) =>
        plan["steps"]!.AsArray().Single(s => s!["sql"]!.GetValue<string>().StartsWith(Concurrently + " " + index, StringComparison.Ordinal)
            || s["sql"]!.GetValue<string>().StartsWith(Concurrently + " \"" + index, StringComparison.Ordinal))!;

    /// <summary>The release scenario planned against "production", rehearsed for real (passing) on a copy.</summary>
    private async Task<Rehearsed> RehearsedAsync()
    {
        var production = await ReleaseScenario.CreateAsync(server, rows: 500);
        var staging = "staging_" + Guid.NewGuid().ToString("N")[..12];
        await server.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{production.Database}' AND pid <> pg_backend_pid();");
        Npgsql.NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {staging} TEMPLATE {production.Database};");
        var rehearsed = new Rehearsed(production, new Dictionary<string, string?>
        {
            ["PIPELINE_STAGING_CONNECTION"] = server.ConnectionString(staging),
            ["PIPELINE_CONNECTION"] = production.ConnectionString,
        });
        // These tests are about edits after a passing rehearsal, not about lock budgets: the budgets are generous so
        // that a stall of a shared machine (once 1.2 s of ACCESS EXCLUSIVE on ADD COLUMN of 500 rows, the cold
        // process's first statement) cannot fail the rehearsal they start from. RehearseThenApplyTests keeps the
        // default budgets.
        var rehearse = await rehearsed.RehearseAsync(production.PlanDirectory, "--max-access-exclusive", "30s", "--max-write-blocking", "120s");
        Assert.True(rehearse.ExitCode == 0, rehearse.All);
        var attempts = Directory.GetFiles(Path.Combine(production.PlanDirectory, RehearsalDocument.AttemptsFolder));
        Assert.True(RehearsalDocument.Parse(File.ReadAllText(Assert.Single(attempts)), "attempt").Passed);
        return rehearsed;
    }

    private sealed class Rehearsed(ReleaseScenario scenario, Dictionary<string, string?> environment) : IAsyncDisposable
    {
        private readonly TempFolder _copies = new();

        public ReleaseScenario Scenario => scenario;

        public ReleaseScenario Production => scenario;

        /// <summary>A copy of the rehearsed plan folder, to edit.</summary>
        public string Copy()
        {
            var target = Path.Combine(_copies.Path, "plan-" + Guid.NewGuid().ToString("N")[..8]);
            foreach (var file in Directory.EnumerateFiles(scenario.PlanDirectory, "*", SearchOption.AllDirectories))
            {
                var destination = Path.Combine(target, Path.GetRelativePath(scenario.PlanDirectory, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }

            return target;
        }

        public Task<Cli.Result> ApplyAsync(string folder, string phase) => Cli.RunAsync(environment, "apply", folder, "--phase", phase);

        public Task<Cli.Result> RehearseAsync(string folder, params string[] options) => Cli.RunAsync(environment, ["rehearse", folder, .. options]);

        public ValueTask DisposeAsync()
        {
            _copies.Dispose();
            scenario.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
