using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

public class SchemaYamlLoaderErrorTests
{
    /// <summary>A document whose table <c>t</c> has <paramref name="body"/> as its mapping; body line 1 is file
    /// line 6 and its keys start at column 9.</summary>
    private static string Table(params string[] body) =>
        "version: 1\nschemas:\n  s:\n    tables:\n      t:\n" + string.Concat(body.Select(l => "        " + l + "\n"));

    /// <summary>A schema with tables t1…t<paramref name="count"/> (file lines 5 to 4 + count), then a table named
    /// <paramref name="repeated"/> on line 5 + count: mappings past 16 keys find duplicates through an index.</summary>
    private static string ManyTables(int count, string repeated) =>
        "version: 1\nschemas:\n  s:\n    tables:\n"
        + string.Concat(Enumerable.Range(1, count).Select(i => $"      t{i}: {{columns: []}}\n"))
        + $"      {repeated}: {{columns: []}}\n";

    private const string TwoColumns = "columns: [{name: a, type: int}, {name: b, type: int}]";

    public static TheoryData<string, int, int, string> Cases => new()
    {
        // Document level.
        { "version: 1\nschemas: [a, b\n", 3, 1, "invalid YAML" },
        { "version: 1\nschemas:\n  s: {tables: {t: {columns: [}}}\n", 3, 30, "invalid YAML" },
        { "version: 1\n  bad indent: x\n", 2, 13, "invalid YAML" },
        { "", 1, 1, "the file is empty" },
        { "# nothing here\n", 1, 1, "the file is empty" },
        { "- a\n- b\n", 1, 1, "the document must be a mapping" },
        { "schemas: {}\n", 1, 1, "missing the required key 'version'" },
        { "version: 2\nschemas: {}\n", 1, 10, "unsupported version '2'" },
        { "version: '1'\nschemas: {}\n", 1, 10, "unsupported version '1'" },
        { "version: 1\n", 1, 1, "missing the required key 'schemas'" },
        { "version: 1\nschema: {}\n", 2, 1, "unknown key 'schema' in the document; did you mean 'schemas'?" },
        { "version: 1\nschemas: {}\n---\nversion: 1\n", 3, 1, "only one YAML document" },
        { "version: 1\nversion: 1\nschemas: {}\n", 2, 1, "duplicate key 'version' (first defined at line 1, column 1)" },
        { "version: 1\nexclude: x\nschemas: {}\n", 2, 10, "'exclude' must be a list" },
        { "version: 1\nschemas: []\n", 2, 10, "'schemas' must be a mapping" },
        { "version: 1\nschemas:\n  s:\n    table: {}\n", 4, 5, "did you mean 'tables'?" },
        { "version: 1\nschemas:\n  s:\n    tables: {}\n  s: {}\n", 5, 3, "duplicate key 's'" },
        { "version: 1\nschemas:\n  s:\n    tables:\n      t: {columns: []}\n      t: {columns: []}\n", 6, 7, "duplicate key 't'" },
        { ManyTables(20, "t1"), 25, 7, "duplicate key 't1' (first defined at line 5, column 7)" },
        { ManyTables(17, "t17"), 22, 7, "duplicate key 't17' (first defined at line 21, column 7)" },
        { ManyTables(15, "t3"), 20, 7, "duplicate key 't3' (first defined at line 7, column 7)" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: [a, b, a]\n", 5, 17, "duplicate label 'a' in enum 'e'" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: a\n", 5, 10, "must be a list" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: [a, {name: b, renamedFrom: a}]\n", 5, 37, "renamed from 'a', which is still a label" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: [{name: b, renamedFrom: a}, {name: c, renamedFrom: a}]\n", 5, 61, "two labels of enum 'e' are renamed from 'a'" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: [{name: b, renamed: a}]\n", 5, 21, "unknown key 'renamed' in a label of enum 'e'" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      e: [{renamedFrom: a}]\n", 5, 11, "missing the required key 'name'" },
        { "version: 1\nschemas:\n  s:\n    tables:\n      t: {columns: [*nope]}\n", 5, 21, "unknown alias '*nope'" },
        { "version: 1\nschemas:\n  s:\n    enums:\n      t: []\n    tables:\n      t: {columns: []}\n", 7, 7, "same name as enum type 't'" },
        { "version: 1\nschemas:\n  ? [a]\n  : {}\n", 3, 5, "mapping keys must be plain names" },

        // Tables and columns.
        { Table("comment: x"), 6, 9, "table 't' is missing the required key 'columns'" },
        { Table("columns: {a: 1}"), 6, 18, "'columns' of table 't' must be a list" },
        { Table("columns:", "  - name: a", "    typ: int"), 8, 13, "unknown key 'typ' in column 'a' of table 't'; did you mean 'type'?" },
        { Table("columns:", "  - name: a", "    type: int", "    nulable: false"), 9, 13, "did you mean 'nullable'?" },
        { Table("columns:", "  - name: a", "    type: int", "    Nullable: false"), 9, 13, "did you mean 'nullable'?" },
        { Table("columns:", "  - name: a", "    type: int", "    colour: red"), 9, 13, "(allowed: name, type, nullable, identity, default, defaultName, generated, comment, renamedFrom, backfill, using)" },
        { Table("columns:", "  - name: a"), 7, 13, "column 'a' of table 't' is missing the required key 'type'" },
        { Table("columns:", "  - type: int"), 7, 13, "missing the required key 'name'" },
        { Table("columns:", "  - name: ''", "    type: int"), 7, 19, "must not be empty" },
        { Table("columns:", "  - name: a", "    type: ' '"), 8, 19, "'type' of column 'a' of table 't' must not be empty" },
        { Table("columns:", "  - name: a", "    type:"), 8, 18, "'type' of column 'a' of table 't' must have a value" },
        { Table("columns:", "  - name: a", "    type: [int]"), 8, 19, "must be a text value, not a list" },
        { Table("columns:", "  - {name: a, type: int}", "  - {name: a, type: text}"), 8, 20, "duplicate column 'a' in table 't'" },
        { Table("columns:", "  - {name: a, type: int, nullable: maybe}"), 7, 44, "'nullable' of column 'a' of table 't' must be true or false, not 'maybe'" },
        { Table("columns:", "  - {name: a, type: int, nullable: 'false'}"), 7, 44, "must be true or false" },
        { Table("columns:", "  - {name: a, type: int, identity: sometimes}"), 7, 44, "invalid identity 'sometimes'" },
        { Table("columns:", "  - {name: a, type: int, identity: always, default: '1'}"), 7, 61, "cannot have a default" },
        { Table("columns:", "  - {name: a, type: serial, default: '1'}"), 7, 46, "a serial column gets it from its sequence" },
        { Table("columns:", "  - {name: a, type: int, identity: always, nullable: true}"), 7, 62, "identity column, which PostgreSQL makes NOT NULL" },
        { Table("columns:", "  - {name: a, type: int, nullable: true}", "primaryKey: [a]"), 7, 44, "primary key column" },
        { Table("columns: [x]"), 6, 19, "a column of table 't' must be a mapping" },

        // Keys, unique constraints, indexes.
        { Table(TwoColumns, "primaryKey: [a, c]"), 7, 25, "table 't' has no column 'c'" },
        { Table(TwoColumns, "primaryKey: [aa]"), 7, 22, "did you mean 'a'?" },
        { Table(TwoColumns, "primaryKey: [a, a]"), 7, 25, "column 'a' appears twice" },
        { Table(TwoColumns, "primaryKey: []"), 7, 21, "must not be empty" },
        { Table(TwoColumns, "primaryKey: a"), 7, 21, "must be a list of columns or a mapping" },
        { Table(TwoColumns, "primaryKey: {name: pk}"), 7, 21, "the primary key of table 't' is missing the required key 'columns'" },
        { Table(TwoColumns, "primaryKey: {columns: [a], nam: pk}"), 7, 36, "did you mean 'name'?" },
        { Table(TwoColumns, "unique:", "  - columns: [b, z]"), 8, 26, "table 't' has no column 'z'" },
        { Table(TwoColumns, "unique:", "  - cols: [b]"), 8, 13, "did you mean 'columns'?" },
        { Table(TwoColumns, "unique:", "  - [b]"), 8, 13, "an item of 'unique' of table 't' must be a mapping" },
        { Table(TwoColumns, "primaryKey: [a]", "unique:", "  - {name: t_pkey, columns: [b]}"), 9, 20, "duplicate constraint or index name 't_pkey'" },
        { Table(TwoColumns, "unique:", "  - {columns: [b]}", "  - {columns: [b]}"), 9, 13, "duplicate constraint or index name 't_b_key'" },
        { Table(TwoColumns, "indexes:", "  - columns: [a]"), 8, 13, "an index of table 't' is missing the required key 'name'" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a, emial DESC]}"), 8, 36, "index key 'emial DESC' is not a column of table 't'" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a], include: [q]}"), 8, 47, "table 't' has no column 'q'" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a], unique: yes}"), 8, 45, "'unique' of index 'i' of table 't' must be true or false" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a], method: ''}"), 8, 45, "'method' of index 'i' of table 't' must not be empty" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a]}", "  - {name: i, columns: [b]}"), 9, 20, "duplicate constraint or index name 'i'" },
        { Table(TwoColumns, "indexes:", "  - {name: i, columns: [a], wher: x}"), 8, 37, "did you mean 'where'?" },
        { Table(TwoColumns, "checks:", "  - {name: c}"), 8, 13, "check 'c' of table 't' is missing the required key 'expression'" },
        { Table(TwoColumns, "checks:", "  - {expression: a > 0}"), 8, 13, "missing the required key 'name'" },
        { Table(TwoColumns, "checks:", "  - {name: c, expression: a > 0}", "  - {name: c, expression: b > 0}"), 9, 20, "duplicate constraint or index name 'c'" },

        // Foreign keys.
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a, b], references: {table: t, columns: [a]}}"), 8, 63, "has 2 column(s) but references 1" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [x], references: {table: t, columns: [a]}}"), 8, 24, "table 't' has no column 'x'" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [y]}}"), 8, 61, "references column 'y', which table 's.t' does not have" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: nowhere, columns: [id]}}"), 8, 48, "references table 's.nowhere', which this file does not declare" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {schema: other, table: t, columns: [a]}}"), 8, 63, "references table 'other.t'" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {columns: [a]}}"), 8, 40, "is missing the required key 'table'" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a]}"), 8, 13, "foreign key 't_a_fkey' of table 't' is missing the required key 'references'" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, column: [a]}}"), 8, 51, "did you mean 'columns'?" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [a]}, onDelete: explode}"), 8, 76, "invalid onDelete action 'explode' for foreign key 't_a_fkey' of table 't'; expected one of: no action, restrict, cascade, set null, set default" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [a]}, onUpdate: setnull}"), 8, 76, "invalid onUpdate action 'setnull'" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [a]}, ondelete: cascade}"), 8, 66, "did you mean 'onDelete'?" },
        { Table(TwoColumns, "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [a]}}", "  - {columns: [a], references: {table: t, columns: [b]}}"), 9, 13, "duplicate constraint or index name 't_a_fkey'" },

        // Modelled PostgreSQL options: generated columns, index keys, storage parameters, timing, exclusions.
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "primaryKey: {columns: [a], deferrable: true}", "foreignKeys:", "  - {columns: [b], references: {table: t, columns: [a]}}"), 9, 48, "foreign key references the columns of deferrable constraint 't_pkey'" },
        { Table("columns:", "  - {name: a, type: int, generated: 'a + 1', default: '1'}"), 7, 45, "is a generated column and cannot also have a default" },
        { Table("columns:", "  - {name: a, type: int, identity: always, generated: 'a + 1'}"), 7, 63, "cannot also have an identity" },
        { Table("columns:", "  - {name: a, type: int, generated: ' '}"), 7, 45, "'generated' of column 'a' of table 't' must not be empty" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [a], nullsNotDistinct: true}"), 8, 55, "'nullsNotDistinct' applies to unique indexes only" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [{column: a, expression: 'a + 1'}]}"), 8, 33, "needs exactly one of 'column' or 'expression'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [{column: c}]}"), 8, 42, "table 't' has no column 'c'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [{column: a, order: down}]}"), 8, 52, "invalid order 'down'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [{column: a, nulls: middle}]}"), 8, 52, "expected one of: first, last" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [{column: a, opclas: x}]}"), 8, 45, "did you mean 'opclass'?" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [a DESC NULLS SOMEWHERE]}"), 8, 33, "NULLS must be followed by FIRST or LAST" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "indexes:", "  - {name: i, columns: [a], with: [fillfactor]}"), 8, 43, "'with' of index 'i' of table 't' must be a mapping" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "unique:", "  - {columns: [a], deferrable: false, initiallyDeferred: true}"), 8, 66, "cannot be 'initiallyDeferred: true' with 'deferrable: false'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "foreignKeys:", "  - {columns: [a], references: {table: t, columns: [a]}, match: partial}"), 8, 73, "invalid match 'partial'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "exclusions:", "  - {name: x, elements: [{column: a}]}"), 8, 34, "is missing the required key 'operator'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "exclusions:", "  - {elements: [{column: a, operator: '='}]}"), 8, 13, "is missing the required key 'name'" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "exclusions:", "  - {name: x, elements: []}"), 8, 33, "the elements of exclusion constraint 'x' of table 't' must not be empty" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "exclusions:", "  - {name: x, elements: [{column: a, operator: '='}], using: gist}"), 8, 63, "unknown key 'using' in an exclusion constraint of table 't' (allowed: name, method, elements" },
        { Table("columns: [{name: a, type: int}, {name: b, type: int}]", "checks:", "  - {name: c, expression: 'a > 0', noInherit: yes}"), 8, 55, "must be true or false" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_file_line_and_column(string yaml, int line, int column, string fragment)
    {
        var ex = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml, "app.schema.yaml"));
        var expected = $"app.schema.yaml({line},{column}): ";
        Assert.True(ex.Message.StartsWith(expected, StringComparison.Ordinal) && ex.Message.Contains(fragment, StringComparison.Ordinal), $"expected {expected}…{fragment}… but got: {ex.Message}");
        Assert.Equal(("app.schema.yaml", line, column), (ex.Location.File, ex.Location.Line, ex.Location.Column));
    }

    [Fact]
    public void Index_names_are_unique_across_the_tables_of_a_schema()
    {
        const string yaml = """
            version: 1
            schemas:
              s:
                tables:
                  a:
                    columns: [{name: x, type: int}]
                    indexes: [{name: ix, columns: [x]}]
                  b:
                    columns: [{name: x, type: int}]
                    indexes: [{name: ix, columns: [x]}]
            """;
        var ex = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml, "f.yaml"));
        Assert.StartsWith("f.yaml(10,26): duplicate index or constraint name 'ix' in schema 's' (first used at line 7, column 26)", ex.Message);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_crash()
    {
        var yaml = "version: 1\nschemas: " + new string('[', 10_000) + new string(']', 10_000) + "\n";
        var ex = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load(yaml, "f.yaml"));
        Assert.StartsWith("f.yaml(2,", ex.Message);
        Assert.Contains("nested more than", ex.Message);
    }

    [Fact]
    public void A_table_without_a_body_says_so()
    {
        var ex = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load("version: 1\nschemas:\n  s:\n    tables:\n      t:\n", "f.yaml"));
        Assert.Equal("f.yaml(5,9): table 't' must be a mapping (key: value lines), not an empty value", ex.Message);
    }

    [Fact]
    public void Malformed_yaml_keeps_the_parser_error_as_inner_exception()
    {
        var ex = Assert.Throws<SchemaLoadException>(() => SchemaYamlLoader.Load("a: b: c\n", "f.yaml"));
        Assert.IsType<YamlDotNet.Core.YamlException>(ex.InnerException, exactMatch: false);
        Assert.StartsWith("f.yaml(1,5): invalid YAML", ex.Message);
    }
}
