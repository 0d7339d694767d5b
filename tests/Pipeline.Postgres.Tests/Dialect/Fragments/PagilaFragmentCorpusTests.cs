using Npgsql;
using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect.Fragments;
using Pipeline.Postgres.Introspection;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect.Fragments;

/// <summary>
/// Legitimate fragments, taken at test time from what PostgreSQL itself deparses for real schemas: Pagila (read in
/// place from <c>shared/corpora/pagila</c>; its defaults and checks via <c>pg_get_expr</c>, its index keys and
/// predicates via <c>pg_get_indexdef</c>/<c>pg_get_expr</c>, its column types via <c>format_type</c>, its index
/// methods) and the server's own catalogs (<c>pg_catalog</c> index keys, <c>information_schema</c> domain checks, the
/// column types of both). Every one must be
/// accepted, and every type must resolve with <c>to_regtype</c>.
/// </summary>
public class PagilaFragmentCorpusTests(PostgresServer server)
{
    private static readonly PostgresFragmentValidator Validator = new();

    private const string Defaults = """
        SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
        JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace = 'public'::regnamespace
        """;

    private const string Checks = """
        SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint
        WHERE contype = 'c' AND connamespace IN ('public'::regnamespace, 'information_schema'::regnamespace)
        """;

    private const string IndexKeys = """
        SELECT CASE WHEN i.indkey[k.n - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k.n, true) ELSE a.attname::text END,
               i.indkey[k.n - 1] = 0, (i.indoption[k.n - 1] & 1) = 1
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        CROSS JOIN LATERAL generate_series(1, i.indnkeyatts) AS k(n)
        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1]
        WHERE c.relnamespace IN ('public'::regnamespace, 'pg_catalog'::regnamespace)
        """;

    private const string Predicates = """
        SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace AND i.indpred IS NOT NULL
        """;

    private const string Methods = """
        SELECT DISTINCT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relkind IN ('i', 'I')
        """;

    private const string Types = """
        SELECT DISTINCT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')
          AND c.relnamespace IN ('public'::regnamespace, 'pg_catalog'::regnamespace, 'information_schema'::regnamespace)
        """;

    [Fact]
    public async Task Every_deparsed_fragment_is_accepted_and_every_type_resolves()
    {
        var db = await LoadPagilaAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString(db));
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        var corpus = new List<(SqlFragmentKind Kind, string Text)>();
        corpus.AddRange((await ColumnAsync(connection, Defaults)).Select(t => (SqlFragmentKind.Expression, t)));
        corpus.AddRange((await ColumnAsync(connection, Checks)).Select(t => (SqlFragmentKind.Expression, t)));
        corpus.AddRange((await ColumnAsync(connection, Predicates)).Select(t => (SqlFragmentKind.Expression, t)));
        corpus.AddRange((await ColumnAsync(connection, Methods)).Select(t => (SqlFragmentKind.Identifier, t)));
        var types = await ColumnAsync(connection, Types);
        corpus.AddRange(types.Select(t => (SqlFragmentKind.Type, t)));
        await using (var command = new NpgsqlCommand(IndexKeys, connection))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                // The model's spelling of a key, as introspection writes it into YAML (IndexKeyText.Keys: the attname, or
                // the deparse without one outer pair of parentheses; the short form is IndexKeyModel.ToString()).
                var text = reader.GetString(0);
                var key = reader.GetBoolean(1)
                    ? new IndexKeyModel(null, IndexKeyText.IsParenthesized(text) ? text[1..^1] : text, Descending: reader.GetBoolean(2))
                    : new IndexKeyModel(text, Descending: reader.GetBoolean(2));
                corpus.Add((SqlFragmentKind.IndexKey, key.ToString()));
            }
        }

        var distinct = corpus.Distinct().ToList();
        var figure = "legitimate fragments: " + string.Join(", ", distinct.GroupBy(f => f.Kind).Select(g => $"{g.Key} {g.Count()}"))
            + $" ({distinct.Count} distinct of {corpus.Count})";
        TestContext.Current.TestOutputHelper?.WriteLine(figure);
        Assert.True(distinct.Count >= 100, figure);
        Assert.Contains(distinct, f => f.Kind == SqlFragmentKind.Expression && f.Text.Contains("nextval(", StringComparison.Ordinal));
        Assert.Contains(distinct, f => f.Kind == SqlFragmentKind.IndexKey && f.Text.StartsWith('('));
        Assert.Contains(distinct, f => f.Kind == SqlFragmentKind.Type && f.Text.Contains(' ', StringComparison.Ordinal));

        var rejected = distinct
            .Select(f => (f, Problems: Validator.Validate(new SqlFragment(f.Kind, f.Text, new SourceLocation("pagila", 1, 1), "corpus"))))
            .Where(x => x.Problems.Count > 0)
            .Select(x => $"{x.f.Kind} '{x.f.Text}': {string.Join("; ", x.Problems.Select(p => $"{p.Code} {p.Message}"))}")
            .ToList();
        Assert.True(rejected.Count == 0, figure + "\n" + string.Join("\n", rejected));

        var unknown = await PostgresTypeCheck.UnknownAsync(connection, types, TestContext.Current.CancellationToken);
        Assert.Empty(unknown);
    }

    private async Task<string> LoadPagilaAsync()
    {
        var dir = Corpora.Find("pagila");
        if (dir is null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("Pagila corpus not found under CI=true (looked in " + Corpora.SearchDescription + ")");
        }

        Assert.SkipWhen(dir is null, "Pagila corpus not found (looked in " + Corpora.SearchDescription + ")");
        var db = await server.CreateDatabaseAsync("pagilafrag");
        var result = await server.RunPsqlFileAsync(db, Path.Combine(dir!, "pagila-schema.sql"), TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded, result.StandardError);

        // Pagila has no expression index; add a few typical ones so PostgreSQL's deparse of expression keys and
        // predicates is in the corpus too (the text tested is still what the server prints).
        await server.ExecuteAsync(db, """
            CREATE INDEX customer_lower_email_idx ON customer (lower(email)) WHERE activebool;
            CREATE INDEX customer_full_name_idx ON customer ((first_name || ' ' || last_name) DESC NULLS LAST);
            CREATE INDEX rental_open_idx ON rental ((inventory_id % 10), customer_id) WHERE return_date IS NULL;
            CREATE INDEX film_title_pattern_idx ON film (lower(title) text_pattern_ops);
            """);
        return db;
    }

    private static async Task<List<string>> ColumnAsync(NpgsqlConnection connection, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
