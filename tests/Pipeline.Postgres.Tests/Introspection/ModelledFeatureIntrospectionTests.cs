using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>
/// DDL written by hand from the CREATE TABLE / CREATE INDEX reference pages (not by the dialect) is read back with
/// every option: exclusion constraints, key collation / operator class / ordering, storage parameters, NULLS NOT
/// DISTINCT, DEFERRABLE, MATCH FULL, NO INHERIT, stored generated columns.
/// </summary>
public sealed class ModelledFeatureIntrospectionTests(PostgresServer server)
{
    private const string Ddl = """
        CREATE TABLE rooms (
            id integer PRIMARY KEY DEFERRABLE INITIALLY DEFERRED,
            name text NOT NULL,
            code varchar(20),
            tag text,
            area circle,
            width integer,
            height integer,
            surface integer GENERATED ALWAYS AS (width * height) STORED,
            CONSTRAINT rooms_tag_key UNIQUE NULLS NOT DISTINCT (tag) DEFERRABLE,
            CONSTRAINT rooms_width_check CHECK (width > 0) NO INHERIT,
            CONSTRAINT rooms_area_excl EXCLUDE USING gist (area WITH &&) INCLUDE (id) WITH (fillfactor = 80) WHERE (width IS NOT NULL) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TABLE bookings (
            id integer PRIMARY KEY,
            room_id integer,
            floor integer,
            during tsrange,
            CONSTRAINT bookings_room_fkey FOREIGN KEY (room_id, floor) REFERENCES floors (room_id, floor) MATCH FULL DEFERRABLE,
            CONSTRAINT bookings_during_excl EXCLUDE USING gist (during WITH &&, (tsrange(lower(during), upper(during), '[]')) WITH -|-)
        );
        CREATE INDEX rooms_name_idx ON rooms (name COLLATE "C" text_pattern_ops DESC NULLS LAST, (lower(name)) varchar_pattern_ops NULLS FIRST) WITH (fillfactor = 70, deduplicate_items = off);
        CREATE UNIQUE INDEX rooms_code_key ON rooms (code) NULLS NOT DISTINCT;
        CREATE INDEX rooms_code_idx ON rooms (code varchar_pattern_ops);
        """;

    [Fact]
    public async Task Hand_written_ddl_is_read_with_every_option()
    {
        var db = await server.CreateDatabaseAsync("intro_opts");
        await server.ExecuteAsync(db, "CREATE TABLE floors (room_id integer, floor integer, PRIMARY KEY (room_id, floor));\n" + Ddl);

        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), [], TestContext.Current.CancellationToken);

        var rooms = model.FindTable("public", "rooms")!;
        Assert.Equal("width * height", rooms.FindColumn("surface")!.Generated);
        Assert.Null(rooms.FindColumn("surface")!.Default);
        Same(new PrimaryKeyModel("rooms_pkey", ["id"], null, true, true), rooms.PrimaryKey);
        Same(new UniqueConstraintModel("rooms_tag_key", ["tag"], null, true, true, false), Assert.Single(rooms.Uniques));
        Same(new CheckConstraintModel("rooms_width_check", "width > 0", null, true), Assert.Single(rooms.Checks));

        var exclusion = Assert.Single(rooms.Exclusions);
        Assert.Equal(("rooms_area_excl", "gist", "width IS NOT NULL", true, true), (exclusion.Name, exclusion.Method, exclusion.Where, exclusion.Deferrable, exclusion.InitiallyDeferred));
        Same(new ExclusionElementModel(new IndexKeyModel("area"), "&&"), Assert.Single(exclusion.Elements));
        Assert.Equal(["id"], exclusion.Include);
        Same(new[] { new StorageParameter("fillfactor", "80") }, exclusion.With);

        var nameIndex = Assert.Single(rooms.Indexes, i => i.Name == "rooms_name_idx");
        Assert.Equal(
            [new IndexKeyModel("name", null, "C", "text_pattern_ops", true, false), new IndexKeyModel(null, "lower(name)", null, "varchar_pattern_ops", false, true)],
            nameIndex.Keys);
        Same(new[] { new StorageParameter("deduplicate_items", "off"), new StorageParameter("fillfactor", "70") }, nameIndex.With);
        var codeKey = Assert.Single(rooms.Indexes, i => i.Name == "rooms_code_key");
        Assert.True(codeKey.Unique && codeKey.NullsNotDistinct);
        Assert.Equal([new IndexKeyModel("code", OperatorClass: "varchar_pattern_ops")], Assert.Single(rooms.Indexes, i => i.Name == "rooms_code_idx").Keys);

        var bookings = model.FindTable("public", "bookings")!;
        var fk = Assert.Single(bookings.ForeignKeys);
        Assert.Equal(("full", true, false), (fk.Match, fk.Deferrable, fk.InitiallyDeferred));
        var during = Assert.Single(bookings.Exclusions);
        Same(
            new[] { new ExclusionElementModel(new IndexKeyModel("during"), "&&"), new ExclusionElementModel(new IndexKeyModel(null, "tsrange(lower(during), upper(during), '[]'::text)"), "-|-") },
            during.Elements);
        Assert.Empty(bookings.Indexes); // the exclusion constraint's index is not a plain index any more
    }

    private static void Same(object expected, object? actual) => Assert.Equal(ModelJson.Of(expected), ModelJson.Of(actual!));

    [Fact]
    public async Task Hand_written_ddl_round_trips_through_yaml_to_an_empty_plan()
    {
        var db = await server.CreateDatabaseAsync("intro_opts_rt");
        await server.ExecuteAsync(db, "CREATE TABLE floors (room_id integer, floor integer, PRIMARY KEY (room_id, floor));\n" + Ddl);
        var harness = new Convergence.MigrationHarness(server);

        var yaml = await harness.InspectYamlAsync(db);
        var plan = await harness.PlanAsync(SchemaYamlLoader.Load(yaml, "inspected.yaml"), db);

        Assert.True(plan.IsEmpty, Convergence.MigrationHarness.Describe(plan) + "\n" + yaml);
        Assert.Contains("exclusions:", yaml);
        Assert.Contains("generated:", yaml);
        Assert.Contains("opclass: text_pattern_ops", yaml);
    }
}
