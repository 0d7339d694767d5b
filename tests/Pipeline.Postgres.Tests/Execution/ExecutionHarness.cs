using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// Builds a database from a "before" YAML (the real planner and psql), plans to an "after" YAML with the real
/// planner and dialect, and hands out the plan as <c>plan.json</c> would carry it (serialised and parsed back).
/// </summary>
internal sealed class ExecutionHarness(PostgresServer server)
{
    /// <summary>A password that must never appear in messages (trust auth ignores it).</summary>
    public const string Secret = "s3cret-Pa55word";

    private readonly MigrationHarness migration = new(server);

    public PostgresServer Server => server;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The connection string with a password added.</summary>
    public string ConnectionString(string db) => server.ConnectionString(db) + ";Password=" + Secret;

    public async Task<string> CreateAsync(string beforeYaml, string prefix, string? seedSql = null)
    {
        var db = await migration.CreateAsync(SchemaYamlLoader.Load(beforeYaml, "before.yaml"), prefix);
        if (seedSql is not null)
        {
            await server.ExecuteAsync(db, seedSql);
        }

        return db;
    }

    public async Task<(PlanDocument Plan, DatabaseModel Desired)> PlanAsync(string db, string afterYaml, int lockTimeoutMs = 2000, int batchSize = 1000)
    {
        var desired = SchemaYamlLoader.Load(afterYaml, "after.yaml");
        // Tests count backfilled rows with triggers: those are allowed, so backfills are planned.
        var plan = await migration.PlanAsync(desired, db, new PlanOptions(AllowDataLoss: true, LockTimeoutMs: lockTimeoutMs, BackfillBatchSize: batchSize,
            AllowUnmodelled: [UnmodelledKind.Trigger]));
        Assert.False(plan.IsBlocked, MigrationHarness.Describe(plan));
        var doc = PlanDocument.Parse(PlanDocument.From(plan).ToJson(), "plan.json");
        return (doc, desired);
    }

    public async Task<bool> ReplanIsEmptyAsync(string db, DatabaseModel desired) =>
        (await migration.PlanAsync(desired, db)).IsEmpty;

    public async Task<string> DescribeReplanAsync(string db, DatabaseModel desired) =>
        MigrationHarness.Describe(await migration.PlanAsync(desired, db));

    public PostgresExecutor Executor(string db, ExecutionOptions? options = null, IExecutionObserver? observer = null) =>
        new(ConnectionString(db), options ?? Fast, observer);

    public Task<JournalState> JournalAsync(string db, PlanDocument plan) => Journal.ReadAsync(ConnectionString(db), plan.Fingerprint, Ct);

    /// <summary>Options for tests: short waits.</summary>
    public static ExecutionOptions Fast { get; } = new(RetryBaseDelayMs: 20, RetryMaxDelayMs: 200, BatchPauseMs: 0, ThrottleSleepMs: 50);

    public async Task<NpgsqlConnection> OpenAsync(string db)
    {
        var connection = new NpgsqlConnection(server.ConnectionString(db));
        await connection.OpenAsync(Ct);
        return connection;
    }

    public async Task<long> ScalarAsync(string db, string sql) => long.Parse(await server.QueryAsync(db, sql), System.Globalization.CultureInfo.InvariantCulture);

    public static string Describe(PhaseResult result) =>
        string.Join("\n", result.Steps.Select(s => $"{s.Ordinal}. {s.Summary}: {s.State}{(s.Skipped ? " (skipped)" : "")} {s.Error}"));
}
