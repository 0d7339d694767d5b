using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;
using Xunit;
using static Pipeline.Postgres.Tests.Dialect.DialectFixtures;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>Type changes that need a cast, carry a default, or change a serial column (the scripts themselves run
/// against a real server in the enum_casts and serial_types convergence scenarios).</summary>
public class TypeCastTests
{
    private static readonly HashSet<string> Enums = new(StringComparer.Ordinal) { "mood", "mood2", "\"App\".level" };

    [Theory]
    [InlineData("integer", "bigint", "Automatic")]
    [InlineData("bigint", "integer", "Automatic")]
    [InlineData("character varying(10)", "character varying(5)", "Automatic")]
    [InlineData("mood", "text", "Automatic")]
    [InlineData("uuid", "character varying(40)", "Automatic")]
    [InlineData("text[]", "character varying(20)[]", "Automatic")]
    [InlineData("timestamp with time zone", "date", "Automatic")]
    [InlineData("jsonb", "json", "Automatic")]
    [InlineData("text", "mood", "PlannedUsing")]
    [InlineData("character varying(20)", "mood", "PlannedUsing")]
    [InlineData("mood", "mood2", "PlannedUsing")]
    [InlineData("mood", "\"App\".level", "PlannedUsing")]
    [InlineData("text", "integer", "ExplicitCastUsing")]
    [InlineData("text", "uuid", "ExplicitCastUsing")]
    [InlineData("boolean", "integer", "ExplicitCastUsing")]
    [InlineData("jsonb", "numeric", "ExplicitCastUsing")]
    [InlineData("mood", "integer", "RequiresUsing")]
    [InlineData("integer", "mood", "RequiresUsing")]
    [InlineData("uuid", "integer", "RequiresUsing")]
    [InlineData("boolean", "date", "RequiresUsing")]
    [InlineData("text[]", "integer[]", "ExplicitCastUsing")]
    [InlineData("integer[]", "integer", "RequiresUsing")]
    [InlineData("my_domain", "integer", "Automatic")]
    public void Casts_follow_pg_cast(string from, string to, string expected) =>
        Assert.Equal(Enum.Parse<CastNeed>(expected), TypeCastRules.Classify(from, to, Enums.Contains));

    private static PlanContext WithEnums()
    {
        var table = new TableModel("tickets",
        [
            new ColumnModel("id", "integer", false),
            new ColumnModel("state", "text", false, "'open'::text"),
        ], PrimaryKey: new PrimaryKeyModel("tickets_pkey", ["id"]), Stats: BigStats);
        var actual = new DatabaseModel([new SchemaModel("public", [table], [new EnumTypeModel("old", ["a"])])], [], Server(150018));
        var desired = new DatabaseModel([new SchemaModel("public", [], [new EnumTypeModel("ticket_state", ["open", "closed"])])], []);
        return new PlanContext(desired, actual, new PlanOptions());
    }

    private static AlterColumnType Change(ColumnModel from, ColumnModel to, PlanContext context, bool defaultChanged = false) =>
        new(new QualifiedName("public", "tickets"), from, to, to.Using, context.Actual.FindTable("public", "tickets")!) { DefaultChanged = defaultChanged };

    [Fact]
    public void Text_to_enum_converts_through_text_and_moves_the_default_in_one_statement()
    {
        var context = WithEnums();
        var (steps, diagnostics) = Plan(Change(new ColumnModel("state", "text", false, "'open'::text"),
            new ColumnModel("state", "ticket_state", false, "'open'::ticket_state"), context, defaultChanged: true), context);

        var step = Assert.Single(steps);
        Assert.Equal(
            "ALTER TABLE public.tickets ALTER COLUMN state DROP DEFAULT,\n" +
            "    ALTER COLUMN state TYPE ticket_state USING state::text::ticket_state,\n" +
            "    ALTER COLUMN state SET DEFAULT 'open'::ticket_state;",
            step.Sql);
        Assert.True(step.Impact.Rewrites);
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void Default_of_the_same_spelling_is_set_again_after_the_cast()
    {
        var context = WithEnums();
        // The defaults compare equal (DefaultChanged false), but the old one cannot be converted: it is still moved.
        var (steps, _) = Plan(Change(new ColumnModel("state", "text", false, "'open'"),
            new ColumnModel("state", "ticket_state", false, "'open'"), context), context);
        Assert.Contains("SET DEFAULT 'open'", Assert.Single(steps).Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void An_automatic_cast_keeps_the_default_and_needs_no_using()
    {
        var context = WithEnums();
        var (steps, _) = Plan(Change(new ColumnModel("state", "integer", false, "0"), new ColumnModel("state", "bigint", false, "0"), context), context);
        Assert.Equal("ALTER TABLE public.tickets ALTER COLUMN state TYPE bigint;", Assert.Single(steps).Sql);
    }

    [Fact]
    public void A_change_without_any_cast_is_refused_at_plan_time_unless_using_is_given()
    {
        var context = WithEnums();
        var (steps, diagnostics) = Plan(Change(new ColumnModel("state", "uuid", true), new ColumnModel("state", "integer", true), context), context);
        Assert.Empty(steps);
        var error = Assert.Single(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(PostgresDialect.UsingRequiredCode, error.Code);
        Assert.Contains("using:", error.Message, StringComparison.Ordinal);

        var (withUsing, none) = Plan(Change(new ColumnModel("state", "uuid", true), new ColumnModel("state", "integer", true, Using: "0"), context), context);
        Assert.Equal("ALTER TABLE public.tickets ALTER COLUMN state TYPE integer USING 0;", Assert.Single(withUsing).Sql);
        Assert.DoesNotContain(none, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void An_explicit_only_cast_is_planned_with_a_warning()
    {
        var context = WithEnums();
        var (steps, diagnostics) = Plan(Change(new ColumnModel("state", "text", true), new ColumnModel("state", "integer", true), context), context);
        Assert.Equal("ALTER TABLE public.tickets ALTER COLUMN state TYPE integer USING state::integer;", Assert.Single(steps).Sql);
        Assert.Contains(diagnostics, d => d.Code == PostgresDialect.ExplicitCastCode && d.Severity == DiagnosticSeverity.Warning);
    }

    [Fact]
    public void Serial_to_bigserial_retypes_the_column_then_its_sequence()
    {
        var context = WithEnums();
        var (steps, _) = Plan(Change(new ColumnModel("id", "serial", false), new ColumnModel("id", "bigserial", false), context), context);
        Assert.Collection(steps,
            s =>
            {
                Assert.Equal("ALTER TABLE public.tickets ALTER COLUMN id TYPE bigint;", s.Sql);
                Assert.True(s.Impact.Rewrites);
            },
            s =>
            {
                Assert.Contains("pg_get_serial_sequence('public.tickets', 'id')", s.Sql, StringComparison.Ordinal);
                Assert.Contains("ALTER SEQUENCE %s AS bigint", s.Sql, StringComparison.Ordinal);
                Assert.Empty(s.Impact.Locks);
            });
        Assert.DoesNotContain("bigserial", string.Join("\n", Sql(steps)), StringComparison.Ordinal);
    }

    [Fact]
    public void Serial_to_integer_drops_default_and_sequence_and_integer_to_serial_creates_them()
    {
        var context = WithEnums();
        var (drop, warnings) = Plan(Change(new ColumnModel("id", "serial", false), new ColumnModel("id", "integer", false), context), context);
        Assert.Equal("ALTER TABLE public.tickets ALTER COLUMN id DROP DEFAULT;", drop[0].Sql);
        Assert.Contains("DROP SEQUENCE IF EXISTS %s", drop[1].Sql, StringComparison.Ordinal);
        Assert.Contains(warnings, d => d.Code == PostgresDialect.SerialDroppedCode);

        var (create, _) = Plan(Change(new ColumnModel("id", "integer", false, "0"), new ColumnModel("id", "serial", false), context, defaultChanged: true), context);
        Assert.Equal(
            [
                "CREATE SEQUENCE public.tickets_id_seq AS integer OWNED BY public.tickets.id;",
                "ALTER TABLE public.tickets ALTER COLUMN id SET DEFAULT nextval('public.tickets_id_seq'::regclass);",
                "SELECT setval('public.tickets_id_seq', coalesce(max(id), 0) + 1, false) FROM public.tickets;",
            ],
            Sql(create));
    }

    [Fact]
    public void Enum_label_rename_is_catalog_only_and_warned()
    {
        var (steps, diagnostics) = Plan(new RenameEnumValue("public", "order_status", "sent", "shipped", null));
        var step = Assert.Single(steps);
        Assert.Equal("ALTER TYPE public.order_status RENAME VALUE 'sent' TO 'shipped';", step.Sql);
        Assert.Empty(step.Impact.Locks);
        Assert.Contains(diagnostics, d => d.Code == DiagnosticCodes.BreaksOldVersions);
    }

    [Fact]
    public void Every_new_statement_has_a_documented_lock_rule()
    {
        foreach (var kind in new[] { PgStatementKind.AlterSequenceType, PgStatementKind.CreateOwnedSequence, PgStatementKind.DropOwnedSequence, PgStatementKind.RenameEnumValue, PgStatementKind.AddUniqueToNewTable })
        {
            var rule = PostgresLockRules.For(kind, 15);
            Assert.StartsWith("https://www.postgresql.org/docs/", rule.Source, StringComparison.Ordinal);
            Assert.Contains("Observed", rule.Notes, StringComparison.OrdinalIgnoreCase);
        }
    }
}
