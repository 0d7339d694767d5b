using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

public class VolatilityAndTypeRulesTests
{
    [Theory]
    [InlineData("0", false)]
    [InlineData("'pending'", false)]
    [InlineData("now()", false)]
    [InlineData("CURRENT_TIMESTAMP", false)]
    [InlineData("pg_catalog.now()", false)]
    [InlineData("lower('X') || 'y'", false)]
    [InlineData("'{}'::jsonb", false)]
    [InlineData("CAST('1' AS numeric(10,2))", false)]
    [InlineData("'1.5'::numeric(10,2)", false)]
    [InlineData("random()", true)]
    [InlineData("gen_random_uuid()", true)]
    [InlineData("clock_timestamp()", true)]
    [InlineData("nextval('s'::regclass)", true)]
    [InlineData("public.my_func()", true)]
    [InlineData("(SELECT 1)", true)]
    public void Volatility(string expression, bool volatileExpected) =>
        Assert.Equal(volatileExpected, ExpressionVolatility.IsVolatile(expression));

    [Theory]
    [InlineData("character varying(10)", "character varying(10)", null, true)]
    [InlineData("character varying(10)", "character varying(9)", null, false)]
    [InlineData("character varying(10)", "character varying(20)", "c::varchar(20)", false)]
    [InlineData("bit(5)", "bit varying", null, true)]
    [InlineData("interval(3)", "interval", null, true)]
    [InlineData("integer[]", "bigint[]", null, false)]
    [InlineData("numeric(10)", "numeric(12)", null, true)]
    [InlineData("numeric", "numeric(12,2)", null, false)]
    [InlineData("character(5)", "text", null, false)]
    public void In_place_type_changes(string from, string to, string? usingExpr, bool expected) =>
        Assert.Equal(expected, TypeChangeRules.IsInPlace(PostgresTypeNames.Normalize(from), PostgresTypeNames.Normalize(to), usingExpr));
}
