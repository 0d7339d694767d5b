using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The CLI end to end on a table with a trigger: inspect warns on stderr (stdout stays loadable YAML), plan
/// refuses a backfill with PIPE2020 and exit 1, <c>--allow-unmodelled trigger</c> plans it, an unknown kind is bad
/// input (exit 2).</summary>
public sealed class UnmodelledCliTests(PostgresServer server) : IAsyncLifetime
{
    private string _connectionString = "";

    private const string Ddl = """
        CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
        CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER accounts_stamp BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION stamp();
        INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 10) g;
        """;

    private const string Yaml = """
        version: 1
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: email, type: text, nullable: false}
                  - {name: email_lower, type: text, nullable: false, backfill: lower(email)}
                primaryKey: [id]
        """;

    public async ValueTask InitializeAsync()
    {
        var database = await server.CreateDatabaseAsync("cli_unmodelled");
        await server.ExecuteAsync(database, Ddl);
        _connectionString = server.ConnectionString(database);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Dictionary<string, string?> Environment() => new() { ["PIPELINE_CONNECTION"] = _connectionString };

    [Fact]
    public async Task Inspect_warns_on_stderr_naming_the_trigger()
    {
        var result = await Cli.RunAsync(Environment(), "inspect");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("inspect: warning PIPE1020: public.accounts: trigger accounts_stamp (BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION stamp()) is not modelled", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PIPE1020", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_refuses_the_backfill_with_exit_1_until_triggers_are_allowed()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", Yaml);

        var refused = await Cli.RunAsync(Environment(), "plan", schema, "--out", folder.File("plan"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("warning PIPE1020: public.accounts: trigger accounts_stamp", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains(": error PIPE2020: add column public.accounts.email_lower is refused: public.accounts has trigger accounts_stamp", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("--allow-unmodelled trigger", refused.Stdout, StringComparison.Ordinal);

        var allowed = await Cli.RunAsync(Environment(), "plan", schema, "--out", folder.File("plan2"), "--allow-unmodelled", "trigger");
        Assert.Equal(0, allowed.ExitCode);
        Assert.Contains("warning PIPE1022: add column public.accounts.email_lower", allowed.Stdout, StringComparison.Ordinal);
        Assert.Contains("BLOCKED", refused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("BLOCKED", allowed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_kind_is_bad_input()
    {
        using var folder = new TempFolder();
        var schema = folder.File("app.schema.yaml", Yaml);

        var result = await Cli.RunAsync(Environment(), "plan", schema, "--out", folder.File("plan"), "--allow-unmodelled", "trigger,triggers");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--allow-unmodelled: unknown kind 'triggers'", result.All, StringComparison.Ordinal);
    }
}
