using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

/// <summary>A large schema's YAML is written in two halves on two threads and joined: the text must be the one a
/// single emitter writes, byte for byte, wherever the cut falls.</summary>
public class SchemaYamlWriterHalvesTests
{
    private static void AssertSameAsOneEmitter(DatabaseModel model, string? url = "./pipeline.schema.json")
    {
        var halves = SchemaYamlWriter.WriteInTwo(model, url, 0);
        Assert.NotNull(halves);
        Assert.Equal(SchemaYamlWriter.Write(model, url, int.MaxValue), halves);
    }

    /// <summary>Random models (awkward names, quoting, flow and block forms) glued into schemas of several tables
    /// each, so the cut falls inside a schema's tables or between two schemas.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 4)]
    public void Halves_join_into_the_one_emitter_text(int seed, int schemas)
    {
        var generator = new ModelGenerator(seed);
        var tables = Enumerable.Range(0, 12).SelectMany(_ => generator.Next().Schemas.SelectMany(s => s.Tables))
            .DistinctBy(t => t.Name).ToList();
        Assert.True(tables.Count >= 4, "the generator gave too few tables for a cut");
        var first = generator.Next();
        var model = first with
        {
            Exclude = ["audit.*"],
            Schemas = Enumerable.Range(0, schemas).Select(i => new SchemaModel(
                i == 0 ? "public" : "s" + i,
                tables.Where((_, k) => k % schemas == i).ToList(),
                i % 2 == 0 ? [new EnumTypeModel("mood", ["happy", "sad"])] : [])).ToList(),
        };
        AssertSameAsOneEmitter(model);
        AssertSameAsOneEmitter(model, null);
    }

    [Fact]
    public void A_cut_between_two_schemas_joins_and_so_does_a_sql_server_model()
    {
        static TableModel T(string name) => new(name, [new ColumnModel("id", "bigint", false), new ColumnModel("note", "text", true)], new PrimaryKeyModel(name + "_pkey", ["id"]));
        var model = new DatabaseModel(
        [
            new SchemaModel("a", [T("t1"), T("t2")], []),
            new SchemaModel("b: quoted", [T("t3"), T("t4")], [new EnumTypeModel("e", ["x"])]),
            new SchemaModel("empty", [], []),
        ], []);
        AssertSameAsOneEmitter(model);
        AssertSameAsOneEmitter(model with { Dialect = DatabaseModel.SqlServerDialect });
    }

    [Fact]
    public void Small_or_uncuttable_schemas_are_written_by_one_emitter()
    {
        var one = new DatabaseModel([new SchemaModel("public", [new TableModel("t", [new ColumnModel("id", "int", false)])], [])], []);
        Assert.Null(SchemaYamlWriter.WriteInTwo(one, null, 0));
        Assert.Null(SchemaYamlWriter.WriteInTwo(DatabaseModel.Empty, null, 0));
        var two = one with { Schemas = [one.Schemas[0] with { Tables = [one.Schemas[0].Tables[0], one.Schemas[0].Tables[0] with { Name = "u" }] }] };
        Assert.Null(SchemaYamlWriter.WriteInTwo(two, null, 100));
        Assert.NotNull(SchemaYamlWriter.WriteInTwo(two, null, 4));
    }
}
