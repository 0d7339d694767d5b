using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The release as a pipeline runs it: <c>pipeline rehearse</c> on a staging copy, then <c>pipeline apply</c>
/// phase by phase on "production", with the real rehearser and executor.</summary>
public sealed class RehearseThenApplyTests(PostgresServer server)
{
    [Fact]
    public async Task Rehearsal_on_staging_opens_the_gate_for_production()
    {
        // "production": planned against; "staging": a copy made the same way.
        using var production = await ReleaseScenario.CreateAsync(server, rows: 3000);
        var staging = await CopyAsync(production);
        var stagingConnection = server.ConnectionString(staging);

        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE_STAGING_CONNECTION"] = stagingConnection,
            ["PIPELINE_CONNECTION"] = production.ConnectionString,
        };
        var rehearse = await Cli.RunAsync(environment, "rehearse", production.PlanDirectory);

        Assert.True(rehearse.ExitCode == 0, rehearse.All);
        Assert.Contains("| estimated lock", rehearse.Stdout, StringComparison.Ordinal);
        Assert.Contains("Rehearsal passed", rehearse.Stdout, StringComparison.Ordinal);
        var document = RehearsalDocument.Parse(File.ReadAllText(Path.Combine(production.PlanDirectory, "rehearsal.json")), "rehearsal.json");
        Assert.True(document.Passed);
        Assert.Equal("0", await production.QueryAsync("SELECT count(*) FROM information_schema.columns WHERE column_name = 'email_lower'"));

        foreach (var phase in new[] { new[] { "expand" }, ["backfill"], ["contract", "--confirm-contract"] })
        {
            var apply = await Cli.RunAsync(environment, ["apply", production.PlanDirectory, "--phase", .. phase]);
            Assert.True(apply.ExitCode == 0, apply.All);
        }

        Assert.Equal("3000|1|1", await production.QueryAsync("SELECT count(*), min(n), max(n) FROM backfill_log"));
    }

    /// <summary>A staging copy of the production database (CREATE DATABASE … TEMPLATE, after closing its sessions).</summary>
    private async Task<string> CopyAsync(ReleaseScenario production)
    {
        var staging = "staging_" + Guid.NewGuid().ToString("N")[..12];
        await server.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{production.Database}' AND pid <> pg_backend_pid();");
        Npgsql.NpgsqlConnection.ClearAllPools();
        await server.ExecuteAsync("postgres", $"CREATE DATABASE {staging} TEMPLATE {production.Database};");
        return staging;
    }
}
