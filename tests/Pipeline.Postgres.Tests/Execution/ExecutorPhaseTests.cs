using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// The executor takes a realistic plan (new NOT NULL column with a backfilled value, a new index, a new foreign key)
/// through all three phases, records it in the journal, and runs nothing twice.
/// </summary>
public sealed class ExecutorPhaseTests(PostgresServer server)
{
    internal const string Before = """
        version: 1
        exclude: ["public.hits"]
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: customer_id, type: bigint, nullable: false}
                  - {name: email, type: text, nullable: true}
                primaryKey: [id]
        """;

    internal const string After = """
        version: 1
        exclude: ["public.hits"]
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: customer_id, type: bigint, nullable: false}
                  - {name: email, type: text, nullable: true}
                  - {name: email_lower, type: text, nullable: false, backfill: "lower(coalesce(email, ''))"}
                primaryKey: [id]
                indexes:
                  - {name: orders_email_lower_idx, columns: [email_lower]}
                foreignKeys:
                  - {columns: [customer_id], references: {table: customers, columns: [id]}}
        """;

    /// <summary>Customers 1..10, orders 1..rows, and a BEFORE UPDATE trigger on orders that logs every row update
    /// into public.hits (excluded from the plan).</summary>
    internal static string Seed(int rows) => $"""
        INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g;
        INSERT INTO orders SELECT g, 1 + g % 10, 'User' || g || '@Example.com' FROM generate_series(1, {rows}) g;
        CREATE TABLE hits (id bigint NOT NULL);
        CREATE FUNCTION log_hit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO hits VALUES (NEW.id); RETURN NEW; END $$;
        CREATE TRIGGER orders_hit BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION log_hit();
        ANALYZE orders;
        """;

    private readonly ExecutionHarness h = new(server);

    [Fact]
    public async Task All_three_phases_apply_converge_and_rerun_skips_everything()
    {
        const int rows = 2500;
        var db = await h.CreateAsync(Before, "exec_all", Seed(rows));
        var (plan, desired) = await h.PlanAsync(db, After, batchSize: 400);
        var observer = new RecordingObserver();
        var executor = h.Executor(db, ExecutionHarness.Fast, observer);

        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => executor.RunPhaseAsync(plan, Phase.Contract, desired.Exclude, ExecutionHarness.Ct));
        Assert.Contains("expand", early.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionHarness.Secret, early.Message, StringComparison.Ordinal);

        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var result = await executor.RunPhaseAsync(plan, phase, desired.Exclude, ExecutionHarness.Ct);
            Assert.True(result.Succeeded, $"{phase}:\n{ExecutionHarness.Describe(result)}\n{observer.Transcript}");
            Assert.All(result.Steps, s => Assert.False(s.Skipped));
            Assert.NotNull(result.SchemaFingerprintAfter);
        }

        Assert.True(await h.ReplanIsEmptyAsync(db, desired), await h.DescribeReplanAsync(db, desired));
        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(DISTINCT id) FROM hits"));
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM orders WHERE email_lower IS DISTINCT FROM lower(email)"));
        Assert.NotEmpty(observer.Progress);
        Assert.All(observer.Progress, p => Assert.True(p.BatchSize >= ExecutionHarness.Fast.MinBatchSize));
        Assert.Equal(rows, observer.Progress.Last().Rows);

        var journal = await h.JournalAsync(db, plan);
        Assert.Equal([Phase.Expand, Phase.Backfill, Phase.Contract], journal.CompletedPhases);
        Assert.Equal(plan.Steps.Select(s => s.Ordinal), journal.Steps.Select(s => s.Ordinal));
        Assert.All(journal.Steps, s =>
        {
            Assert.Equal(StepState.Done, s.State);
            Assert.Equal(1, s.Attempts);
            Assert.NotNull(s.FinishedAt);
        });
        var backfill = Assert.Single(journal.Steps, s => s.Phase == Phase.Backfill);
        Assert.Equal(rows, backfill.RowsDone);
        var contract = Assert.Single(journal.Phases, p => p.Phase == Phase.Contract);
        Assert.NotNull(contract.SchemaSnapshotAfter);
        Assert.Contains("\"email_lower\"", contract.SchemaSnapshotAfter, StringComparison.Ordinal);
        // After contract the database is the desired schema: the fingerprint the journal recorded (of the migrated
        // database, introspected by the executor) is the one the planner computed from the YAML, which the plan carries;
        // after expand it is neither the source's nor the desired one.
        Assert.Matches("^sha256:[0-9a-f]{64}$", contract.SchemaFingerprintAfter);
        Assert.Equal(plan.DesiredFingerprint, contract.SchemaFingerprintAfter);
        var expand = Assert.Single(journal.Phases, p => p.Phase == Phase.Expand);
        Assert.NotEqual(plan.SourceFingerprint, expand.SchemaFingerprintAfter);
        Assert.NotEqual(plan.DesiredFingerprint, expand.SchemaFingerprintAfter);

        // Rerun: every step is skipped, nothing runs twice.
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
        {
            var again = await executor.RunPhaseAsync(plan, phase, desired.Exclude, ExecutionHarness.Ct);
            Assert.True(again.Succeeded, ExecutionHarness.Describe(again));
            Assert.All(again.Steps, s => Assert.True(s.Skipped));
        }

        Assert.Equal(rows, await h.ScalarAsync(db, "SELECT count(*) FROM hits"));
        Assert.All((await h.JournalAsync(db, plan)).Steps, s => Assert.Equal(1, s.Attempts));
    }

    [Fact]
    public async Task A_failing_step_is_recorded_failed_with_its_error_and_stops_the_phase()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  accounts:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: balance, type: numeric, nullable: false}
                    primaryKey: [id]
            """;
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  accounts:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: balance, type: numeric, nullable: false}
                      - {name: note, type: text, nullable: true}
                    primaryKey: [id]
                    checks:
                      - {name: accounts_balance_check, expression: "balance >= 0"}
            """;
        var db = await h.CreateAsync(before, "exec_fail", "INSERT INTO accounts SELECT g, g - 3 FROM generate_series(1, 10) g;");
        var (plan, desired) = await h.PlanAsync(db, after);
        var executor = h.Executor(db);
        foreach (var phase in new[] { Phase.Expand, Phase.Backfill })
        {
            Assert.True((await executor.RunPhaseAsync(plan, phase, desired.Exclude, ExecutionHarness.Ct)).Succeeded);
        }

        var result = await executor.RunPhaseAsync(plan, Phase.Contract, desired.Exclude, ExecutionHarness.Ct);

        Assert.False(result.Succeeded);
        Assert.Null(result.SchemaFingerprintAfter);
        var failed = Assert.Single(result.Steps, s => s.State == StepState.Failed);
        Assert.Contains("23514", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionHarness.Secret, failed.Error, StringComparison.Ordinal);
        Assert.All(result.Steps.Where(s => s.Ordinal > failed.Ordinal), s => Assert.Equal(StepState.Pending, s.State));

        var journal = await h.JournalAsync(db, plan);
        var row = Assert.Single(journal.Steps, s => s.Ordinal == failed.Ordinal);
        Assert.Equal(StepState.Failed, row.State);
        Assert.Equal(failed.Error, row.Error);
        Assert.DoesNotContain(Phase.Contract, journal.CompletedPhases);
        Assert.False(Assert.Single(journal.Phases, p => p.Phase == Phase.Contract).Completed);
    }

    [Fact]
    public async Task A_second_executor_of_the_same_plan_is_refused()
    {
        var db = await h.CreateAsync(Before, "exec_twice");
        var (plan, desired) = await h.PlanAsync(db, After);
        await using var other = await h.OpenAsync(db);
        await using (var hold = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('pipeline plan ' || $1, 0))", other))
        {
            hold.Parameters.Add(new Npgsql.NpgsqlParameter { Value = plan.Fingerprint });
            await hold.ExecuteScalarAsync(ExecutionHarness.Ct);
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Executor(db).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, ExecutionHarness.Ct));
        Assert.Contains("Another executor", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionHarness.Secret, ex.Message, StringComparison.Ordinal);
        // Refused before anything was registered or run: no step row, no phase row, no new column.
        var refused = await h.JournalAsync(db, plan);
        Assert.Empty(refused.Steps);
        Assert.Empty(refused.Phases);
        Assert.Equal(0, await h.ScalarAsync(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'email_lower'"));

        // Once the other session lets go, the same call runs: the refusal was the lock, nothing else.
        await using (var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock_all()", other))
        {
            await release.ExecuteNonQueryAsync(ExecutionHarness.Ct);
        }

        var result = await h.Executor(db).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, ExecutionHarness.Ct);
        Assert.True(result.Succeeded, ExecutionHarness.Describe(result));
        var ran = await h.JournalAsync(db, plan);
        Assert.Equal(plan.Steps.Count(s => s.Phase == Phase.Expand), ran.Steps.Count(s => s.Phase == Phase.Expand && s.State == StepState.Done && s.Attempts == 1));
    }

    [Fact]
    public async Task A_blocked_plan_is_refused()
    {
        var db = await h.CreateAsync(Before, "exec_blocked");
        var (plan, desired) = await h.PlanAsync(db, After);
        var blocked = plan with { Blocked = true };
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Executor(db).RunPhaseAsync(blocked, Phase.Expand, desired.Exclude, ExecutionHarness.Ct));
        Assert.Contains("blocked", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await h.JournalAsync(db, plan)).Steps);
    }
}
