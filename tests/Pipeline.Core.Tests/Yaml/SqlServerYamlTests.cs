using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

/// <summary>The YAML format with <c>dialect: sqlserver</c>: SQL Server keys, defaults and rules.</summary>
public class SqlServerYamlTests
{
    private static string Doc(string dialect, params string[] tableBody) =>
        $"version: 1\n{dialect}schemas:\n  dbo:\n    tables:\n      t:\n" + string.Concat(tableBody.Select(l => "        " + l + "\n"));

    private const string Sql = "dialect: sqlserver\n";

    [Fact]
    public void The_dialect_key_is_read_and_defaults_to_postgres()
    {
        Assert.Equal("sqlserver", SchemaYamlLoader.Load(Doc(Sql, "columns: []"), "f.yaml").Dialect);
        Assert.Equal("postgres", SchemaYamlLoader.Load(Doc("", "columns: []"), "f.yaml").Dialect);
        Assert.Equal("dbo", SchemaYamlLoader.Load(Doc(Sql, "columns: []"), "f.yaml").DefaultSchema);
        var e = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(Doc("dialect: oracle\n", "columns: []"), "f.yaml"));
        Assert.Contains("(2,10): unknown dialect 'oracle'; expected one of: postgres, sqlserver", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_primary_key_is_clustered_unless_another_index_is()
    {
        var plain = SchemaYamlLoader.Load(Doc(Sql, "columns: [{name: id, type: int}]", "primaryKey: [id]"), "f.yaml").FindTable("dbo", "t")!;
        Assert.True(plain.PrimaryKey!.Clustered);
        Assert.Equal("PK_t", plain.PrimaryKey.Name);
        Assert.False(plain.Columns[0].Nullable);

        var other = SchemaYamlLoader.Load(Doc(Sql, "columns: [{name: id, type: int}, {name: c, type: int}]", "primaryKey: [id]",
            "indexes: [{name: IX_c, columns: [c], clustered: true}]"), "f.yaml").FindTable("dbo", "t")!;
        Assert.False(other.PrimaryKey!.Clustered);
        Assert.True(other.Indexes[0].Clustered);

        var nonclustered = SchemaYamlLoader.Load(Doc(Sql, "columns: [{name: id, type: int}]", "primaryKey: {columns: [id], clustered: false}"), "f.yaml");
        Assert.False(nonclustered.FindTable("dbo", "t")!.PrimaryKey!.Clustered);

        // PostgreSQL has no clustered keys.
        Assert.False(SchemaYamlLoader.Load(Doc("", "columns: [{name: id, type: int}]", "primaryKey: [id]"), "f.yaml").FindTable("dbo", "t")!.PrimaryKey!.Clustered);
    }

    [Fact]
    public void Identity_seed_and_increment_and_default_names()
    {
        var t = SchemaYamlLoader.Load(Doc(Sql,
            "columns:",
            "  - {name: id, type: bigint, identity: {seed: 1000, increment: 10}}",
            "  - {name: n, type: int, identity: always}",
            "  - {name: total, type: money, nullable: false, default: '((0))', defaultName: DF_t_total}"), "f.yaml").FindTable("dbo", "t")!;

        Assert.Equal((IdentityKind.Always, 1000L, 10L, false), (t.Columns[0].Identity, t.Columns[0].IdentitySeed, t.Columns[0].IdentityIncrement, t.Columns[0].Nullable));
        Assert.Equal((IdentityKind.Always, (long?)null, (long?)null), (t.Columns[1].Identity, t.Columns[1].IdentitySeed, t.Columns[1].IdentityIncrement));
        Assert.Equal("DF_t_total", t.Columns[2].DefaultName);
    }

    [Fact]
    public void Index_names_are_unique_per_table_not_per_schema()
    {
        var yaml = "version: 1\ndialect: sqlserver\nschemas:\n  dbo:\n    tables:\n"
            + "      a: {columns: [{name: c, type: int}], indexes: [{name: IX_c, columns: [c]}]}\n"
            + "      b: {columns: [{name: c, type: int}], indexes: [{name: IX_c, columns: [c]}]}\n";

        var model = SchemaYamlLoader.Load(yaml, "f.yaml");

        Assert.Equal("IX_c", model.FindTable("dbo", "b")!.Indexes[0].Name);
        Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml.Replace("dialect: sqlserver\n", "", StringComparison.Ordinal), "f.yaml"));
    }

    public static TheoryData<string, int, int, string> Errors => new()
    {
        { Doc("", "columns: [{name: id, type: int}]", "primaryKey: {columns: [id], clustered: true}"), 7, 48, "'clustered' of the primary key of table 't' is SQL Server only; add 'dialect: sqlserver'" },
        { Doc("", "columns: [{name: id, type: int, identity: {seed: 5}}]"), 6, 51, "the {seed, increment} form of 'identity' of column 'id' of table 't' is SQL Server only" },
        { Doc("", "columns: [{name: id, type: int, default: '0', defaultName: DF_x}]"), 6, 68, "'defaultName' of column 'id' of table 't' is SQL Server only" },
        { Doc(Sql, "columns: [{name: id, type: int, identity: by default}]"), 7, 51, "SQL Server has no 'by default' identity" },
        { Doc(Sql, "columns: [{name: id, type: int, identity: {seed: 1, increment: 0}}]"), 7, 72, "increment of column 'id' of table 't' must not be 0" },
        { Doc(Sql, "columns: [{name: id, type: int, identity: {start: 1}}]"), 7, 52, "unknown key 'start'" },
        { Doc(Sql, "columns: [{name: id, type: int, defaultName: DF_x}]"), 7, 54, "has 'defaultName' but no 'default'" },
        { Doc(Sql, "columns: [{name: id, type: int}, {name: c, type: int}]", "primaryKey: {columns: [id], clustered: true}", "indexes: [{name: IX_c, columns: [c], clustered: true}]"), 9, 19, "more than one clustered index (PK_t, IX_c)" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void SQL_Server_rules_are_errors_at_their_node(string yaml, int line, int column, string message)
    {
        var e = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml, "f.yaml"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Location.Line, e.Location.Column));
    }

    [Fact]
    public void The_writer_leaves_SQL_Server_defaults_out_and_round_trips()
    {
        var table = new TableModel("t",
            [
                new ColumnModel("id", "int", false, Identity: IdentityKind.Always),
                new ColumnModel("code", "nvarchar(20)", false, "(N'x')", DefaultName: "DF_t_code"),
                new ColumnModel("qty", "bigint", false, Identity: IdentityKind.None),
            ],
            new PrimaryKeyModel("PK_t", ["id"], Clustered: false),
            [new UniqueConstraintModel("UQ_t_code", ["code"], Clustered: true)],
            [new IndexModel("IX_qty", ["qty"], Include: ["code"], Where: "([qty]>(0))")]);
        var model = new DatabaseModel([new SchemaModel("dbo", [table], [])], [], Dialect: DatabaseModel.SqlServerDialect);

        var yaml = SchemaYamlWriter.Write(model);

        Assert.Equal("""
            version: 1
            dialect: sqlserver
            schemas:
              dbo:
                tables:
                  t:
                    columns:
                      - name: id
                        type: int
                        nullable: false
                        identity: always
                      - name: code
                        type: nvarchar(20)
                        nullable: false
                        default: "(N'x')"
                        defaultName: DF_t_code
                      - name: qty
                        type: bigint
                        nullable: false
                    primaryKey: [id]
                    unique:
                      - columns: [code]
                        clustered: true
                    indexes:
                      - name: IX_qty
                        columns: [qty]
                        where: '([qty]>(0))'
                        include: [code]

            """.Replace("\r\n", "\n", StringComparison.Ordinal), yaml);
        var back = SchemaYamlLoader.Load(yaml, "f.yaml").FindTable("dbo", "t")!;
        Assert.False(back.PrimaryKey!.Clustered);
        Assert.True(back.Uniques[0].Clustered);
        Assert.Equal("DF_t_code", back.Columns[1].DefaultName);
    }

    [Fact]
    public void The_SQL_Server_example_in_FORMAT_md_loads()
    {
        var text = File.ReadAllText(JsonSchemaTests.SchemaFolderFile("FORMAT.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = text.IndexOf("```yaml\n", text.IndexOf("## SQL Server", StringComparison.Ordinal), StringComparison.Ordinal) + 8;
        var model = SchemaYamlLoader.Load(text[start..text.IndexOf("```", start, StringComparison.Ordinal)], "FORMAT.md");

        var orders = model.FindTable("dbo", "Orders")!;
        Assert.True(orders.PrimaryKey!.Clustered);
        Assert.False(model.FindTable("dbo", "Customers")!.PrimaryKey!.Clustered);
        Assert.Equal("DF_Orders_Freight", orders.FindColumn("Freight")!.DefaultName);
        Assert.Equal(["Freight"], orders.Indexes[0].Include);
    }
}
