using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>
/// The catalog digest (incremental builds against a live database) on a real server: stable while nothing changes,
/// different after every kind of DDL a plan depends on, blind to row changes and to the tool's own journal schema.
/// </summary>
public sealed class CatalogDigestTests(PostgresServer server)
{
    private const string Ddl = """
        CREATE TYPE public.order_status AS ENUM ('pending', 'paid');
        CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL);
        CREATE TABLE public.orders (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            customer_id bigint NOT NULL REFERENCES public.customers (id),
            status public.order_status NOT NULL DEFAULT 'pending',
            total numeric(12,2));
        INSERT INTO public.customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 100) AS g;
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> CreateDatabaseAsync()
    {
        var db = await server.CreateDatabaseAsync("digest");
        await server.ExecuteAsync(db, Ddl);
        return db;
    }

    private Task<string> DigestAsync(string db) => CatalogDigest.ReadAsync(server.ConnectionString(db), Ct);

    [Fact]
    public async Task Digest_is_stable_while_nothing_changes_and_ignores_rows_and_the_journal_schema()
    {
        var db = await CreateDatabaseAsync();
        // Sizes known first: a table never analyzed has reltuples -1, and autovacuum's ANALYZE of the 100 new rows
        // (its threshold is 50 changed rows) may land between two reads and change the size's order of magnitude,
        // which the digest rightly tracks. After this, the 11 row changes below stay under autovacuum's thresholds.
        await server.ExecuteAsync(db, "VACUUM ANALYZE public.customers, public.orders;");
        var first = await DigestAsync(db);

        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Equal(first, await DigestAsync(db));

        // Row changes (no size doubling) and the tool's own schema leave it alone.
        await server.ExecuteAsync(db, """
            UPDATE public.customers SET email = upper(email) WHERE id <= 10;
            INSERT INTO public.customers VALUES (101, 'x@example.com');
            CREATE SCHEMA pipeline;
            CREATE TABLE pipeline.journal_steps (id int PRIMARY KEY);
            """);
        Assert.Equal(first, await DigestAsync(db));
    }

    [Theory]
    [InlineData("ALTER TABLE public.orders ADD COLUMN note text")]
    [InlineData("ALTER TABLE public.orders DROP COLUMN total")]
    [InlineData("ALTER TABLE public.orders ALTER COLUMN total SET NOT NULL")]
    [InlineData("ALTER TABLE public.orders ALTER COLUMN total TYPE numeric(14,2)")]
    [InlineData("ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'paid'")]
    [InlineData("CREATE INDEX orders_status_idx ON public.orders (status)")]
    [InlineData("ALTER TABLE public.customers ADD CONSTRAINT customers_email_check CHECK (email <> '') NOT VALID")]
    [InlineData("COMMENT ON TABLE public.orders IS 'Customer orders'")]
    [InlineData("ALTER TYPE public.order_status ADD VALUE 'shipped'")]
    [InlineData("CREATE TABLE public.refunds (id bigint PRIMARY KEY)")]
    [InlineData("DROP TABLE public.orders")]
    [InlineData("CREATE SCHEMA sales")]
    [InlineData("ALTER TABLE public.orders RENAME COLUMN total TO amount")]
    public async Task Digest_changes_after_ddl_a_plan_depends_on(string ddl)
    {
        var db = await CreateDatabaseAsync();
        var before = await DigestAsync(db);

        await server.ExecuteAsync(db, ddl + ";");

        Assert.NotEqual(before, await DigestAsync(db));
    }

    [Fact]
    public async Task Digest_changes_when_a_constraint_is_validated()
    {
        var db = await CreateDatabaseAsync();
        await server.ExecuteAsync(db, "ALTER TABLE public.customers ADD CONSTRAINT customers_email_check CHECK (email <> '') NOT VALID;");
        var before = await DigestAsync(db);

        await server.ExecuteAsync(db, "ALTER TABLE public.customers VALIDATE CONSTRAINT customers_email_check;");

        Assert.NotEqual(before, await DigestAsync(db));
    }

    [Fact]
    public async Task Digest_changes_when_a_table_grows_past_twice_its_size_but_not_on_a_plain_analyze()
    {
        var db = await CreateDatabaseAsync();
        await server.ExecuteAsync(db, "ANALYZE public.customers;");
        var before = await DigestAsync(db);

        await server.ExecuteAsync(db, "ANALYZE public.customers;");
        Assert.Equal(before, await DigestAsync(db));

        await server.ExecuteAsync(db, """
            INSERT INTO public.customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1000, 20000) AS g;
            ANALYZE public.customers;
            """);
        Assert.NotEqual(before, await DigestAsync(db));
    }

    [Fact]
    public async Task Different_databases_have_different_digests()
    {
        var a = await CreateDatabaseAsync();
        var b = await CreateDatabaseAsync();

        Assert.NotEqual(await DigestAsync(a), await DigestAsync(b));
    }
}
