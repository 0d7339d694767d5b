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
              u:
                columns:
                  - name: a
                    type: text
                  - name: g
                    type: text
                    generated: lower(a)
                indexes:
                  - name: u_a_idx
                    columns:
                      - {expression: upper(a), collation: C, opclass: text_pattern_ops}
                    with: {fillfactor: 70}
                exclusions:
                  - name: u_a_excl
                    method: gist
                    elements:
                      - {expression: "a", collation: "C", opclass: gist_trgm_ops, operator: "="}
                    where: a <> ''
                    with: {buffering: auto}
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
                (SqlFragmentKind.Type, "text", 27, 19, "'type' of column 'a' of table 'public.u'"),
                (SqlFragmentKind.Type, "text", 29, 19, "'type' of column 'g' of table 'public.u'"),
                (SqlFragmentKind.Expression, "1 + 1", 12, 22, "'default' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "id % 7", 13, 23, "'backfill' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z::integer", 14, 20, "'using' of column 'z' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z >= 0", 23, 25, "'expression' of check 't_z_check' of table 'public.t'"),
                (SqlFragmentKind.IndexKey, "z DESC", 18, 23, "item 1 of 'columns' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.IndexKey, "(z + 1)", 18, 31, "item 2 of 'columns' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.Expression, "z > 0", 19, 20, "'where' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.Identifier, "btree", 20, 21, "'method' of index 't_z_idx' of table 'public.t'"),
                (SqlFragmentKind.Expression, "lower(a)", 30, 24, "'generated' of column 'g' of table 'public.u'"),
                (SqlFragmentKind.Expression, "upper(a)", 34, 30, "'expression' of column 1 of index 'u_a_idx' of table 'public.u'"),
                (SqlFragmentKind.QualifiedName, "C", 34, 51, "'collation' of column 1 of index 'u_a_idx' of table 'public.u'"),
                (SqlFragmentKind.QualifiedName, "text_pattern_ops", 34, 63, "'opclass' of column 1 of index 'u_a_idx' of table 'public.u'"),
                (SqlFragmentKind.OptionValue, "70", 35, 32, "storage parameter 'fillfactor' of index 'u_a_idx' of table 'public.u'"),
                (SqlFragmentKind.Expression, "a <> ''", 41, 20, "'where' of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.Identifier, "gist", 38, 21, "'method' of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.OptionValue, "auto", 42, 31, "storage parameter 'buffering' of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.Expression, "a", 40, 30, "'expression' of element 1 of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.QualifiedName, "C", 40, 46, "'collation' of element 1 of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.QualifiedName, "gist_trgm_ops", 40, 60, "'opclass' of element 1 of exclusion constraint 'u_a_excl' of table 'public.u'"),
                (SqlFragmentKind.Operator, "=", 40, 85, "'operator' of element 1 of exclusion constraint 'u_a_excl' of table 'public.u'"),
            ],
            found);
        Assert.Equal(SqlFragmentFields.All.Select(f => f.Kind).Distinct().Order(), document.Fragments.Select(f => f.Kind).Distinct().Order());
        Assert.All(document.Fragments, f => Assert.Equal(f.Field.EndsWith("'public.u'", StringComparison.Ordinal) ? ["a", "g"] : ["id", "z"], f.TableColumns));
        Assert.False(document.Fragments[1].OffsetsAreColumns); // quoted
        var plain = document.Fragments.Single(f => f.Text == "1 + 1");
        Assert.True(plain.OffsetsAreColumns); // plain, one line
        Assert.Equal(new SourceLocation("f.yaml", 12, 24), plain.LocationAt(2));
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
