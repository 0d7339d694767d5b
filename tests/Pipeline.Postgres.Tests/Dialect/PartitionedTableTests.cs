using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Tests.Convergence;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>
/// Partitioned tables on a real server: a new index is built partition by partition (CONCURRENTLY) and attached to
/// an ON ONLY parent index, which PostgreSQL then marks valid; what PostgreSQL cannot do on a partitioned parent the
/// safe way is refused with the workaround (PIPE2022).
/// </summary>
public sealed class PartitionedTableTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    private const string Ddl = """
        CREATE TABLE customers (id int PRIMARY KEY);
        INSERT INTO customers SELECT generate_series(1, 10);
        CREATE TABLE measurements (id bigint NOT NULL, at date NOT NULL, customer_id int, v int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE measurements_rest PARTITION OF measurements DEFAULT;
        CREATE INDEX measurements_v_idx ON measurements (v);
        INSERT INTO measurements SELECT g, date '2024-01-01' + (g % 900), 1 + g % 10, g % 97 FROM generate_series(1, 3000) g;
        ANALYZE;
        """;

    private async Task<(string Db, DatabaseModel Current)> CreateAsync()
    {
        var db = await server.CreateDatabaseAsync("parted");
        await server.ExecuteAsync(db, Ddl);
        return (db, SchemaYamlLoader.Load(await harness.InspectYamlAsync(db), "current.yaml"));
    }

    [Fact]
    public async Task A_new_index_is_built_per_partition_and_attached_and_converges()
    {
        var (db, current) = await CreateAsync();
        var desired = Edit(current, t => t with
        {
            Indexes = [.. t.Indexes, new IndexModel("measurements_customer_id_idx", ["customer_id", "at DESC"], Where: "v IS NOT NULL")],
        });

        var plan = await harness.PlanAsync(desired, db, new PlanOptions());
        Assert.False(plan.IsBlocked, string.Join("\n", plan.Diagnostics.Select(d => d.ToCanonical("plan"))));
        Assert.Equal(
            [
                "create index measurements_customer_id_idx on only public.measurements (partitioned; valid once every partition's index is attached)",
                "drop leftover invalid index public.measurements_2024_customer_id_idx, if any",
                "create index measurements_2024_customer_id_idx on partition public.measurements_2024 of public.measurements (concurrently)",
                "attach index public.measurements_2024_customer_id_idx to public.measurements_customer_id_idx",
                "drop leftover invalid index public.measurements_2025_customer_id_idx, if any",
                "create index measurements_2025_customer_id_idx on partition public.measurements_2025 of public.measurements (concurrently)",
                "attach index public.measurements_2025_customer_id_idx to public.measurements_customer_id_idx",
                "drop leftover invalid index public.measurements_rest_customer_id_idx, if any",
                "create index measurements_rest_customer_id_idx on partition public.measurements_rest of public.measurements (concurrently)",
                "attach index public.measurements_rest_customer_id_idx to public.measurements_customer_id_idx",
            ],
            plan.Steps.Select(s => s.Summary));
        var onOnly = plan.Steps[0];
        Assert.Equal("CREATE INDEX IF NOT EXISTS measurements_customer_id_idx ON ONLY public.measurements USING btree (customer_id, at DESC) WHERE v IS NOT NULL;", onOnly.Sql);
        Assert.Equal(PgLock.Share, onOnly.Impact.StrongestMode);
        Assert.All(plan.Steps.Where(s => s.Summary.Contains("(concurrently)", StringComparison.Ordinal)), s => Assert.False(s.Transactional));

        await harness.ApplyAsync(plan, db);

        Assert.Equal("t", (await server.QueryAsync(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'measurements_customer_id_idx'::regclass")).Trim());
        Assert.Equal("3", (await server.QueryAsync(db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'measurements_customer_id_idx'::regclass")).Trim());
        Assert.True((await harness.PlanAsync(desired, db, new PlanOptions())).IsEmpty);

        // Applying the same scripts again changes nothing and fails nowhere (IF NOT EXISTS; attaching twice is a no-op).
        await harness.ApplyAsync(plan, db);
    }

    [Fact]
    public async Task Changes_PostgreSQL_cannot_make_safely_on_a_partitioned_parent_are_refused_with_a_workaround()
    {
        var (db, current) = await CreateAsync();
        var desired = Edit(current, t => t with
        {
            Indexes = [new IndexModel("measurements_v_at_key", ["v"], Unique: true)],
            Uniques = [new UniqueConstraintModel("measurements_id_at_v_key", ["id", "at", "v"])],
            ForeignKeys = [new ForeignKeyModel("measurements_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])],
            Columns = t.Columns.Select(c => c.Name == "at" ? c with { Type = "timestamp" } : c).ToList(),
        });

        var plan = await harness.PlanAsync(desired, db);

        var refusals = plan.Diagnostics.Where(d => d.Code == DiagnosticCodes.PartitionedTableUnsupported).Select(d => d.Message).ToList();
        Assert.Contains(refusals, m => m.StartsWith("add unique constraint measurements_id_at_v_key on public.measurements: public.measurements is partitioned", StringComparison.Ordinal)
            && m.Contains("Workaround:", StringComparison.Ordinal));
        Assert.Contains(refusals, m => m.StartsWith("add foreign key measurements_customer_id_fkey on public.measurements: public.measurements is partitioned, and PostgreSQL cannot add a NOT VALID foreign key", StringComparison.Ordinal));
        Assert.Contains(refusals, m => m.StartsWith("drop index public.measurements_v_idx: public.measurements is partitioned, and PostgreSQL cannot DROP INDEX CONCURRENTLY", StringComparison.Ordinal));
        Assert.Contains(refusals, m => m.StartsWith("create index measurements_v_at_key on public.measurements: a unique index on partitioned table public.measurements must include the partition key columns (at missing)", StringComparison.Ordinal));
        Assert.Contains(refusals, m => m.StartsWith("change type of public.measurements.at from date to timestamp: at is in the partition key of public.measurements (RANGE (at))", StringComparison.Ordinal));
        Assert.Equal(5, refusals.Count);
        Assert.All(plan.Steps, s => Assert.True(s.Blocked, s.Summary));

        // PostgreSQL agrees.
        var concurrently = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, "DROP INDEX CONCURRENTLY measurements_v_idx;"));
        Assert.Contains("cannot drop partitioned index", concurrently.Message, StringComparison.Ordinal);
        var notValid = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db,
            "ALTER TABLE measurements ADD CONSTRAINT f FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"));
        Assert.Contains("cannot add NOT VALID foreign key on partitioned table", notValid.Message, StringComparison.Ordinal);
        var retype = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, "ALTER TABLE measurements ALTER COLUMN at TYPE timestamp;"));
        Assert.Contains("partition key", retype.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Column_changes_recurse_and_converge()
    {
        var (db, current) = await CreateAsync();
        var desired = Edit(current, t => t with
        {
            Columns = [.. t.Columns.Select(c => c.Name == "v" ? c with { Nullable = false, Backfill = "0" } : c), new ColumnModel("note", "text", true, "'n/a'")],
            Checks = [new CheckConstraintModel("measurements_v_check", "v >= 0")],
        });

        var plan = await harness.PlanAsync(desired, db, new PlanOptions());
        Assert.False(plan.IsBlocked, string.Join("\n", plan.Diagnostics.Select(d => d.ToCanonical("plan"))));
        await harness.ApplyAsync(plan, db);

        Assert.True((await harness.PlanAsync(desired, db, new PlanOptions())).IsEmpty);
        Assert.Equal("0", (await server.QueryAsync(db, "SELECT count(*) FROM measurements WHERE v IS NULL OR note IS NULL")).Trim());
        Assert.Equal("0", (await server.QueryAsync(db, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")).Trim());
    }

    [Fact]
    public void Partition_index_names_follow_the_partition_and_fit_63_bytes()
    {
        Assert.Equal("events_2024_at_idx", PostgresDialect.PartitionIndexName("events", "events_2024", "events_at_idx"));
        Assert.Equal("p1_by_day", PostgresDialect.PartitionIndexName("events", "p1", "by_day"));
        var longName = PostgresDialect.PartitionIndexName("t", new string('p', 40), "t_" + new string('c', 40));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(longName) <= 63);
        Assert.Matches("_[0-9a-f]{8}$", longName);
        Assert.Equal(longName, PostgresDialect.PartitionIndexName("t", new string('p', 40), "t_" + new string('c', 40)));
    }

    private static DatabaseModel Edit(DatabaseModel m, Func<TableModel, TableModel> edit) =>
        m with
        {
            Schemas = m.Schemas.Select(s => s.Name != "public" ? s : s with
            {
                Tables = s.Tables.Select(t => t.Name == "measurements" ? edit(t) : t).ToList(),
            }).ToList(),
        };
}
