using Pipeline.Postgres.Rehearsal.Load;
using Xunit;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>The load file reader and the attribution of client statements to steps (no database).</summary>
public class LoadFileTests
{
    [Fact]
    public void The_load_format_and_the_pg_stat_statements_list_are_read()
    {
        var specs = LoadFile.Parse("""
            statements:
              - name: read
                sql: SELECT * FROM t WHERE id = $1 AND kind = $2
                weight: 3
                params: [{range: [1, 10]}, {values: [a, b]}]
              - sql: UPDATE t SET n = n + 1 WHERE id = $1
                params: [{sample: public.t.id}]
            """, "load.yaml");
        Assert.Equal(["read", "UPDATE t SET n = n"], specs.Select(s => s.Name));
        Assert.Equal([3.0, 1.0], specs.Select(s => s.Weight));
        Assert.Equal([LoadParameterKind.Range, LoadParameterKind.Values], specs[0].Parameters!.Select(p => p.Kind));
        Assert.Equal((1L, 10L), (specs[0].Parameters![0].Min, specs[0].Parameters![0].Max));
        Assert.Equal("public.t.id", specs[1].Parameters![0].Column);

        var top = LoadFile.Parse("""[{"query": "SELECT 1", "calls": 42}, {"query": "SELECT * FROM t WHERE id = $1", "calls": 7}]""", "top.json");
        Assert.Equal([42.0, 7.0], top.Select(s => s.Weight));
        Assert.All(top, s => Assert.Null(s.Parameters));
    }

    [Theory]
    [InlineData("statements:\n  - sql: SELECT $1\n", "load.yaml(2,5): the SQL uses 1 parameter(s) ($1…$1) but `params:` lists 0")]
    [InlineData("statements:\n  - sql: SELECT $1\n    params: [{ranges: [1, 2]}]\n", "load.yaml(3,15): unknown parameter source 'ranges'")]
    [InlineData("statements:\n  - sql: SELECT 1\n    weight: -1\n", "load.yaml(2,5): weight must be positive")]
    [InlineData("statements:\n  - sql: SELECT $1\n    params: [{range: [5, 1]}]\n", "load.yaml(3,22): range: min is above max")]
    [InlineData("statements:\n  - sql: SELECT $1\n    params: [{sample: t}]\n", "load.yaml(3,23): 't' is not [schema.]table.column")]
    [InlineData("statements: [\n", "load.yaml(2,1): invalid YAML/JSON")]
    [InlineData("rows: 3\n", "load.yaml(1,1): expected `statements:`")]
    public void Bad_load_files_name_file_line_and_column(string text, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => LoadFile.Parse(text, "load.yaml"));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_statement_counts_toward_the_step_it_overlaps_most()
    {
        StepWindow[] windows = [new(1, 100, 200), new(2, 205, 1500), new(3, 1502, 1600)];
        Assert.Equal(1, LoadFigures.Attribute(windows, 150, 151));
        Assert.Equal(2, LoadFigures.Attribute(windows, 190, 1503)); // blocked by step 2, finished just after it
        Assert.Null(LoadFigures.Attribute(windows, 201, 204)); // between steps: the executor's journal
        Assert.Null(LoadFigures.Attribute(windows, 10, 20));
        Assert.Equal(3, LoadFigures.Attribute(windows, 1550, 1550)); // instantaneous, inside step 3
    }
}
