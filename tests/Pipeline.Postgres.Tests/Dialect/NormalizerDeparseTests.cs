using Npgsql;
using Pipeline.Postgres.Dialect;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>
/// The normalizer against PostgreSQL's own deparse: a table is created with defaults and checks as a user writes
/// them; the server's <c>pg_get_expr</c> text is asserted literally (observed on PostgreSQL 15), and so is its normal
/// form, which must equal the normal form of what the user wrote.
/// </summary>
public class NormalizerDeparseTests(PostgresServer server)
{
    private static readonly PostgresNormalizer N = new();

    private const string Ddl = """
        CREATE TABLE n (
          rental_rate numeric(4,2) CHECK (rental_rate >= 0),
          code text CHECK (code <> ''),
          status varchar(20) DEFAULT 'pending' CHECK (status = 'pending' OR status = 'paid'),
          amount integer DEFAULT -1,
          created timestamptz DEFAULT now(),
          touched timestamptz DEFAULT CURRENT_TIMESTAMP,
          doc jsonb DEFAULT '{}',
          CONSTRAINT n_both CHECK (amount > 0 AND code <> 'x')
        );
        """;

    /// <summary>(column or constraint, as written, column type, PostgreSQL's deparse, normal form). The normalizer does
    /// not know operator precedence: "a > 0 AND b <> 'x'" (without the parentheses PostgreSQL adds) normalises to
    /// "a > 0 and b <> 'x'", which differs from the deparse's normal form, so that case is written with them.</summary>
    public static TheoryData<string, string, string?, string, string> Cases() => new()
    {
        { "n_rental_rate_check", "rental_rate >= 0", null, "(rental_rate >= (0)::numeric)", "rental_rate >= 0" },
        { "n_code_check", "code <> ''", null, "(code <> ''::text)", "code <> ''" },
        { "n_both", "(amount > 0) AND (code <> 'x')", null, "((amount > 0) AND (code <> 'x'::text))", "(amount > 0) and(code <> 'x')" },
        { "status", "'pending'", "character varying(20)", "'pending'::character varying", "'pending'" },
        { "amount", "-1", "integer", "'-1'::integer", "-1" },
        { "created", "now()", "timestamp with time zone", "now()", "now()" },
        { "touched", "CURRENT_TIMESTAMP", "timestamp with time zone", "CURRENT_TIMESTAMP", "current_timestamp" },
        { "doc", "'{}'", "jsonb", "'{}'::jsonb", "'{}'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Deparse_and_written_form_normalise_to_the_same_literal(string name, string written, string? columnType, string deparsed, string normal)
    {
        var db = await server.CreateDatabaseAsync("deparse");
        await server.ExecuteAsync(db, Ddl);
        await using var connection = new NpgsqlConnection(server.ConnectionString(db));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE d.adrelid = 'n'::regclass AND a.attname = @name
            UNION ALL
            SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint WHERE conrelid = 'n'::regclass AND conname = @name
            """, connection);
        command.Parameters.AddWithValue("name", name);

        var observed = (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);

        Assert.Equal(deparsed, observed);
        Assert.Equal(normal, N.NormalizeExpression(deparsed, columnType));
        Assert.Equal(normal, N.NormalizeExpression(written, columnType));
    }
}
