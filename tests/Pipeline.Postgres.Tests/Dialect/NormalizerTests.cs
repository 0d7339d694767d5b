using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

public class NormalizerTests
{
    private static readonly PostgresNormalizer N = new();

    [Theory]
    [InlineData("int", "integer")]
    [InlineData("INT4", "integer")]
    [InlineData("int8", "bigint")]
    [InlineData("int2", "smallint")]
    [InlineData("serial4", "serial")]
    [InlineData("serial8", "bigserial")]
    [InlineData("float8", "double precision")]
    [InlineData("Double   Precision", "double precision")]
    [InlineData("float4", "real")]
    [InlineData("float(10)", "real")]
    [InlineData("float(53)", "double precision")]
    [InlineData("bool", "boolean")]
    [InlineData("varchar(20)", "character varying(20)")]
    [InlineData("VARCHAR ( 20 )", "character varying(20)")]
    [InlineData("character varying(20)", "character varying(20)")]
    [InlineData("varchar", "character varying")]
    [InlineData("char(3)", "character(3)")]
    [InlineData("bpchar(3)", "character(3)")]
    [InlineData("char", "character(1)")]
    [InlineData("timestamptz", "timestamp with time zone")]
    [InlineData("timestamptz(3)", "timestamp(3) with time zone")]
    [InlineData("timestamp", "timestamp without time zone")]
    [InlineData("timestamp(3)", "timestamp(3) without time zone")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "timestamp with time zone")]
    [InlineData("timetz", "time with time zone")]
    [InlineData("time", "time without time zone")]
    [InlineData("decimal(10, 2)", "numeric(10,2)")]
    [InlineData("decimal", "numeric")]
    [InlineData("varbit(8)", "bit varying(8)")]
    [InlineData("bit", "bit(1)")]
    [InlineData("int4[]", "integer[]")]
    [InlineData("text[][]", "text[][]")]
    [InlineData("pg_catalog.int4", "integer")]
    [InlineData("Order_Status", "order_status")]
    [InlineData("\"Order_Status\"", "\"Order_Status\"")]
    [InlineData("jsonb", "jsonb")]
    public void Types(string input, string expected) => Assert.Equal(expected, N.NormalizeType(input));

    [Theory]
    [InlineData("'pending'::character varying", "'pending'", "character varying(20)")]
    [InlineData("'pending'::varchar", "'pending'", "varchar(20)")]
    [InlineData("'pending'::text", "'pending'", "text")]
    [InlineData("'pending'::order_status", "'pending'", "public.order_status")]
    [InlineData("'-1'::integer", "-1", "integer")]
    [InlineData("'{}'::jsonb", "'{}'", "jsonb")]
    [InlineData("NOW()", "now()", "timestamp with time zone")]
    [InlineData("CURRENT_TIMESTAMP", "current_timestamp", "timestamptz")]
    [InlineData("(0)", "0", "integer")]
    [InlineData("((amount >= 0))", "amount >= 0", null)]
    [InlineData("amount>=0 AND status IS NOT NULL", "amount >= 0 and status is not null", null)]
    [InlineData("\"amount\" >= 0", "amount >= 0", null)]
    [InlineData("\"Amount\" >= 0", "\"Amount\" >= 0", null)]
    [InlineData("lower( email )", "lower(email)", null)]
    [InlineData("status IN ('a','b')", "status in('a', 'b')", null)]
    [InlineData("nextval('orders_id_seq'::regclass)", "nextval('orders_id_seq'::regclass)", "bigint")]
    [InlineData("'2020-01-01 00:00:00'::timestamp without time zone", "'2020-01-01 00:00:00'", "timestamp")]
    [InlineData("'x'::character varying(5)", "'x'", "varchar(5)")]
    // Check constraints as PostgreSQL 15 deparses them (pg_get_expr; observed in NormalizerDeparseTests).
    [InlineData("(rental_rate >= (0)::numeric)", "rental_rate >= 0", null)]
    [InlineData("(code <> ''::text)", "code <> ''", null)]
    public void Expressions(string input, string expected, string? columnType) =>
        Assert.Equal(expected, N.NormalizeExpression(input, columnType));

    // Equivalent spellings: each side's normal form is written out (the canonical text puts no space between a word
    // and "(", as in "lower(email)", so "and(" and "in(" are expected), so a normalizer that maps everything to the
    // same text (or changes both sides alike) fails.
    [Theory]
    [InlineData("'pending'::character varying", "varchar(20)", "'pending'")]
    [InlineData("'pending'", "varchar(20)", "'pending'")]
    [InlineData("(amount > 0) AND (status <> 'x'::text)", null, "(amount > 0) and(status <> 'x')")]
    [InlineData("(amount>0) and (status<>'x'::text)", null, "(amount > 0) and(status <> 'x')")]
    [InlineData("'-1'::integer", "int4", "-1")]
    [InlineData("-1", "int4", "-1")]
    public void Equivalent_spellings_have_the_same_normal_form(string input, string? columnType, string expected) =>
        Assert.Equal(expected, N.NormalizeExpression(input, columnType));

    [Theory]
    [InlineData("now()", "timestamptz", "now()")]
    [InlineData("CURRENT_TIMESTAMP", "timestamptz", "current_timestamp")]
    [InlineData("'A'", "text", "'A'")]
    [InlineData("'a'", "text", "'a'")]
    [InlineData("'x'::text", "integer", "'x'::text")]
    [InlineData("'x'", "integer", "'x'")]
    [InlineData("(a + b) * c", null, "(a + b) * c")]
    [InlineData("a + b * c", null, "a + b * c")]
    public void Different_expressions_keep_distinct_normal_forms(string input, string? columnType, string expected) =>
        Assert.Equal(expected, N.NormalizeExpression(input, columnType));
}
