using Pipeline.Core.Fragments;
using Pipeline.Core.Yaml;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// Names with quotes, spaces, semicolons, upper case and non-ASCII letters, read from the database: inspect → YAML
/// (which passes the fragment checks) → plan is empty; and planning those objects into an empty database, applying
/// with psql and re-planning converges to the very same schema.
/// </summary>
public class OddIdentifierTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    private const string Ddl = """"
        CREATE SCHEMA "Weird ""Schema""";
        CREATE TYPE "Weird ""Schema"""."Mood; ""x""" AS ENUM ('o''k', 'm;eh', 'Ünïcode');
        CREATE TABLE "Weird ""Schema"""."Ref Table" ("Ref Id" integer PRIMARY KEY);
        CREATE TABLE "Weird ""Schema"""."Order ""Items""; DROP TABLE x; --" (
          id bigint GENERATED ALWAYS AS IDENTITY,
          """Quoted""" text,
          "with space" text DEFAULT 'a;b -- c',
          "semi;colon" integer,
          "UPPER" integer NOT NULL DEFAULT 1,
          "naïve_ß" text,
          "日本語" text,
          "Mood" "Weird ""Schema"""."Mood; ""x""",
          "Ref Id" integer,
          CONSTRAINT "Order pk; x" PRIMARY KEY (id),
          CONSTRAINT "uq UPPER" UNIQUE ("UPPER"),
          CONSTRAINT "chk; ""x"" --" CHECK ("UPPER" > 0 AND "semi;colon" <> 13),
          CONSTRAINT "fk; Ref" FOREIGN KEY ("Ref Id") REFERENCES "Weird ""Schema"""."Ref Table" ("Ref Id")
        );
        CREATE INDEX "idx semi;colon" ON "Weird ""Schema"""."Order ""Items""; DROP TABLE x; --" ("semi;colon" DESC, """Quoted""");
        CREATE INDEX "idx lower; space" ON "Weird ""Schema"""."Order ""Items""; DROP TABLE x; --" (lower("with space")) WHERE "日本語" IS NOT NULL;
        COMMENT ON COLUMN "Weird ""Schema"""."Order ""Items""; DROP TABLE x; --"."naïve_ß" IS 'it''s; fine -- really';
        """";

    [Fact]
    public async Task Inspect_then_plan_is_empty_and_a_plan_that_creates_them_converges()
    {
        var original = await server.CreateDatabaseAsync("odd");
        await server.ExecuteAsync(original, Ddl);

        var yaml = await harness.InspectYamlAsync(original);
        var document = SchemaYamlLoader.LoadDocument(yaml, "inspected.yaml");
        var errors = SqlFragmentCheck.Check(document, harness.Dialect);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => e.ToCanonical("inspected.yaml"))) + "\n" + yaml);
        Assert.Contains(document.Fragments, f => f.Kind == SqlFragmentKind.IndexKey && f.Text == "semi;colon DESC");

        var replan = await harness.PlanAsync(document.Model, original);
        Assert.True(replan.IsEmpty, "inspect → YAML → plan is not empty:\n" + MigrationHarness.Describe(replan));

        var created = await harness.CreateAsync(document.Model, "odd_created");
        var again = await harness.PlanAsync(document.Model, created);
        Assert.True(again.IsEmpty, "re-plan after creating is not empty:\n" + MigrationHarness.Describe(again));
        Assert.Equal(yaml, await harness.InspectYamlAsync(created));
        Assert.Equal("1", await server.QueryAsync(created, """SELECT count(*) FROM pg_class WHERE relname = 'Order "Items"; DROP TABLE x; --'"""));
    }
}
