using System.Text.RegularExpressions;
using Xunit;

namespace Pipeline.Cli.Tests.Fragments;

/// <summary>
/// A corpus of malicious and malformed fragments, in every YAML field that holds SQL: each one makes
/// <c>pipeline plan</c> exit 2 with a <c>file(line,col): error PIPE00xx</c> line at the field, and no plan is written.
/// </summary>
public class MaliciousFragmentTests
{
    /// <summary>Bad in any expression field (default, backfill, using, check, where).</summary>
    private static readonly string[] BadExpressions =
    [
        "1; DELETE FROM public.t WHERE id < 5000",
        "1;",
        ";",
        "(SELECT 1); DROP TABLE t",
        "1 /* ok */ ; SELECT 1",
        "'x' || $q$ ; $q$ || 1 ;",
        "now() -- trailing comment",
        "1 --",
        "1 /* unterminated",
        "/* /* nested */ 1",
        "'abc",
        "E'abc\\'",
        "'it''s",
        "$$abc",
        "$tag$abc$tag",
        "$a$ x $b$",
        "\"unterminated",
        "\"\" + 1",
        "1)",
        "(1",
        "[1",
        "1]",
        "(1]",
        "lower(z))) ; DROP TABLE t; SELECT ((1",
        "1 \\! rm -rf /",
        "1 \\gexec",
        ":USER",
        "z + :'v'",
        "1\u037E DROP TABLE t",
        "1\uFF1B DROP TABLE t",
        "1\u200B",
        "z \u202E> 0",
        "1\u00A0+ 1",
        "z \u2212 1",
        "\u2018x\u2019",
        "1 {",
        "'a' || 'b\\' || '; DROP TABLE t; --'",
        "1, ADD COLUMN q integer",
        "1 NOT NULL",
        "1 NULL",
        "0 WHERE true",
        "z FROM pg_class",
        "1 CHECK (false)",
        "1 REFERENCES t (id)",
        "1 RETURNING *",
        "1 GENERATED ALWAYS AS IDENTITY",
        "$1",
        "",
        "   ",
    ];

    private static readonly string[] ExpressionFields = ["default", "backfill", "using", "check", "where"];

    private static readonly string[] BadTypes =
    [
        "bigint; drop table x",
        "bigint -- x",
        "int) ; DROP TABLE t; --",
        "varchar(10",
        "varchar(10))",
        "integer DEFAULT 1",
        "integer NOT NULL",
        "text COLLATE \"C\"",
        "setof integer",
        "int[",
        "int[]]",
        "double",
        "timestamp with time",
        "character varying(10) PRIMARY KEY",
        "\"unterminated",
        "int\u037E",
        "int, z2 int",
        "integer /* x",
        "$$int$$",
        "'text'",
        "int8 \\gexec",
        "numeric(10, 2) USING x",
        "public..t",
        "integer array[3][4]",
        "interval year to",
        "bit varying(3",
    ];

    private static readonly string[] BadKeys =
    [
        "id DESC ); DROP TABLE users ; --",
        "id DESC NULLS",
        "id DESC, id",
        "id ASC DESC",
        "id DESC NULLS FIRST LAST",
        "(lower(z::text)",
        "(lower(z::text)))",
        "(z) ; DROP TABLE t",
        "(z) DESC NULLS sometimes",
        "(z) COLLATE",
        "(z) -- x",
        "(z) text_ops(siglen",
        "(z, 1)",
        "(z) DESC DESC",
        "(z) DESC; DROP TABLE t",
        "(z\u037E)",
    ];

    private static readonly string[] BadMethods =
    [
        "btree;",
        "btree USING gist",
        "gist (id); DROP TABLE t; --",
        "\"btree\"",
        "btree -- x",
        "b tree",
        "hash\u200B",
        "(btree)",
        "btree)",
        "btree,gist",
        "",
    ];

    /// <summary>Expression fields added with structured keys, generated columns and exclusion constraints: a sample
    /// of <see cref="BadExpressions"/> each (every third one) to keep the run short.</summary>
    private static readonly string[] MoreExpressionFields = ["generated", "keyexpression", "xexpression", "xwhere"];

    /// <summary>Bad collation or operator class names (a qualified name).</summary>
    private static readonly string[] BadNames =
    [
        "C; DROP TABLE t",
        "text_pattern_ops) ; DROP TABLE t; --",
        "text_ops -- x",
        "a b",
        "public..x",
        "\"unterminated",
        "x\u037E",
        "text_ops(siglen = 1)",
        "'C'",
        "",
    ];

    private static readonly string[] NameFields = ["collation", "opclass", "xcollation", "xopclass"];

    private static readonly string[] BadOperators =
    [
        "&&; DROP TABLE t",
        "= ) ; DROP TABLE t; --",
        "&& -- x",
        "OPERATOR(pg_catalog.=",
        "= =",
        "overlaps",
        "&& 1",
        "",
    ];

    private static readonly string[] BadOptionValues =
    [
        "70); DROP TABLE t; --",
        "70 -- x",
        "1, autovacuum_enabled = off",
        "'unterminated",
        "x y",
        "(70)",
    ];

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (var field in MoreExpressionFields)
        {
            foreach (var value in BadExpressions.Where((_, i) => i % 3 == 0))
            {
                data.Add(field, value);
            }
        }

        foreach (var field in NameFields)
        {
            foreach (var value in BadNames)
            {
                data.Add(field, value);
            }
        }

        foreach (var value in BadOperators)
        {
            data.Add("xoperator", value);
        }

        foreach (var field in new[] { "with", "xwith" })
        {
            foreach (var value in BadOptionValues)
            {
                data.Add(field, value);
            }
        }

        foreach (var value in BadMethods)
        {
            data.Add("xmethod", value);
        }

        return Original(data);
    }

    private static TheoryData<string, string> Original(TheoryData<string, string> data)
    {
        foreach (var field in ExpressionFields)
        {
            foreach (var value in BadExpressions)
            {
                data.Add(field, value);
            }
        }

        foreach (var value in BadTypes)
        {
            data.Add("type", value);
        }

        foreach (var value in BadKeys)
        {
            data.Add("key", value);
        }

        foreach (var value in BadMethods)
        {
            data.Add("method", value);
        }

        return data;
    }

    [Fact]
    public void The_corpus_covers_every_sql_field_with_at_least_100_fragments()
    {
        var corpus = Corpus();
        Assert.True(corpus.Count >= 100, $"{corpus.Count} cases");
        Assert.Equal(FragmentYaml.Legit.Keys.Order(), corpus.Select(row => (string)row.Data.Item1).Distinct().Order());
        Assert.Equal(
            Pipeline.Core.Fragments.SqlFragmentFields.All.Count,
            FragmentYaml.Legit.Count);
    }

    [Fact]
    public async Task The_template_with_legitimate_values_plans()
    {
        using var folder = new TempFolder();
        var (yaml, _) = FragmentYaml.With("type", "integer");
        var schema = folder.File("ok.schema.yaml", yaml);

        var result = await Cli.RunAsync("plan", schema, "--out", folder.File("plan"));

        Assert.True(result.ExitCode == 0, result.All);
        Assert.True(File.Exists(Path.Combine(folder.File("plan"), "plan.json")));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Is_exit_2_at_the_field_and_writes_no_plan(string field, string value)
    {
        using var folder = new TempFolder();
        var (yaml, line) = FragmentYaml.With(field, value);
        var schema = folder.File("bad.schema.yaml", yaml);
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", schema, "--out", plan);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.All}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var pattern = new Regex("^" + Regex.Escape(schema) + @"\((\d+),(\d+)\): error (PIPE00(02|2\d)): ");
        foreach (var l in lines)
        {
            var m = pattern.Match(l);
            Assert.True(m.Success, $"not a canonical error line: {l}");
            Assert.Equal(line, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.False(Directory.Exists(plan), "a plan folder was written");
    }
}
