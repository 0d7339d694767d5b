using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class PagilaIntrospectionTests(PostgresServer server)
{
    private static readonly string[] RegularTables =
    [
        "actor", "address", "category", "city", "country", "customer", "film", "film_actor", "film_category",
        "inventory", "language", "rental", "staff", "store", "payment",
    ];

    [Fact]
    public async Task Pagila_is_read_with_partitions_folded_into_payment()
    {
        var dir = Corpora.Require("pagila");
        var ct = TestContext.Current.CancellationToken;
        var db = await server.CreateDatabaseAsync("pagila");
        foreach (var file in new[] { "pagila-schema.sql", "pagila-data.sql" })
        {
            var result = await server.RunPsqlFileAsync(db, Path.Combine(dir, file), ct);
            Assert.True(result.Succeeded, $"{file}: {result.StandardError}");
        }

        await server.ExecuteAsync(db, "ANALYZE;");

        var model = await PostgresIntrospector.IntrospectAsync(server.ConnectionString(db), [], ct);

        var schema = Assert.Single(model.Schemas);
        Assert.Equal("public", schema.Name);
        Assert.Equal(RegularTables.Order(StringComparer.Ordinal), schema.Tables.Select(t => t.Name));
        Assert.Equal(["G", "PG", "PG-13", "R", "NC-17"], schema.FindEnum("mpaa_rating")!.Values);

        var film = schema.FindTable("film")!;
        var rating = film.FindColumn("rating")!;
        Assert.Equal("mpaa_rating", rating.Type);
        Assert.Equal("'G'::mpaa_rating", rating.Default);
        Assert.Equal("year", film.FindColumn("release_year")!.Type);
        Assert.Equal("nextval('film_film_id_seq'::regclass)", film.FindColumn("film_id")!.Default); // sequence not OWNED BY
        Assert.Contains(film.Indexes, i => i.Name == "film_fulltext_idx" && i.Method == "gist" && i.Keys.Select(k => k.ToString()).SequenceEqual(["fulltext"]));
        Assert.Contains(film.ForeignKeys, f => f.Name == "film_language_id_fkey" && f.ReferencedTable == "language"
            && f.Columns.SequenceEqual(["language_id"]) && f.OnDelete == "restrict" && f.OnUpdate == "cascade");

        var payment = schema.FindTable("payment")!;
        Assert.Equal(["payment_date", "payment_id"], payment.PrimaryKey!.Columns);
        Assert.Empty(payment.ForeignKeys); // Pagila declares payment's FKs on each partition, which are left out
        Assert.True(payment.Stats!.Rows > 10000, $"payment rows {payment.Stats.Rows} (summed over partitions)");
        Assert.True(payment.Stats.TotalBytes > 0);

        var rental = schema.FindTable("rental")!;
        Assert.True(rental.Stats!.Rows > 15000, $"rental rows {rental.Stats.Rows}");
        Assert.True(rental.Stats.Pages > 0);
        Assert.Contains(rental.Indexes, i => i.Name == "idx_unq_rental_rental_date_inventory_id_customer_id" && i.Unique);

        var fkCount = schema.Tables.Sum(t => t.ForeignKeys.Count);
        Assert.Equal(18, fkCount); // Pagila has 36: 18 on regular tables, 18 on payment partitions (left out)
    }
}
