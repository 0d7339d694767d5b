using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Postgres.Introspection;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

public sealed class StagingValidatorTests(PostgresServer server)
{
    private static readonly QualifiedName T = new("public", "t");

    private async Task<string> DbAsync()
    {
        var db = await server.CreateDatabaseAsync("validate");
        await server.ExecuteAsync(db, """
            CREATE TABLE t (id int PRIMARY KEY, v text);
            INSERT INTO t SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'x' END FROM generate_series(1, 100) AS g;
            CREATE TABLE "Mixed Case" (id int);
            INSERT INTO "Mixed Case" VALUES (1), (2);
            """);
        return db;
    }

    private async Task<StagingState> StateAsync(string db, params QualifiedName[] count) =>
        await StagingState.ReadAsync(server.ConnectionString(db), [], count, Ct);

    [Fact]
    public async Task Row_counts_are_exact_and_a_changed_count_fails()
    {
        var db = await DbAsync();
        var mixed = new QualifiedName("public", "Mixed Case");
        var missing = new QualifiedName("public", "nope");
        var before = await StateAsync(db, T, mixed, missing);
        Assert.Equal(100, before.RowCounts[T]);
        Assert.Equal(2, before.RowCounts[mixed]);
        Assert.Equal(-1, before.RowCounts[missing]);

        var same = StagingValidator.RowCounts(before.RowCounts, (await StateAsync(db, T, mixed, missing)).RowCounts);
        Assert.True(same.Passed, same.Detail);
        Assert.Equal(StagingValidator.RowCountCheck, same.Name);

        await server.ExecuteAsync(db, "INSERT INTO t VALUES (1000, 'y'); DROP TABLE \"Mixed Case\";");
        var changed = StagingValidator.RowCounts(before.RowCounts, (await StateAsync(db, T, mixed, missing)).RowCounts);
        Assert.False(changed.Passed);
        Assert.Contains("public.t: 100 rows before, 101 after", changed.Detail, StringComparison.Ordinal);
        Assert.Contains("public.Mixed Case: 2 rows before, table missing after", changed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void No_counted_table_passes()
    {
        var v = StagingValidator.RowCounts(new Dictionary<QualifiedName, long>(), new Dictionary<QualifiedName, long>());
        Assert.True(v.Passed);
    }

    [Fact]
    public async Task A_constraint_left_not_valid_fails_until_validated()
    {
        var db = await DbAsync();
        await server.ExecuteAsync(db, "CREATE TABLE old (id int); ALTER TABLE old ADD CONSTRAINT old_pos CHECK (id > 0) NOT VALID;");
        var before = await StateAsync(db);
        Assert.Equal(["public.old.old_pos"], before.NotValidConstraints);

        await server.ExecuteAsync(db, "UPDATE t SET v = 'z' WHERE v IS NULL; ALTER TABLE t ADD CONSTRAINT t_v_not_null CHECK (v IS NOT NULL) NOT VALID;");
        var left = StagingValidator.ConstraintsValid(before.NotValidConstraints, (await StateAsync(db)).NotValidConstraints);
        Assert.False(left.Passed);
        Assert.Equal("left NOT VALID: public.t.t_v_not_null", left.Detail);

        await server.ExecuteAsync(db, "ALTER TABLE t VALIDATE CONSTRAINT t_v_not_null;");
        var ok = StagingValidator.ConstraintsValid(before.NotValidConstraints, (await StateAsync(db)).NotValidConstraints);
        Assert.True(ok.Passed, ok.Detail);
        Assert.Contains("1 pre-existing: public.old.old_pos", ok.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_index_left_by_a_failed_concurrent_build_fails()
    {
        var db = await DbAsync();
        var before = await StateAsync(db);
        Assert.Empty(before.InvalidIndexes);

        // Duplicate v values: the unique build fails and leaves the index INVALID.
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => server.ExecuteAsync(db, "CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON t (v);"));
        Assert.Contains("could not create unique index", failed.Message, StringComparison.Ordinal);
        var after = await StateAsync(db);
        var check = StagingValidator.IndexesValid(before.InvalidIndexes, after.InvalidIndexes);
        Assert.False(check.Passed);
        Assert.Equal("left INVALID: public.t_v_key", check.Detail);
        Assert.Equal(StagingValidator.IndexCheck, check.Name);
        Assert.True(StagingValidator.IndexesValid(after.InvalidIndexes, after.InvalidIndexes).Passed);
    }

    [Fact]
    public async Task A_schema_differing_from_desired_lists_what_is_still_to_do()
    {
        var db = await DbAsync();
        var staging = (await StateAsync(db)).Model;
        await server.ExecuteAsync(db, "ALTER TABLE t ADD COLUMN added int; CREATE INDEX t_v_idx ON t (v);");
        var desired = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), [], Ct);

        var check = StagingValidator.SchemaMatches(desired, staging);
        Assert.False(check.Passed);
        Assert.Contains("add column public.t.added", check.Detail, StringComparison.Ordinal);
        Assert.Contains("create index t_v_idx on public.t", check.Detail, StringComparison.Ordinal);
        Assert.True(StagingValidator.SchemaMatches(desired, desired).Passed);
    }

    [Fact]
    public async Task Drift_from_the_planned_source_names_the_differences()
    {
        var db = await DbAsync();
        var source = await StateAsync(db);
        await server.ExecuteAsync(db, "ALTER TABLE t ADD COLUMN surprise int;");
        var staging = await StateAsync(db);

        var check = StagingValidator.SourceMatches(source.Fingerprint, staging.Fingerprint, source.Model, staging.Model);
        Assert.False(check.Passed);
        Assert.Contains(staging.Fingerprint, check.Detail, StringComparison.Ordinal);
        Assert.Contains("drop column public.t.surprise", check.Detail, StringComparison.Ordinal);
        Assert.True(StagingValidator.SourceMatches(source.Fingerprint, source.Fingerprint, source.Model, source.Model).Passed);
    }

    [Fact]
    public async Task Journal_schema_constraints_are_ignored()
    {
        var db = await DbAsync();
        await server.ExecuteAsync(db, "CREATE SCHEMA pipeline; CREATE TABLE pipeline.j (id int); ALTER TABLE pipeline.j ADD CONSTRAINT j_pos CHECK (id > 0) NOT VALID;");
        await using var connection = new NpgsqlConnection(server.ConnectionString(db));
        await connection.OpenAsync(Ct);
        Assert.Empty(await StagingValidator.NotValidConstraintsAsync(connection, [], Ct));
    }
}
