using System.Text.Json;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

/// <summary>Keeps <c>schema/pipeline.schema.json</c> in step with the keys the loader accepts.</summary>
public class JsonSchemaTests
{
    internal static string SchemaFolderFile(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "schema", "pipeline.schema.json")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "schema", name);
    }

    private static JsonElement LoadSchema()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SchemaFolderFile("pipeline.schema.json")));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void The_example_in_FORMAT_md_loads()
    {
        var text = File.ReadAllText(SchemaFolderFile("FORMAT.md")).Replace("\r\n", "\n");
        var start = text.IndexOf("```yaml\n", text.IndexOf("## Example", StringComparison.Ordinal), StringComparison.Ordinal) + 8;
        var yaml = text[start..text.IndexOf("```", start, StringComparison.Ordinal)];

        var model = SchemaYamlLoader.Load(yaml, "FORMAT.md");

        Assert.Equal(["countries", "customers"], model.Schemas[0].Tables.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal("customers_country_id_fkey", model.FindTable("public", "customers")!.ForeignKeys[0].Name);
    }

    private static JsonElement Definition(JsonElement schema, string name) =>
        schema.GetProperty("definitions").GetProperty(name);

    public static TheoryData<string, string[]> KeySets => new()
    {
        { "", [.. YamlKeys.Root] },
        { "schema", [.. YamlKeys.Schema] },
        { "enumLabel", [.. YamlKeys.EnumLabel] },
        { "table", [.. YamlKeys.Table] },
        { "column", [.. YamlKeys.Column] },
        { "primaryKey", [.. YamlKeys.PrimaryKey] },
        { "unique", [.. YamlKeys.Unique] },
        { "index", [.. YamlKeys.Index] },
        { "foreignKey", [.. YamlKeys.ForeignKey] },
        { "references", [.. YamlKeys.References] },
        { "check", [.. YamlKeys.Check] },
        { "exclusion", [.. YamlKeys.Exclusion] },
        { "exclusionElement", [.. YamlKeys.ExclusionElement] },
    };

    [Fact]
    public void Index_key_mapping_form_matches_the_loader_keys()
    {
        var key = Definition(LoadSchema(), "indexKey");
        var forms = key.GetProperty("oneOf").EnumerateArray().ToList();
        Assert.Equal("string", forms[0].GetProperty("type").GetString());
        var mapping = forms[1];
        Assert.False(mapping.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(
            YamlKeys.IndexKey.Order(StringComparer.Ordinal),
            mapping.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(YamlKeys.KeyOrders, mapping.GetProperty("properties").GetProperty("order").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(YamlKeys.NullsOrders, mapping.GetProperty("properties").GetProperty("nulls").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            "#/definitions/indexKey",
            Definition(LoadSchema(), "index").GetProperty("properties").GetProperty("columns").GetProperty("items").GetProperty("$ref").GetString());
    }

    [Theory]
    [MemberData(nameof(KeySets))]
    public void Schema_properties_match_the_loader_keys(string definition, string[] loaderKeys)
    {
        var schema = LoadSchema();
        var node = definition.Length == 0 ? schema : Definition(schema, definition);
        var properties = node.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal(loaderKeys.Order(StringComparer.Ordinal), properties.Order(StringComparer.Ordinal));
        Assert.False(node.GetProperty("additionalProperties").GetBoolean());
        foreach (var property in node.GetProperty("properties").EnumerateObject())
        {
            Assert.True(
                property.Value.TryGetProperty("description", out var description) && description.GetString()!.Length > 0,
                $"{definition}.{property.Name} has no description");
        }
    }

    [Fact]
    public void Enumerated_values_match_the_loader()
    {
        var schema = LoadSchema();
        var column = Definition(schema, "column").GetProperty("properties");
        var identity = column.GetProperty("identity").GetProperty("oneOf").EnumerateArray().ToList();
        Assert.Equal(YamlKeys.IdentityValues, identity[0].GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        // SQL Server's IDENTITY(seed, increment) form.
        Assert.Equal(YamlKeys.Identity, identity[1].GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(YamlKeys.Dialects, schema.GetProperty("properties").GetProperty("dialect").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var fk = Definition(schema, "foreignKey").GetProperty("properties");
        foreach (var action in new[] { "onDelete", "onUpdate" })
        {
            Assert.Equal(YamlKeys.ReferentialActions, fk.GetProperty(action).GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Equal(YamlKeys.MatchTypes, fk.GetProperty("match").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        Assert.Equal("http://json-schema.org/draft-07/schema#", schema.GetProperty("$schema").GetString());
        Assert.Equal(1, schema.GetProperty("properties").GetProperty("version").GetProperty("const").GetInt32());
    }
}
