using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

/// <summary>A <c>dialect: sqlserver</c> file that uses a PostgreSQL-only key or value fails at that node, naming it
/// and the SQL Server way; the same file without the dialect line loads.</summary>
public sealed class PostgresOnlyKeysTests
{
    private static string Doc(string body) =>
        "version: 1\ndialect: sqlserver\nschemas:\n  dbo:\n    tables:\n      t:\n        " + body + "\n";

    private const string Id = "columns: [{name: id, type: int}]\n        ";

    public static TheoryData<string, int, int, string> Cases => new()
    {
        { Doc("columns: [{name: id, type: int, generated: 'id * 2'}]"), 7, 41, "'generated' (in table 't') is PostgreSQL only, and this file says 'dialect: sqlserver': computed columns are not modelled" },
        { Doc("columns: [{name: id, type: int, using: 'id::int'}]"), 7, 41, "'using' (in table 't') is PostgreSQL only" },
        { Doc(Id + "indexes: [{name: IX_t, columns: [id], method: hash}]"), 8, 47, "'method' (in table 't') is PostgreSQL only" },
        { Doc(Id + "unique: [{columns: [id], nullsNotDistinct: true}]"), 8, 34, "'nullsNotDistinct' (in table 't') is PostgreSQL only" },
        { Doc(Id + "primaryKey: {columns: [id], deferrable: true}"), 8, 37, "'deferrable' (in table 't') is PostgreSQL only, and this file says 'dialect: sqlserver': SQL Server constraints are always checked per statement" },
        { Doc(Id + "indexes: [{name: IX_t, columns: [{column: id, opclass: int4_ops}]}]"), 8, 55, "SQL Server has no operator classes" },
        { Doc(Id + "indexes: [{name: IX_t, columns: [{column: id, nulls: last}]}]"), 8, 55, "no NULLS FIRST/LAST" },
        { Doc(Id + "checks: [{name: CK_t, expression: id > 0, noInherit: true}]"), 8, 51, "'noInherit' (in table 't') is PostgreSQL only" },
        { Doc(Id + "indexes: [{name: IX_t, columns: [id], with: {fillfactor: 70}}]"), 8, 47, "storage parameters are PostgreSQL's" },
        { Doc(Id + "foreignKeys: [{columns: [id], references: {table: t, columns: [id]}, onDelete: restrict}]"), 8, 88, "'onDelete: restrict' in table 't' is PostgreSQL only: SQL Server has no RESTRICT action; write 'no action'" },
        { "version: 1\ndialect: sqlserver\nschemas:\n  dbo:\n    enums:\n      mood: [a, b]\n    tables: {}\n", 5, 5, "'enums' (in schema 'dbo') is PostgreSQL only, and this file says 'dialect: sqlserver': SQL Server has no enum types" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_PostgreSQL_only_key_in_a_SQL_Server_file_is_an_error_at_its_node(string yaml, int line, int column, string message)
    {
        var e = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml, "app.schema.yaml"));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(("app.schema.yaml", line, column), (e.Location.File, e.Location.Line, e.Location.Column));
        Assert.StartsWith($"app.schema.yaml({line},{column}): ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_same_file_for_PostgreSQL_loads(string yaml, int line, int column, string message)
    {
        _ = (line, column, message);

        var model = SchemaYamlLoader.Load(yaml.Replace("dialect: sqlserver\n", "", StringComparison.Ordinal), "app.schema.yaml");

        Assert.Equal("postgres", model.Dialect);
    }

    [Fact]
    public void Tables_and_schemas_named_like_PostgreSQL_keys_are_names_not_keys()
    {
        var yaml = "version: 1\ndialect: sqlserver\nschemas:\n  with:\n    tables:\n      method:\n        columns: [{name: nulls, type: int}]\n      enums:\n        columns: []\n";

        var model = SchemaYamlLoader.Load(yaml, "app.schema.yaml");

        Assert.NotNull(model.FindTable("with", "method"));
        Assert.NotNull(model.FindTable("with", "enums"));
    }
}
