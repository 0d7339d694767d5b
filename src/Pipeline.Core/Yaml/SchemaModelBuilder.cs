using Pipeline.Core.Model;
using static Pipeline.Core.Yaml.YamlValues;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Turns the parsed YAML tree of a schema file into a <see cref="DatabaseModel"/>, checking the document level,
/// schemas, enums and cross-table references; <see cref="TableReader"/> reads each table.
/// </summary>
internal sealed class SchemaModelBuilder
{
    private readonly string _file;
    private readonly List<PendingReference> _references = [];
    private readonly Dictionary<string, YNode> _relationNames = new(StringComparer.Ordinal);

    private SchemaModelBuilder(string file) => _file = file;

    /// <summary>Builds the model for <paramref name="root"/> (<c>null</c> for an empty file).</summary>
    public static DatabaseModel Build(YNode? root, string file) => new SchemaModelBuilder(file).BuildDocument(root);

    /// <summary>The document's dialect (<c>dialect:</c>, <c>postgres</c> when absent).</summary>
    public string Dialect { get; private set; } = DatabaseModel.PostgresDialect;

    /// <summary>Whether the document is written for SQL Server.</summary>
    public bool IsSqlServer => Dialect == DatabaseModel.SqlServerDialect;

    /// <summary>Records a foreign key target to check once every table is known.</summary>
    public void AddReference(PendingReference reference) => _references.Add(reference);

    /// <summary>Registers an index or index-backed constraint name, unique per schema (they are relations).</summary>
    public void ClaimRelationName(string schema, string name, YNode node)
    {
        if (!_relationNames.TryAdd(schema + "\u0000" + name, node))
        {
            var first = _relationNames[schema + "\u0000" + name].Location;
            throw Error(node, $"duplicate index or constraint name '{name}' in schema '{schema}' (first used at line {first.Line}, column {first.Column})");
        }
    }

    private DatabaseModel BuildDocument(YNode? root)
    {
        if (root is null)
        {
            throw new SchemaLoadException(new SourceLocation(_file, 1, 1), "the file is empty; expected 'version: 1' and 'schemas'");
        }

        var document = Mapping(root, "the document");
        CheckKeys(document, YamlKeys.Root, "the document");
        var version = Required(document, "version", "the document");
        if (version is not YScalar { IsPlain: true, Value: "1" })
        {
            throw Error(version, $"unsupported version {Describe(version)}; this tool reads version 1");
        }

        if (Optional(document, "dialect") is { } dialectNode)
        {
            var dialect = Text(dialectNode, "'dialect'").Trim().ToLowerInvariant();
            Dialect = YamlKeys.Dialects.Contains(dialect)
                ? dialect
                : throw Error(dialectNode, $"unknown dialect {Describe(dialectNode)}; expected one of: {string.Join(", ", YamlKeys.Dialects)}");
        }

        PostgresOnlyKeys.Check(Optional(document, "schemas"), Dialect);
        var exclude = Optional(document, "exclude") is { } excludeNode
            ? NameList(excludeNode, "'exclude'", allowEmpty: true).Select(x => x.Value).ToList()
            : [];

        var schemasNode = Mapping(Required(document, "schemas", "the document"), "'schemas'");
        var schemas = schemasNode.Entries.Select(e => ReadSchema(e.Key, e.Value)).ToList();
        var model = new DatabaseModel(schemas, exclude, Dialect: Dialect);
        foreach (var reference in _references)
        {
            reference.Resolve(model, exclude);
        }

        return model;
    }

    private SchemaModel ReadSchema(YScalar key, YNode value)
    {
        var name = Name(key, "a schema name");
        if (value is YScalar { IsNull: true })
        {
            return new SchemaModel(name, [], [], key.Location);
        }

        var what = $"schema '{name}'";
        var mapping = Mapping(value, what);
        CheckKeys(mapping, YamlKeys.Schema, what);

        var enums = Optional(mapping, "enums") is { } enumsNode
            ? Mapping(enumsNode, $"'enums' of {what}").Entries.Select(e => ReadEnum(e.Key, e.Value)).ToList()
            : [];
        var tables = Optional(mapping, "tables") is { } tablesNode
            ? Mapping(tablesNode, $"'tables' of {what}").Entries
                .Select(e => new TableReader(this, name).Read(e.Key, e.Value)).ToList()
            : [];
        foreach (var table in tables)
        {
            if (enums.FirstOrDefault(e => e.Name == table.Name) is { } clash)
            {
                throw new SchemaLoadException(
                    table.Location!,
                    $"table '{table.Name}' has the same name as enum type '{clash.Name}' in schema '{name}' (a table also defines a type of its name)");
            }
        }

        return new SchemaModel(name, tables, enums, key.Location);
    }

    private static EnumTypeModel ReadEnum(YScalar key, YNode value)
    {
        var name = Name(key, "an enum name");
        var what = $"the labels of enum '{name}'";
        var labels = new List<(string Value, YNode Node)>();
        var renames = new List<(EnumLabelRename Rename, YNode Node)>();
        foreach (var item in Sequence(value, what).Items)
        {
            if (item is YMapping mapping)
            {
                // - {name: shipped, renamedFrom: sent}
                var itemWhat = $"a label of enum '{name}'";
                CheckKeys(mapping, YamlKeys.EnumLabel, itemWhat);
                var label = Name(Required(mapping, "name", itemWhat), $"the name of {itemWhat}");
                labels.Add((label, item));
                if (Optional(mapping, "renamedFrom") is { } from)
                {
                    renames.Add((new EnumLabelRename(Name(from, $"'renamedFrom' of label '{label}'"), label), from));
                }

                continue;
            }

            labels.Add((Name(item, $"an item of {what}"), item));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (label, node) in labels)
        {
            if (!seen.Add(label))
            {
                throw Error(node, $"duplicate label '{label}' in enum '{name}'");
            }
        }

        var renamedFrom = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rename, node) in renames)
        {
            if (seen.Contains(rename.From))
            {
                throw Error(node, $"label '{rename.To}' of enum '{name}' is renamed from '{rename.From}', which is still a label of the enum");
            }

            if (!renamedFrom.Add(rename.From))
            {
                throw Error(node, $"two labels of enum '{name}' are renamed from '{rename.From}'");
            }
        }

        return new EnumTypeModel(name, labels.Select(l => l.Value).ToList(), key.Location)
        {
            Renames = renames.Select(r => r.Rename).ToList(),
        };
    }
}
