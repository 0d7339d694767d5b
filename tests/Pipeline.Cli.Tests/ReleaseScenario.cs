using System.Globalization;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>
/// A database with <c>accounts</c> (N rows) and <c>orders</c>, and a plan folder for a realistic change: a new NOT NULL
/// column backfilled from <c>email</c>, a new index on it, and a new foreign key from <c>orders</c> to
/// <c>accounts</c>. A BEFORE UPDATE trigger counts, per account, how often the new column was set
/// (<c>backfill_log</c>, excluded from planning), so tests can check every row was backfilled exactly once.
/// </summary>
internal sealed class ReleaseScenario : IDisposable
{
    private readonly TempFolder _folder = new();

    private ReleaseScenario(PostgresServer server, string database)
    {
        Server = server;
        Database = database;
        ConnectionString = server.ConnectionString(database);
        PlanDirectory = Path.Combine(_folder.Path, "plan");
    }

    public PostgresServer Server { get; }

    public string Database { get; }

    public string ConnectionString { get; }

    public string PlanDirectory { get; }

    public PlanDocument Plan => PlanDocument.Parse(File.ReadAllText(Path.Combine(PlanDirectory, "plan.json")), "plan.json");

    public Dictionary<string, string?> Environment => new() { ["PIPELINE_CONNECTION"] = ConnectionString };

    /// <summary>Creates the database with <paramref name="rows"/> accounts and plans the change against it.</summary>
    /// <param name="server">The test server.</param>
    /// <param name="rows">Accounts (and orders).</param>
    /// <param name="wide">Long e-mail addresses (~140 bytes), so index builds and scans take a while.</param>
    public static Task<ReleaseScenario> CreateAsync(PostgresServer server, int rows = 1000, bool wide = false) =>
        // The counting trigger on accounts is the test's instrument: allowed, so the backfill is planned.
        CreateAsync(server, Ddl(rows, wide), Yaml, "--allow-unmodelled", "trigger");

    /// <summary>Creates a database with <paramref name="ddl"/> and plans <paramref name="yaml"/> against it with the
    /// extra <c>plan</c> options <paramref name="planArgs"/>.</summary>
    public static async Task<ReleaseScenario> CreateAsync(PostgresServer server, string ddl, string yaml, params string[] planArgs)
    {
        var database = await server.CreateDatabaseAsync("rel");
        var scenario = new ReleaseScenario(server, database);
        await server.ExecuteAsync(database, ddl);
        var schema = scenario._folder.File("app.schema.yaml", yaml);
        var plan = await Cli.RunAsync(scenario.Environment, ["plan", schema, "--out", scenario.PlanDirectory, .. planArgs]);
        Assert.True(plan.ExitCode == 0, plan.All);
        return scenario;
    }

    /// <summary>Writes <c>rehearsal.json</c> by hand (as the rehearser would).</summary>
    public void WriteRehearsal(bool passed = true, string? planFingerprint = null, DateTimeOffset? finished = null)
    {
        var plan = Plan;
        var end = finished ?? DateTimeOffset.UtcNow;
        var document = new RehearsalDocument(
            "pipeline-rehearsal", 1, planFingerprint ?? plan.Fingerprint, plan.SourceFingerprint, passed ? plan.DesiredFingerprint : null,
            "postgres://postgres@127.0.0.1:5432/staging", end.AddMinutes(-1), end, passed,
            passed ? [] : ["step 3 held ACCESS EXCLUSIVE on public.accounts for 1.4 s (budget 500 ms)"],
            new RehearsalBudgets(), [], []);
        File.WriteAllText(Path.Combine(PlanDirectory, RehearsalDocument.FileName), document.ToJson());
    }

    public Task<string> QueryAsync(string sql) => Server.QueryAsync(Database, sql);

    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    public void Dispose() => _folder.Dispose();

    public const string Yaml = """
        version: 1
        exclude: ["public.backfill_log"]
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: text
                    nullable: false
                  - name: email_lower
                    type: text
                    nullable: false
                    backfill: "lower(email)"
                primaryKey: [id]
                indexes:
                  - name: accounts_email_lower_idx
                    columns: [email_lower]
                  - name: accounts_email_idx
                    columns: [email]
              orders:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: account_id
                    type: bigint
                    nullable: false
                primaryKey: [id]
                foreignKeys:
                  - columns: [account_id]
                    references: {table: accounts, columns: [id]}
        """;

    private static string Ddl(int rows, bool wide) => string.Create(CultureInfo.InvariantCulture, $$"""
        CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL);
        CREATE TABLE backfill_log (id bigint PRIMARY KEY, n integer NOT NULL);
        INSERT INTO accounts (email) SELECT {{(wide ? "md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text) || " : "")}}'User' || g || '@Example.com' FROM generate_series(1, {{rows}}) g;
        INSERT INTO orders (account_id) SELECT 1 + g % {{rows}} FROM generate_series(1, {{(wide ? rows : Math.Max(1, rows / 2))}}) g;
        ANALYZE;
        """) + CounterTrigger;

    /// <summary>The trigger that counts backfill updates per row (plpgsql resolves email_lower only when it runs, after expand).</summary>
    public const string CounterTrigger = """
        CREATE FUNCTION count_backfill() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.email_lower IS DISTINCT FROM OLD.email_lower THEN
            INSERT INTO backfill_log VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = backfill_log.n + 1;
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER accounts_count_backfill BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION count_backfill();
        """;
}
