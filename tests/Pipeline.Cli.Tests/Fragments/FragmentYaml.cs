using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Cli.Tests.Fragments;

/// <summary>
/// A schema in which every YAML field that holds SQL appears once, on a line of its own, so a test can put one bad
/// value in one field and know the line the error must point at.
/// </summary>
internal static class FragmentYaml
{
    /// <summary>The SQL-holding fields of the template and their legitimate values.</summary>
    public static readonly IReadOnlyDictionary<string, string> Legit = new Dictionary<string, string>
    {
        ["type"] = "integer",
        ["default"] = "0",
        ["backfill"] = "id % 7",
        ["using"] = "z::integer",
        ["key"] = "z DESC",
        ["where"] = "z > 0",
        ["method"] = "btree",
        ["check"] = "z >= 0",
        ["generated"] = "z * 2",
        ["keyexpression"] = "z::text",
        ["collation"] = "C",
        ["opclass"] = "text_pattern_ops",
        ["with"] = "70",
        ["xmethod"] = "gist",
        ["xexpression"] = "int4range(z, g)",
        ["xcollation"] = "pg_catalog.default",
        ["xopclass"] = "range_ops",
        ["xoperator"] = "&&",
        ["xwhere"] = "z > 0",
        ["xwith"] = "80",
    };

    private const string Template = """
        version: 1
        schemas:
          public:
            enums:
              mood: [ok, meh]
            tables:
              t:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                  - name: z
                    type: {type}
                    default: {default}
                    backfill: {backfill}
                    using: {using}
                  - name: g
                    type: integer
                    generated: {generated}
                primaryKey: [id]
                indexes:
                  - name: t_z_idx
                    columns:
                      - {key}
                      - expression: {keyexpression}
                        collation: {collation}
                        opclass: {opclass}
                    where: {where}
                    method: {method}
                    with:
                      fillfactor: {with}
                exclusions:
                  - name: t_z_excl
                    method: {xmethod}
                    elements:
                      - expression: {xexpression}
                        collation: {xcollation}
                        opclass: {xopclass}
                        operator: {xoperator}
                    where: {xwhere}
                    with:
                      fillfactor: {xwith}
                checks:
                  - name: t_z_check
                    expression: {check}
        """;

    /// <summary>The YAML with <paramref name="field"/> set to <paramref name="value"/> (a double-quoted scalar) and
    /// the 1-based line it is on.</summary>
    public static (string Yaml, int Line) With(string field, string value)
    {
        var yaml = Template;
        foreach (var (name, legit) in Legit)
        {
            yaml = yaml.Replace("{" + name + "}", Quote(name == field ? value : legit), StringComparison.Ordinal);
        }

        var lines = Template.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains("{" + field + "}", StringComparison.Ordinal)) + 1;
        return (yaml, line);
    }

    /// <summary>A YAML double-quoted scalar (JSON string syntax is YAML's double-quoted syntax).</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value, Relaxed);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
