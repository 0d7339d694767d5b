using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect.Fragments;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect.Fragments;

public class FragmentValidatorTests
{
    private static readonly PostgresFragmentValidator V = new();

    private static IReadOnlyList<SqlFragmentProblem> Check(SqlFragmentKind kind, string text, params string[] columns) =>
        V.Validate(new SqlFragment(kind, text, new SourceLocation("f.yaml", 3, 10), "test", true, columns));

    [Theory]
    [InlineData("bigint")]
    [InlineData("double precision")]
    [InlineData("DOUBLE   PRECISION")]
    [InlineData("timestamp with time zone")]
    [InlineData("timestamp(3) without time zone")]
    [InlineData("time with time zone")]
    [InlineData("character varying(10)")]
    [InlineData("char varying(10)")]
    [InlineData("national character varying(3)")]
    [InlineData("bit varying(5)")]
    [InlineData("varchar(10)[]")]
    [InlineData("integer[][]")]
    [InlineData("integer[3]")]
    [InlineData("integer ARRAY")]
    [InlineData("integer ARRAY[4]")]
    [InlineData("numeric(10, 2)")]
    [InlineData("float(53)")]
    [InlineData("interval")]
    [InlineData("interval day to second(3)")]
    [InlineData("interval year to month")]
    [InlineData("interval(6)")]
    [InlineData("public.order_status")]
    [InlineData("\"Weird \"\"Schema\"\"\".\"Mood; x\"[]")]
    [InlineData("pg_catalog.int4")]
    [InlineData("\"char\"")]
    [InlineData("information_schema.cardinal_number")]
    [InlineData("geometry(Point, 4326)")]
    public void Type_names_of_the_grammar_are_accepted(string type) => Assert.Empty(Check(SqlFragmentKind.Type, type));

    [Theory]
    [InlineData("bigint; drop table x", "PIPE0020")]
    [InlineData("integer NOT NULL", "PIPE0026")]
    [InlineData("setof integer", "PIPE0026")]
    [InlineData("double", "PIPE0026")]
    [InlineData("timestamp with zone", "PIPE0026")]
    [InlineData("varchar(10", "PIPE0021")]
    [InlineData("int8 -- x", "PIPE0023")]
    [InlineData("'text'", "PIPE0026")]
    [InlineData("", "PIPE0026")]
    public void Other_type_text_is_rejected_with_its_code(string type, string code) =>
        Assert.Equal(code, Check(SqlFragmentKind.Type, type)[0].Code);

    [Theory]
    [InlineData("nextval('t_id_seq'::regclass)")]
    [InlineData("'a;b -- c'::text")]
    [InlineData("$$ ; $$")]
    [InlineData("$body$ it's; fine $body$ || 'x'")]
    [InlineData("E'it\\'s; \\\\ fine'")]
    [InlineData("U&'d\\0061t\\+000061'")]
    [InlineData("\"semi;colon\" IS NOT NULL")]
    [InlineData("a IS DISTINCT FROM b")]
    [InlineData("CASE WHEN a THEN NULL ELSE 1 END")]
    [InlineData("x::timestamp with time zone AT TIME ZONE 'UTC'")]
    [InlineData("/* a /* nested */ comment */ 1")]
    [InlineData("ARRAY[1, 2][1:2]")]
    [InlineData("lower(\"naïve_ß\") = 'Ünïcode; ok'")]
    [InlineData("'\u037E inside a string is data'")]
    [InlineData("(SELECT max(id) FROM other WHERE other.k = t.k)")]
    [InlineData("'^\\d+$'")]
    public void Single_expressions_are_accepted(string expression) => Assert.Empty(Check(SqlFragmentKind.Expression, expression));

    [Theory]
    [InlineData("1\u037E DROP TABLE t", "PIPE0024", "GREEK QUESTION MARK")]
    [InlineData("1\uFF1B DROP TABLE t", "PIPE0024", "FULLWIDTH SEMICOLON")]
    [InlineData("z \u202E> 0", "PIPE0024", "RIGHT-TO-LEFT OVERRIDE")]
    [InlineData("1 /* \u2066 */", "PIPE0024", "LEFT-TO-RIGHT ISOLATE")]
    [InlineData("'a' || 'b\\' || '; DROP TABLE t; --'", "PIPE0029", "standard_conforming_strings")]
    [InlineData("1 \\! rm -rf /", "PIPE0023", "meta-command")]
    [InlineData("a[1:n]", "PIPE0023", "psql variable")]
    [InlineData("1, DROP COLUMN id", "PIPE0025", "','")]
    [InlineData("1 NOT NULL", "PIPE0025", "NOT NULL")]
    [InlineData("0 WHERE true", "PIPE0025", "WHERE")]
    public void Tricks_are_rejected_naming_what_they_are(string expression, string code, string named)
    {
        var problem = Check(SqlFragmentKind.Expression, expression)[0];
        Assert.Equal(code, problem.Code);
        Assert.Contains(named, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_problem_in_a_plain_scalar_points_at_its_column()
    {
        var fragment = new SqlFragment(SqlFragmentKind.Expression, "1; DELETE FROM t", new SourceLocation("f.yaml", 7, 22), "'default'", OffsetsAreColumns: true);
        var problem = Assert.Single(V.Validate(fragment));
        Assert.Equal(new SourceLocation("f.yaml", 7, 23), fragment.LocationAt(problem.Offset));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("id DESC")]
    [InlineData("id desc nulls last")]
    [InlineData("semi;colon ASC")]
    [InlineData("(lower(email))")]
    [InlineData("(lower(email)) text_pattern_ops DESC NULLS FIRST")]
    [InlineData("((a || ' ' || b)) COLLATE \"C\" DESC")]
    [InlineData("(a) gist_trgm_ops(siglen = 32)")]
    [InlineData("slug varchar_pattern_ops")]
    [InlineData("code COLLATE \"C\" DESC NULLS LAST")]
    [InlineData("code COLLATE pg_catalog.\"C\" public.text_pattern_ops ASC")]
    [InlineData("(lower(title)) text_pattern_ops")]
    public void Index_keys_are_accepted(string key) =>
        Assert.Empty(Check(SqlFragmentKind.IndexKey, key, "id", "semi;colon", "email", "a", "b", "slug", "code", "title"));

    [Theory]
    [InlineData("id DESC ); DROP TABLE users ; --")]
    [InlineData("id DESC, id")]
    [InlineData("nope DESC")]
    [InlineData("(lower(email)) DESC; DROP TABLE t")]
    [InlineData("(email) NULLS")]
    [InlineData("slug a;b")]
    [InlineData("slug varchar_pattern_ops(siglen=1)")]
    [InlineData("slug x y")]
    [InlineData("code COLLATE")]
    [InlineData("code COLLATE \"C.x; DROP TABLE t; --\"")]
    [InlineData("code COLLATE \"C\" DESC NULLS LAST; DROP TABLE t")]
    [InlineData("code text_pattern_ops -- x")]
    public void Other_index_keys_are_rejected(string key) =>
        Assert.NotEmpty(Check(SqlFragmentKind.IndexKey, key, "id", "email", "slug", "code"));

    [Theory]
    [InlineData(SqlFragmentKind.Identifier, "btree", true)]
    [InlineData(SqlFragmentKind.Identifier, "gist;", false)]
    [InlineData(SqlFragmentKind.Identifier, "\"btree\"", false)]
    [InlineData(SqlFragmentKind.QualifiedName, "pg_catalog.\"de-DE-x-icu\"", true)]
    [InlineData(SqlFragmentKind.QualifiedName, "\"C\" DESC", false)]
    [InlineData(SqlFragmentKind.Operator, "&&", true)]
    [InlineData(SqlFragmentKind.Operator, "OPERATOR(pg_catalog.=)", true)]
    [InlineData(SqlFragmentKind.Operator, "= 1", false)]
    [InlineData(SqlFragmentKind.OptionValue, "70", true)]
    [InlineData(SqlFragmentKind.OptionValue, "-1", true)]
    [InlineData(SqlFragmentKind.OptionValue, "'x'", true)]
    [InlineData(SqlFragmentKind.OptionValue, "70, autovacuum_enabled = off", false)]
    public void Element_kinds_have_their_own_grammar(SqlFragmentKind kind, string text, bool accepted) =>
        Assert.Equal(accepted, Check(kind, text).Count == 0);
}
