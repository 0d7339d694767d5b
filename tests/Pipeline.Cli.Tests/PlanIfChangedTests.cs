using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>pipeline plan --if-changed STAMP</c> (incremental builds against a live database) on a real PostgreSQL server:
/// an unchanged YAML and database skip the planning; a change to either, to an option, or a blocked plan plans again.
/// </summary>
public sealed class PlanIfChangedTests(PostgresServer server)
{
    private const string Planning = "Planning against live database";
    private const string UpToDate = "Plan up to date in ";

    private const string Email = "\n          - {name: email, type: text, nullable: false}";

    /// <summary>The sample database's schema (<see cref="SampleDatabase"/>) plus a new nullable column customers.note.</summary>
    private const string Desired = """
        version: 1
        exclude: ["public.legacy_*"]
        schemas:
          public:
            enums:
              order_status: [pending, paid]
            tables:
              customers:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: email, type: text, nullable: false}
                  - {name: note, type: text}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: always}
                  - {name: customer_id, type: bigint, nullable: false}
                  - {name: status, type: order_status, nullable: false, default: "'pending'::order_status"}
                primaryKey: [id]
                foreignKeys:
                  - columns: [customer_id]
                    references: {table: customers, columns: [id]}
        """;

    private async Task<Dictionary<string, string?>> CreateDatabaseAsync()
    {
        var database = await server.CreateDatabaseAsync("ifchanged");
        await server.ExecuteAsync(database, SampleDatabase.Ddl);
        return new() { ["PIPELINE_CONNECTION"] = server.ConnectionString(database) };
    }

    [Fact]
    public async Task Unchanged_yaml_and_database_skip_planning_and_a_database_change_plans_again()
    {
        var environment = await CreateDatabaseAsync();
        var database = environment["PIPELINE_CONNECTION"]!.Split("Database=")[1].Split(';')[0];
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", Desired);
        var plan = folder.File("plan");
        var stamp = folder.File("obj/pipeline.live.stamp");
        string[] args = ["plan", schema, "--out", plan, "--if-changed", stamp];

        var first = await Cli.RunAsync(environment, args);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains(Planning, first.Stdout, StringComparison.Ordinal);
        Assert.Contains("(1 steps:", first.Stdout, StringComparison.Ordinal);
        Assert.Matches("^pipeline-plan-stamp/1 [0-9a-f]{64}\n$", File.ReadAllText(stamp));
        var planJson = Path.Combine(plan, "plan.json");
        var written = File.GetLastWriteTimeUtc(planJson);

        var second = await Cli.RunAsync(environment, args);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(UpToDate + plan, second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Planning, second.Stdout, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(planJson));

        // The database changes (the column the plan adds is added by hand): planned again, now nothing to do.
        await server.ExecuteAsync(database, "ALTER TABLE customers ADD COLUMN note text;");
        var third = await Cli.RunAsync(environment, args);
        Assert.Equal(0, third.ExitCode);
        Assert.Contains(Planning, third.Stdout, StringComparison.Ordinal);
        Assert.Contains("(0 steps:", third.Stdout, StringComparison.Ordinal);

        var fourth = await Cli.RunAsync(environment, args);
        Assert.Contains(UpToDate, fourth.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_yaml_change_an_option_change_and_a_blocked_plan_all_plan_again()
    {
        var environment = await CreateDatabaseAsync();
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", Desired);
        var plan = folder.File("plan");
        var stamp = folder.File("pipeline.live.stamp");

        Assert.Equal(0, (await Cli.RunAsync(environment, "plan", schema, "--out", plan, "--if-changed", stamp)).ExitCode);
        Assert.Contains(UpToDate, (await Cli.RunAsync(environment, "plan", schema, "--out", plan, "--if-changed", stamp)).Stdout, StringComparison.Ordinal);

        // Another option: planned again.
        var option = await Cli.RunAsync(environment, "plan", schema, "--out", plan, "--if-changed", stamp, "--batch-size", "500");
        Assert.Contains(Planning, option.Stdout, StringComparison.Ordinal);

        // The YAML drops customers.email: blocked (exit 1), so no stamp, and the next run plans (and blocks) again.
        Assert.Contains(Email, Desired, StringComparison.Ordinal);
        File.WriteAllText(schema, Desired.Replace(Email, "", StringComparison.Ordinal));
        var blocked = await Cli.RunAsync(environment, "plan", schema, "--out", plan, "--if-changed", stamp, "--batch-size", "500");
        Assert.Equal(1, blocked.ExitCode);
        Assert.Contains(Planning, blocked.Stdout, StringComparison.Ordinal);
        Assert.Contains("PIPE2001", blocked.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(stamp));

        var again = await Cli.RunAsync(environment, "plan", schema, "--out", plan, "--if-changed", stamp, "--batch-size", "500");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains(Planning, again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stamp_key_covers_every_option_but_never_the_connection_string_or_the_stamp_path()
    {
        var text = Commands.PlanStamp.ArgumentsText(
            ["plan", "a.yaml", "--connection", "Host=x;Password=hunter2", "--fail-on", "rewrite", "--if-changed", "obj/s", "-c", "Host=y", "--connection=Host=z"]);

        Assert.Equal("plan\u001fa.yaml\u001f--fail-on\u001frewrite", text);
    }

    [Fact]
    public async Task A_snapshot_source_is_keyed_on_its_contents()
    {
        var environment = await CreateDatabaseAsync();
        using var folder = new TempFolder();
        var snapshot = folder.File("db.snapshot.json");
        Assert.Equal(0, (await Cli.RunAsync(environment, "snapshot", "--out", snapshot)).ExitCode);
        var schema = folder.File("app.schema.yaml", Desired);
        var plan = folder.File("plan");
        var stamp = folder.File("pipeline.stamp");
        string[] args = ["plan", schema, "--snapshot", snapshot, "--out", plan, "--if-changed", stamp];

        Assert.Contains("Planning against snapshot", (await Cli.RunAsync(args)).Stdout, StringComparison.Ordinal);
        Assert.Contains(UpToDate, (await Cli.RunAsync(args)).Stdout, StringComparison.Ordinal);

        File.AppendAllText(snapshot, "\n");
        Assert.Contains("Planning against snapshot", (await Cli.RunAsync(args)).Stdout, StringComparison.Ordinal);

        // The plan folder was emptied: planned again even though the stamp matches.
        Directory.Delete(plan, recursive: true);
        Assert.Contains("Planning against snapshot", (await Cli.RunAsync(args)).Stdout, StringComparison.Ordinal);
    }
}
