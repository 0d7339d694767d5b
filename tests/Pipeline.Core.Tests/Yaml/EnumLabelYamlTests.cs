using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

public class EnumLabelYamlTests
{
    private const string Yaml = """
        version: 1
        schemas:
          public:
            enums:
              order_status: [pending, {name: shipped, renamedFrom: sent}, {name: delivered}]
        """;

    [Fact]
    public void A_label_may_be_a_mapping_with_renamedFrom()
    {
        var type = SchemaYamlLoader.Load(Yaml, "a.yaml").FindSchema("public")!.FindEnum("order_status")!;
        Assert.Equal(["pending", "shipped", "delivered"], type.Values);
        Assert.Equal([new EnumLabelRename("sent", "shipped")], type.Renames);
    }

    [Fact]
    public void Renamed_labels_round_trip_through_the_writer()
    {
        var model = SchemaYamlLoader.Load(Yaml, "a.yaml");
        var written = SchemaYamlWriter.Write(model);
        Assert.Contains("{name: shipped, renamedFrom: sent}", written, StringComparison.Ordinal);
        var again = SchemaYamlLoader.Load(written, "b.yaml").FindSchema("public")!.FindEnum("order_status")!;
        Assert.Equal(["pending", "shipped", "delivered"], again.Values);
        Assert.Equal([new EnumLabelRename("sent", "shipped")], again.Renames);
        Assert.Equal(written, SchemaYamlWriter.Write(SchemaYamlLoader.Load(written, "b.yaml")));
    }

    [Fact]
    public void Plain_labels_are_still_written_as_a_flow_list()
    {
        var model = SchemaYamlLoader.Load("version: 1\nschemas:\n  public:\n    enums:\n      e: [a, b]\n", "a.yaml");
        Assert.Contains("e: [a, b]", SchemaYamlWriter.Write(model), StringComparison.Ordinal);
    }
}
