using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Load;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// The change the fault tests apply under a client workload: on <c>public.accounts</c> (N rows) a new
/// <c>email_lower text NOT NULL</c> backfilled with <c>lower(email)</c> in keyset batches, and a new index on
/// <c>email</c> (CREATE INDEX CONCURRENTLY). A BEFORE UPDATE trigger counts, per row, how often <c>email_lower</c>
/// changed (<c>backfill_log</c>, excluded from planning), so a test can prove every row was backfilled exactly once
/// while the workload inserts, updates (<c>note</c> only) and selects. The application's new version (after expand)
/// writes <c>email_lower</c> itself, as a real rollout would.
/// </summary>
internal static class FaultScenario
{
    public const string Before = """
        version: 1
        exclude: ["public.backfill_log"]
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: email, type: text, nullable: false}
                  - {name: note, type: text, nullable: true}
                primaryKey: [id]
        """;

    public const string After = """
        version: 1
        exclude: ["public.backfill_log"]
        schemas:
          public:
            tables:
              accounts:
                columns:
                  - {name: id, type: bigint, nullable: false, identity: by default}
                  - {name: email, type: text, nullable: false}
                  - {name: note, type: text, nullable: true}
                  - {name: email_lower, type: text, nullable: false, backfill: "lower(email)"}
                primaryKey: [id]
                indexes:
                  - {name: accounts_email_idx, columns: [email]}
        """;

    /// <summary>Accounts 1..rows, the counter table and trigger (it reads email_lower through to_jsonb, so the
    /// workload's updates work before expand adds the column too).</summary>
    public static string Seed(int rows) => string.Create(CultureInfo.InvariantCulture, $$"""
        INSERT INTO accounts (id, email, note) SELECT g, 'User' || g || '@Example.com', 'n' || g FROM generate_series(1, {{rows}}) g;
        SELECT setval(pg_get_serial_sequence('public.accounts', 'id'), {{rows}});
        CREATE TABLE backfill_log (id bigint PRIMARY KEY, n integer NOT NULL);
        CREATE FUNCTION count_backfill() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF to_jsonb(NEW) -> 'email_lower' IS DISTINCT FROM to_jsonb(OLD) -> 'email_lower' THEN
            INSERT INTO backfill_log VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = backfill_log.n + 1;
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER accounts_count_backfill BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION count_backfill();
        VACUUM ANALYZE accounts;
        """);

    /// <summary>The application before the change.</summary>
    public static WorkloadShape OldApp { get; } = new(
        [new("email", "'New' || @r || '@Example.com'"), new("note", "'new ' || @r")],
        [new("note", "'upd ' || @r")],
        "id, email, note");

    /// <summary>The new version, rolled out after expand: it writes email_lower on insert.</summary>
    public static WorkloadShape NewApp { get; } = new(
        [.. OldApp.InsertColumns, new("email_lower", "lower('New' || @r || '@Example.com')")],
        [new("note", "'upd ' || @r")],
        "id, email, note, email_lower");

    /// <summary>A light workload (2 clients × 50 statements/s) on public.accounts.</summary>
    public static WorkloadOptions Workload(string connectionString, int rows) =>
        new(connectionString, "public.accounts", "id", 1, rows, OldApp, Clients: 2, StatementsPerSecondPerClient: 50,
            MaxDuration: TimeSpan.FromMinutes(2), CommandTimeoutSeconds: 30);

    /// <summary>Every seeded row was backfilled exactly once (and rows old clients inserted before the rollout at
    /// most once), and every row holds the right value.</summary>
    public static async Task AssertBackfilledExactlyOnceAsync(PostgresServer server, string db, int rows)
    {
        var seededOnce = await server.QueryAsync(db, $"SELECT count(*) FROM accounts a JOIN backfill_log l USING (id) WHERE a.id <= {rows} AND l.n = 1");
        Assert.Equal(rows.ToString(CultureInfo.InvariantCulture), seededOnce);
        Assert.Equal("1", await server.QueryAsync(db, "SELECT coalesce(max(n), 1) FROM backfill_log"));
        Assert.Equal("0", await server.QueryAsync(db, "SELECT count(*) FROM accounts WHERE email_lower IS DISTINCT FROM lower(email)"));
    }

    /// <summary>
    /// Applies expand, backfill and contract with <paramref name="executor"/> while the workload runs (switching to
    /// <see cref="NewApp"/> after expand); during <paramref name="faultPhase"/>, <paramref name="fault"/> runs
    /// alongside the executor (it waits for its moment itself). Returns each phase's result and the workload's.
    /// </summary>
    public static async Task<(Dictionary<Phase, PhaseResult> Results, WorkloadResult Load)> ApplyUnderLoadAsync(
        ExecutionHarness h, string db, PlanDocument plan, IReadOnlyList<string> exclude, PostgresExecutor executor,
        int rows, Phase faultPhase, Func<ClientWorkload, Task> fault, RecordingObserver observer)
    {
        var results = new Dictionary<Phase, PhaseResult>();
        WorkloadResult load;
        await using (var workload = await ClientWorkload.StartAsync(Workload(h.Server.ConnectionString(db), rows), ExecutionHarness.Ct))
        {
            try
            {
                await Task.Delay(200, ExecutionHarness.Ct);
                foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
                {
                    workload.Mark(phase.Name());
                    var clock = Stopwatch.StartNew();
                    var run = executor.RunPhaseAsync(plan, phase, exclude, ExecutionHarness.Ct);
                    if (phase == faultPhase)
                    {
                        // The phase may finish before the fault helper returns: after a restart the executor can
                        // reconnect and complete the phase while pg_ctl is still polling for the new server. So both
                        // are awaited; each test then proves from the step's fault counters (deadlocks, connection
                        // losses) that the fault struck while the phase ran. A fault whose moment never comes fails
                        // in the helper's own wait ("timed out waiting for ...").
                        await fault(workload); // surfaces the fault helper's own failures
                    }

                    var result = await run;
                    Log($"{phase.Name()}: {(result.Succeeded ? "ok" : "FAILED")} in {clock.ElapsedMilliseconds} ms\n{ExecutionHarness.Describe(result)}");
                    results[phase] = result;
                    Assert.True(result.Succeeded, $"{phase.Name()} failed:\n{ExecutionHarness.Describe(result)}\n{observer.Transcript}");
                    if (phase == Phase.Expand)
                    {
                        workload.Mark("rollout");
                        await workload.SwitchShapeAsync(NewApp, ExecutionHarness.Ct);
                    }
                }

                workload.Mark("after");
                await Task.Delay(200, ExecutionHarness.Ct);
            }
            finally
            {
                load = await workload.StopAsync();
                Log("workload:\n" + load.Describe());
                Log("executor log:\n" + observer.Transcript);
            }
        }

        return (results, load);
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms for up to 30 s.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(10, ExecutionHarness.Ct);
        }
    }

    public static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
