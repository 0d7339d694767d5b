using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.Core.Tests.Support;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

public class SqlFragmentCollectorTests
{
    private const string Yaml = """
        version: 1
        schemas:
          public:
            tables:
              t:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                  - name: z
                    type: "integer"
                    default: 1 + 1
                    backfill: id % 7
                    using: z::integer
                primaryKey: [id]
                indexes:
                  - name: t_z_idx
                    columns: [z DESC, "(z + 1)"]
                    where: z > 0
                    method: btree
                checks:
                  - name: t_z_check
                    expression: z >= 0
        """;

    [Fact]
    public void Every_registered_field_is_found_with_its_node_location_and_a_description()
    {
        var document = SchemaYamlLoader.LoadDocument(Yaml, "f.yaml");

        var found = document.Fragments.Select(f => (f.Kind, f.Text, f.Location.Line, f.Location.Column, f.Field)).ToList();
        Assert.Equal(
            [
                (SqlFragmentKind.Type, "bigint", 8, 19, "'type' of column 'id' of table 'public.t'"),
                (SqlFragmentKind.Type, "integer", 11, 19, "'type' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "1 + 1", 12, 22, "'default' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "id % 7", 13, 23, "'backfill' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z::integer", 14, 20, "'using' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z >= 0", 23, 25, "'expression' of check 't_z_check' of table 'public.t'"),
                (SqlFragmentKind.IndexKey, "z DESC", 18, 23, "item 1 of 'columns' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.IndexKey, "(z + 1)", 18, 31, "item 2 of 'columns' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z > 0", 19, 20, "'where' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.Identifier, "btree", 20, 21, "'method' of index 't_z_idx' of table 'public.t'"),
            ],
            found);
        Assert.Equal(SqlFragmentFields.All.Select(f => f.Kind).Distinct().Order(), document.Fragments.Select(f => f.Kind).Distinct().Order());
        Assert.All(document.Fragments, f => Assert.Equal(["id", "z"], f.TableColumns));
        Assert.False(document.Fragments[1].OffsetsAreColumns); // quoted
        Assert.True(document.Fragments[2].OffsetsAreColumns); // plain, one line
        Assert.Equal(new SourceLocation("f.yaml", 12, 24), document.Fragments[2].LocationAt(2));
    }

    [Fact]
    public void The_core_check_reports_each_problem_at_its_location_in_document_order()
    {
        var document = SchemaYamlLoader.LoadDocument(Yaml.Replace("where: z > 0", "where: z > 0; x", StringComparison.Ordinal)
            .Replace("default: 1 + 1", "default: \"1; 2\"", StringComparison.Ordinal), "f.yaml");

        var errors = SqlFragmentCheck.Check(document, new FakeDialect());

        Assert.Equal(
            [
                "f.yaml(12,22): error PIPE0020: 'default' of column 'z' of table 'public.t': holds a semicolon (character 2 of the value)",
                "f.yaml(19,25): error PIPE0020: 'where' of index 't_z_idx' of table 'public.t': holds a semicolon",
            ],
            errors.Select(e => e.ToCanonical("f.yaml")));
    }
}
