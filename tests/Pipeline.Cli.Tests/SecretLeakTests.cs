using System.Globalization;
using System.Text;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// A password sentinel in the connection string never appears in stdout, stderr or any file the tool writes (the plan
/// folder, <c>apply.json</c>, the rehearsal files, snapshots, YAML), for every command, on success (real password
/// authentication, keyword and <c>postgres://</c> URI forms) and on every failure path: wrong password, unreachable
/// host, SSL required by the client of a server without SSL, an unparsable string — given in the environment and on
/// the command line (which also warns, once).
/// </summary>
public sealed class SecretLeakTests(PostgresServer server)
{
    private const string Sentinel = "Zq8sentinelPw41";
    private const string WrongSentinel = "Wr0ngSentinelPw77";
    // Two characters, one of them outside [A-Za-z0-9]: the temp folders the test writes into have random
    // alphanumeric names that the tool records in its files ("q7" failed once, in /tmp/pipeline-cli-Sq7bGb/).
    private const string ShortSentinel = "q~";

    private static readonly string[] Secrets = [Sentinel, WrongSentinel, ShortSentinel];

    [Fact]
    public async Task Every_command_succeeds_without_the_password_in_any_output_or_file()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 200);
        using var work = new TempFolder();
        var staging = "staging_" + Guid.NewGuid().ToString("N")[..12];
        await server.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{scenario.Database}' AND pid <> pg_backend_pid();");
        Npgsql.NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {staging} TEMPLATE {scenario.Database};");
        var production = await PasswordLogin.EnsureAsync(server, scenario.Database, Sentinel);
        var stagingUri = string.Create(CultureInfo.InvariantCulture, $"postgres://{PasswordLogin.Role}:{Sentinel}@{PostgresServer.Host}:{server.Port}/{staging}");
        var environment = new Dictionary<string, string?> { ["PIPELINE_CONNECTION"] = production, ["PIPELINE_STAGING_CONNECTION"] = stagingUri };
        var plan = Path.Combine(work.Path, "plan");
        var schema = work.File("app.schema.yaml", ReleaseScenario.Yaml);
        var results = new List<(string Command, Cli.Result Result)>();
        async Task Run(params string[] args)
        {
            var result = await Cli.RunAsync(environment, args);
            results.Add((string.Join(' ', args), result));
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.All}");
        }

        await Run("inspect", "--out", Path.Combine(work.Path, "inspected.yaml"));
        await Run("snapshot", "--out", Path.Combine(work.Path, "snapshot.json"));
        // The scenario's counting trigger is the test's instrument: allowed, so the backfill is planned.
        await Run("plan", schema, "--out", plan, "--allow-unmodelled", "trigger");
        await Run("rehearse", plan);
        await Run("apply", plan, "--phase", "expand");
        await Run("apply", plan, "--phase", "backfill");
        await Run("apply", plan, "--phase", "contract", "--confirm-contract");

        // The same password on the command line works too, and is warned about once.
        var onCommandLine = await Cli.RunAsync("inspect", "--connection", production);
        results.Add(("inspect --connection", onCommandLine));
        Assert.True(onCommandLine.ExitCode == 0, onCommandLine.All);
        Assert.Single(onCommandLine.Stderr.Split('\n'), l => l.StartsWith("warning PIPE0010: a password was given on the command line", StringComparison.Ordinal));
        var fromEnvironment = results[0].Result;
        Assert.DoesNotContain("PIPE0010", fromEnvironment.All, StringComparison.Ordinal);

        Assert.True(File.Exists(Path.Combine(plan, "apply.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(plan, "rehearsals")));
        Assert.Contains($"{PasswordLogin.Role}@", File.ReadAllText(Path.Combine(plan, "rehearsal.json")), StringComparison.Ordinal);
        AssertNoSecret(results, work.Path, scenario.PlanDirectory);
    }

    [Fact]
    public async Task Every_command_fails_cleanly_without_the_password_on_every_failure_path()
    {
        using var scenario = await ReleaseScenario.CreateAsync(server, rows: 10);
        scenario.WriteRehearsal();
        using var work = new TempFolder();
        var schema = work.File("app.schema.yaml", ReleaseScenario.Yaml);
        await PasswordLogin.EnsureAsync(server, scenario.Database, Sentinel);
        var closed = Cli.ClosedPort().ToString(CultureInfo.InvariantCulture);
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var failures = new Dictionary<string, string>
        {
            ["wrong password"] = PasswordLogin.ConnectionString(server, scenario.Database, WrongSentinel),
            ["wrong password (URI)"] = $"postgres://{PasswordLogin.Role}:{WrongSentinel}@{PostgresServer.Host}:{port}/{scenario.Database}",
            ["unreachable host"] = $"Host={PostgresServer.Host};Port={closed};Username=app;Password={Sentinel};Database=shop;Timeout=3",
            ["unreachable host (URI)"] = $"postgresql://app:{Sentinel}@{PostgresServer.Host}:{closed}/shop?connect_timeout=3",
            ["SSL error"] = $"Host={PostgresServer.Host};Port={port};Username=postgres;Password={Sentinel};Database={scenario.Database};SSL Mode=Require;Timeout=5",
            ["SSL error (URI)"] = $"postgres://postgres:{Sentinel}@{PostgresServer.Host}:{port}/{scenario.Database}?sslmode=require",
            ["unparsable, short password"] = $"Host={PostgresServer.Host};Password={ShortSentinel};Frob;Port=x{ShortSentinel}",
        };
        var results = new List<(string Command, Cli.Result Result)>();
        var planOut = Path.Combine(work.Path, "plan-out");
        string[][] commands =
        [
            ["inspect"],
            ["snapshot", "--out", Path.Combine(work.Path, "snapshot.json")],
            ["plan", schema, "--out", planOut],
            ["rehearse", scenario.PlanDirectory],
            ["apply", scenario.PlanDirectory, "--phase", "expand"],
        ];
        foreach (var (name, connection) in failures)
        {
            foreach (var command in commands)
            {
                var variable = command[0] == "rehearse" ? "PIPELINE_STAGING_CONNECTION" : "PIPELINE_CONNECTION";
                var viaEnvironment = await Cli.RunAsync(new Dictionary<string, string?> { [variable] = connection }, command);
                var viaOption = await Cli.RunAsync([.. command, "--connection", connection]);
                foreach (var (how, result) in new[] { ("environment", viaEnvironment), ("--connection", viaOption) })
                {
                    var label = $"{name}, {string.Join(' ', command.Take(1))}, {how}";
                    results.Add((label, result));
                    Assert.True(result.ExitCode is 1 or 2, $"{label}: exit {result.ExitCode}\n{result.All}");
                    Assert.Contains("error PIPE", result.Stderr, StringComparison.Ordinal);
                    Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
                }

                Assert.DoesNotContain("PIPE0010", viaEnvironment.All, StringComparison.Ordinal);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", results.Select(r => $"{r.Command}: {r.Result.Stderr.Trim()}")));
        Assert.False(Directory.Exists(planOut), "no plan is written when the database cannot be read");
        Assert.False(File.Exists(Path.Combine(scenario.PlanDirectory, "apply.json")));
        AssertNoSecret(results, work.Path, scenario.PlanDirectory);
    }

    private static void AssertNoSecret(List<(string Command, Cli.Result Result)> results, params string[] folders)
    {
        foreach (var (command, result) in results)
        {
            foreach (var secret in Secrets)
            {
                Assert.False(result.All.Contains(secret, StringComparison.Ordinal), $"{command} printed the password {secret}:\n{result.All}");
            }
        }

        foreach (var file in folders.Where(Directory.Exists).SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories)))
        {
            var text = Encoding.UTF8.GetString(File.ReadAllBytes(file));
            foreach (var secret in Secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{file} holds the password {secret}");
            }
        }
    }
}
