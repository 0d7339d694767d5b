using Pipeline.Core.Model;
using static Pipeline.Core.Yaml.YamlValues;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Reads one table: columns, keys, indexes, foreign keys and checks, checking that every constraint names columns
/// the table has and that names are unique. Columns are read first whatever the key order.
/// </summary>
internal sealed class TableReader(SchemaModelBuilder builder, string schema)
{
    private static readonly string[] SerialTypes = ["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"];

    private readonly Dictionary<string, YNode> _constraintNames = new(StringComparer.Ordinal);
    private string _table = "";
    private bool? _primaryKeyClustered;
    private string _what = "";
    private List<ColumnModel> _columns = [];

    /// <summary>Reads the table declared as <paramref name="key"/>: <paramref name="value"/>.</summary>
    public TableModel Read(YScalar key, YNode value)
    {
        _table = Name(key, "a table name");
        _what = $"table '{_table}'";
        var mapping = Mapping(value, _what);
        CheckKeys(mapping, YamlKeys.Table, _what);

        var columnNodes = Sequence(Required(mapping, "columns", _what), $"'columns' of {_what}");
        var explicitNullable = new Dictionary<string, YNode>(StringComparer.Ordinal);
        foreach (var node in columnNodes.Items)
        {
            ReadColumn(node, explicitNullable);
        }

        var primaryKey = mapping.Find("primaryKey") is { } pk && pk.Value is not YScalar { IsNull: true }
            ? ReadPrimaryKey(pk.Key, pk.Value)
            : null;
        if (primaryKey is not null)
        {
            ImplyNotNull(primaryKey.Columns, explicitNullable, "a primary key column");
        }

        var uniques = ReadList(mapping, "unique", ReadUnique);
        var indexes = ReadList(mapping, "indexes", ReadIndex);
        primaryKey = ResolveClustered(primaryKey, uniques, indexes);
        var foreignKeys = ReadList(mapping, "foreignKeys", ReadForeignKey);
        var checks = ReadList(mapping, "checks", ReadCheck);
        var exclusions = ReadList(mapping, "exclusions", ReadExclusion);

        return new TableModel(
            _table,
            _columns,
            primaryKey,
            uniques,
            indexes,
            foreignKeys,
            checks,
            OptionalText(mapping, "comment", _what),
            OptionalName(mapping, "renamedFrom", _what),
            Location: key.Location,
            Exclusions: exclusions);
    }

    private void ReadColumn(YNode node, Dictionary<string, YNode> explicitNullable)
    {
        var mapping = Mapping(node, $"a column of {_what}");
        var nameNode = Required(mapping, "name", $"a column of {_what}");
        var name = Name(nameNode, $"a column name of {_what}");
        var what = $"column '{name}' of {_what}";
        CheckKeys(mapping, YamlKeys.Column, what);
        if (_columns.Any(c => c.Name == name))
        {
            throw Error(nameNode, $"duplicate column '{name}' in {_what}");
        }

        var typeNode = Required(mapping, "type", what);
        var type = Text(typeNode, $"'type' of {what}").Trim();
        if (type.Length == 0)
        {
            throw Error(typeNode, $"'type' of {what} must not be empty");
        }

        var (identity, seed, increment) = ReadIdentity(mapping, what);
        var defaultValue = OptionalText(mapping, "default", what);
        var defaultName = OptionalName(mapping, "defaultName", what);
        if (defaultName is not null)
        {
            RequireSqlServer(mapping, "defaultName", what);
            if (defaultValue is null)
            {
                throw Error(Optional(mapping, "defaultName")!, $"{what} has 'defaultName' but no 'default'");
            }

            ClaimConstraintName(defaultName, Optional(mapping, "defaultName")!);
        }

        var isSerial = !builder.IsSqlServer && SerialTypes.Contains(type.ToLowerInvariant());
        if (defaultValue is not null && (identity != IdentityKind.None || isSerial))
        {
            throw Error(
                Optional(mapping, "default")!,
                $"{what} cannot have a default: {(isSerial ? "a serial column gets it from its sequence" : "an identity column generates its values")}");
        }

        var generated = OptionalText(mapping, "generated", what);
        if (generated is not null)
        {
            var generatedNode = Optional(mapping, "generated")!;
            if (generated.Trim().Length == 0)
            {
                throw Error(generatedNode, $"'generated' of {what} must not be empty");
            }

            var conflict = defaultValue is not null ? "a default" : identity != IdentityKind.None ? "an identity" : isSerial ? "a serial type"
                : Optional(mapping, "backfill") is not null ? "a backfill" : null;
            if (conflict is not null)
            {
                throw Error(generatedNode, $"{what} is a generated column and cannot also have {conflict} (its values come from the expression)");
            }
        }

        var nullable = OptionalBool(mapping, "nullable", what);
        if (nullable is not null)
        {
            explicitNullable[name] = Optional(mapping, "nullable")!;
        }

        var column = new ColumnModel(
            name,
            type,
            nullable ?? true,
            defaultValue,
            identity,
            OptionalText(mapping, "comment", what),
            OptionalName(mapping, "renamedFrom", what),
            OptionalText(mapping, "backfill", what),
            OptionalText(mapping, "using", what),
            mapping.Location,
            generated,
            seed,
            increment,
            defaultName);
        _columns.Add(column);
        if (identity != IdentityKind.None)
        {
            ImplyNotNull([name], explicitNullable, "an identity column");
        }
        else if (isSerial)
        {
            ImplyNotNull([name], explicitNullable, "a serial column");
        }
    }

    /// <summary>PostgreSQL and SQL Server make primary key and identity columns NOT NULL (PostgreSQL also serial
    /// columns); an omitted <c>nullable</c> follows, an explicit <c>nullable: true</c> is an error.</summary>
    private void ImplyNotNull(IReadOnlyList<string> names, Dictionary<string, YNode> explicitNullable, string role)
    {
        foreach (var name in names)
        {
            var index = _columns.FindIndex(c => c.Name == name);
            if (index < 0 || !_columns[index].Nullable)
            {
                continue;
            }

            if (explicitNullable.TryGetValue(name, out var node))
            {
                throw Error(node, $"column '{name}' of {_what} is {role}, which {(builder.IsSqlServer ? "SQL Server" : "PostgreSQL")} makes NOT NULL; write 'nullable: false' or leave it out");
            }

            _columns[index] = _columns[index] with { Nullable = false };
        }
    }

    /// <summary>The identity: <c>always</c>, <c>by default</c> (PostgreSQL only), or for SQL Server the mapping
    /// <c>{seed, increment}</c> (<c>IDENTITY(seed, increment)</c>, each defaulting to 1; stored as <c>null</c> when 1).</summary>
    private (IdentityKind Kind, long? Seed, long? Increment) ReadIdentity(YMapping mapping, string what)
    {
        if (Optional(mapping, "identity") is not { } node)
        {
            return (IdentityKind.None, null, null);
        }

        if (node is YMapping options)
        {
            RequireSqlServer(mapping, "identity", what, "the {seed, increment} form of 'identity'");
            CheckKeys(options, YamlKeys.Identity, $"'identity' of {what}");
            return (IdentityKind.Always, IdentityNumber(options, "seed", what), IdentityNumber(options, "increment", what));
        }

        var text = Normalize(Text(node, $"'identity' of {what}"));
        return text switch
        {
            "always" => (IdentityKind.Always, null, null),
            "by default" when builder.IsSqlServer => throw Error(node,
                $"{what}: SQL Server has no 'by default' identity (explicit values need SET IDENTITY_INSERT); write 'always' or {{seed: 1, increment: 1}}"),
            "by default" => (IdentityKind.ByDefault, null, null),
            _ => throw Error(node, $"invalid identity {Describe(node)} for {what}; expected 'always' or 'by default'"),
        };
    }

    private static long? IdentityNumber(YMapping options, string key, string what)
    {
        if (Optional(options, key) is not { } node)
        {
            return null;
        }

        if (node is YScalar { IsPlain: true } scalar
            && long.TryParse(scalar.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            if (key == "increment" && value == 0)
            {
                throw Error(node, $"the identity increment of {what} must not be 0");
            }

            return value == 1 ? null : value;
        }

        throw Error(node, $"the identity {key} of {what} must be a whole number, not {Describe(node)}");
    }

    /// <summary>Rejects a SQL Server-only key in a document of another dialect.</summary>
    private void RequireSqlServer(YMapping mapping, string key, string what, string? feature = null)
    {
        if (!builder.IsSqlServer)
        {
            throw Error(Optional(mapping, key) ?? mapping,
                $"{feature ?? $"'{key}'"} of {what} is SQL Server only; add 'dialect: sqlserver' at the top of the file");
        }
    }

    /// <summary>SQL Server: <c>clustered: true|false</c> (absent: <c>null</c>); an error in other dialects.</summary>
    private bool? ReadClustered(YMapping mapping, string what)
    {
        var clustered = OptionalBool(mapping, "clustered", what);
        if (clustered is not null)
        {
            RequireSqlServer(mapping, "clustered", what);
        }

        return clustered;
    }

    /// <summary>SQL Server makes a primary key clustered unless it says NONCLUSTERED or another index of the table
    /// is clustered (https://learn.microsoft.com/sql/t-sql/statements/create-table-transact-sql#constraint); at most
    /// one index of a table is clustered.</summary>
    private PrimaryKeyModel? ResolveClustered(PrimaryKeyModel? primaryKey, List<UniqueConstraintModel> uniques, List<IndexModel> indexes)
    {
        if (!builder.IsSqlServer)
        {
            return primaryKey;
        }

        var clustered = uniques.Where(u => u.Clustered).Select(u => (u.Name, u.Location))
            .Concat(indexes.Where(i => i.Clustered).Select(i => (i.Name, i.Location))).ToList();
        if (primaryKey is not null && (_primaryKeyClustered == true || (_primaryKeyClustered is null && clustered.Count == 0)))
        {
            primaryKey = primaryKey with { Clustered = true };
        }

        if (primaryKey is { Clustered: true })
        {
            clustered.Insert(0, (primaryKey.Name, primaryKey.Location));
        }

        if (clustered.Count > 1)
        {
            throw new SchemaLoadException(clustered[1].Location!,
                $"{_what} has more than one clustered index ({string.Join(", ", clustered.Select(c => c.Name))}); a table has at most one (a primary key is clustered unless 'clustered: false')");
        }

        return primaryKey;
    }

    private PrimaryKeyModel ReadPrimaryKey(YScalar key, YNode value)
    {
        var what = $"the primary key of {_what}";
        string name;
        YNode columnsNode;
        YNode nameNode = key;
        var timing = (Deferrable: false, InitiallyDeferred: false);
        if (value is YMapping mapping)
        {
            CheckKeys(mapping, YamlKeys.PrimaryKey, what);
            timing = KeyPartReader.ReadDeferrable(mapping, what);
            _primaryKeyClustered = ReadClustered(mapping, what);
            name = OptionalName(mapping, "name", what) ?? DefaultConstraintNames.PrimaryKey(_table, builder.Dialect);
            nameNode = Optional(mapping, "name") ?? key;
            columnsNode = Required(mapping, "columns", what);
        }
        else if (value is YSequence)
        {
            name = DefaultConstraintNames.PrimaryKey(_table, builder.Dialect);
            columnsNode = value;
        }
        else
        {
            throw Error(value, $"{what} must be a list of columns or a mapping with 'columns' (and 'name'), not {Describe(value)}");
        }

        var columns = ColumnList(columnsNode, $"the columns of {what}");
        ClaimConstraintName(name, nameNode);
        builder.ClaimRelationName(schema, name, nameNode);
        return new PrimaryKeyModel(name, columns, key.Location, timing.Deferrable, timing.InitiallyDeferred);
    }

    private UniqueConstraintModel ReadUnique(YMapping mapping)
    {
        var what = $"a unique constraint of {_what}";
        CheckKeys(mapping, YamlKeys.Unique, what);
        var columns = ColumnList(Required(mapping, "columns", what), $"the columns of {what}");
        var name = OptionalName(mapping, "name", what) ?? DefaultConstraintNames.Unique(_table, columns, builder.Dialect);
        var nameNode = Optional(mapping, "name") ?? mapping;
        ClaimConstraintName(name, nameNode);
        builder.ClaimRelationName(schema, name, nameNode);
        var (deferrable, deferred) = KeyPartReader.ReadDeferrable(mapping, what);
        return new UniqueConstraintModel(
            name, columns, mapping.Location, OptionalBool(mapping, "nullsNotDistinct", what) ?? false, deferrable, deferred,
            ReadClustered(mapping, what) ?? false);
    }

    private IndexModel ReadIndex(YMapping mapping)
    {
        var what = $"an index of {_what}";
        CheckKeys(mapping, YamlKeys.Index, what);
        var nameNode = Required(mapping, "name", what);
        var name = Name(nameNode, $"the name of {what}");
        what = $"index '{name}' of {_what}";
        var keysNode = Sequence(Required(mapping, "columns", what), $"the columns of {what}");
        if (keysNode.Items.Count == 0)
        {
            throw Error(keysNode, $"the columns of {what} must not be empty");
        }

        var keys = keysNode.Items.Select(node => KeyPartReader.ReadKey(node, IsColumn, _what, what)).ToList();
        var unique = OptionalBool(mapping, "unique", what) ?? false;
        var nullsNotDistinct = OptionalBool(mapping, "nullsNotDistinct", what) ?? false;
        if (nullsNotDistinct && !unique)
        {
            throw Error(Optional(mapping, "nullsNotDistinct")!, $"{what}: 'nullsNotDistinct' applies to unique indexes only; add 'unique: true'");
        }

        var include = Optional(mapping, "include") is { } includeNode
            ? ColumnList(includeNode, $"'include' of {what}", allowEmpty: true)
            : [];
        var method = OptionalText(mapping, "method", what)?.Trim().ToLowerInvariant();
        if (method is { Length: 0 })
        {
            throw Error(Optional(mapping, "method")!, $"'method' of {what} must not be empty");
        }

        ClaimConstraintName(name, nameNode);
        if (!builder.IsSqlServer)
        {
            // PostgreSQL index names are relations, unique per schema; SQL Server's are unique per table
            // (https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql#index_name).
            builder.ClaimRelationName(schema, name, nameNode);
        }

        return new IndexModel(
            name,
            keys,
            unique,
            OptionalText(mapping, "where", what),
            method ?? "btree",
            include,
            mapping.Location,
            KeyPartReader.ReadWith(mapping, what),
            nullsNotDistinct,
            ReadClustered(mapping, what) ?? false);
    }

    private ExclusionConstraintModel ReadExclusion(YMapping mapping)
    {
        var what = $"an exclusion constraint of {_what}";
        CheckKeys(mapping, YamlKeys.Exclusion, what);
        var nameNode = Required(mapping, "name", what);
        var name = Name(nameNode, $"the name of {what}");
        what = $"exclusion constraint '{name}' of {_what}";
        var elementsNode = Sequence(Required(mapping, "elements", what), $"the elements of {what}");
        if (elementsNode.Items.Count == 0)
        {
            throw Error(elementsNode, $"the elements of {what} must not be empty");
        }

        var elements = elementsNode.Items.Select(node => KeyPartReader.ReadElement(node, IsColumn, _what, what)).ToList();
        var include = Optional(mapping, "include") is { } includeNode
            ? ColumnList(includeNode, $"'include' of {what}", allowEmpty: true)
            : [];
        var method = OptionalText(mapping, "method", what)?.Trim().ToLowerInvariant();
        if (method is { Length: 0 })
        {
            throw Error(Optional(mapping, "method")!, $"'method' of {what} must not be empty");
        }

        var (deferrable, deferred) = KeyPartReader.ReadDeferrable(mapping, what);
        ClaimConstraintName(name, nameNode);
        builder.ClaimRelationName(schema, name, nameNode);
        return new ExclusionConstraintModel(
            name,
            method ?? "gist",
            elements,
            include,
            OptionalText(mapping, "where", what),
            KeyPartReader.ReadWith(mapping, what),
            deferrable,
            deferred,
            mapping.Location);
    }

    private ForeignKeyModel ReadForeignKey(YMapping mapping)
    {
        var what = $"a foreign key of {_what}";
        CheckKeys(mapping, YamlKeys.ForeignKey, what);
        var columns = ColumnList(Required(mapping, "columns", what), $"the columns of {what}");
        var name = OptionalName(mapping, "name", what) ?? DefaultConstraintNames.ForeignKey(_table, columns, builder.Dialect);
        what = $"foreign key '{name}' of {_what}";

        var references = Mapping(Required(mapping, "references", what), $"'references' of {what}");
        CheckKeys(references, YamlKeys.References, $"'references' of {what}");
        var refSchema = OptionalName(references, "schema", what) ?? schema;
        var refTableNode = Required(references, "table", $"'references' of {what}");
        var refTable = Name(refTableNode, $"the referenced table of {what}");
        var refColumnsNode = Required(references, "columns", $"'references' of {what}");
        var refColumns = NameList(refColumnsNode, $"the referenced columns of {what}");
        if (refColumns.Count != columns.Count)
        {
            throw Error(refColumnsNode, $"{what} has {columns.Count} column(s) but references {refColumns.Count}");
        }

        builder.AddReference(new PendingReference(refSchema, refTable, refTableNode, refColumns));
        ClaimConstraintName(name, Optional(mapping, "name") ?? mapping);
        var match = "simple";
        if (Optional(mapping, "match") is { } matchNode)
        {
            match = Normalize(Text(matchNode, $"'match' of {what}"));
            if (!YamlKeys.MatchTypes.Contains(match))
            {
                throw Error(matchNode, $"invalid match {Describe(matchNode)} for {what}; expected one of: {string.Join(", ", YamlKeys.MatchTypes)} (MATCH PARTIAL is not implemented by PostgreSQL)");
            }
        }

        var (deferrable, deferred) = KeyPartReader.ReadDeferrable(mapping, what);
        return new ForeignKeyModel(
            name,
            columns,
            refSchema,
            refTable,
            refColumns.Select(c => c.Value).ToList(),
            ReadAction(mapping, "onDelete", what),
            ReadAction(mapping, "onUpdate", what),
            mapping.Location,
            match,
            deferrable,
            deferred);
    }

    private CheckConstraintModel ReadCheck(YMapping mapping)
    {
        var what = $"a check constraint of {_what}";
        CheckKeys(mapping, YamlKeys.Check, what);
        var nameNode = Required(mapping, "name", what);
        var name = Name(nameNode, $"the name of {what}");
        var expression = Text(Required(mapping, "expression", $"check '{name}' of {_what}"), $"the expression of check '{name}'");
        ClaimConstraintName(name, nameNode);
        return new CheckConstraintModel(name, expression, mapping.Location, OptionalBool(mapping, "noInherit", $"check '{name}' of {_what}") ?? false);
    }

    private static string ReadAction(YMapping mapping, string key, string what)
    {
        if (Optional(mapping, key) is not { } node)
        {
            return "no action";
        }

        var action = Normalize(Text(node, $"'{key}' of {what}"));
        return YamlKeys.ReferentialActions.Contains(action)
            ? action
            : throw Error(node, $"invalid {key} action {Describe(node)} for {what}; expected one of: {string.Join(", ", YamlKeys.ReferentialActions)}");
    }

    private List<T> ReadList<T>(YMapping mapping, string key, Func<YMapping, T> read) =>
        Optional(mapping, key) is { } node
            ? Sequence(node, $"'{key}' of {_what}").Items.Select(item => read(Mapping(item, $"an item of '{key}' of {_what}"))).ToList()
            : [];

    /// <summary>A list of distinct column names of this table.</summary>
    private List<string> ColumnList(YNode node, string what, bool allowEmpty = false)
    {
        var items = NameList(node, what, allowEmpty);
        var result = new List<string>();
        foreach (var (column, itemNode) in items)
        {
            if (_columns.All(c => c.Name != column))
            {
                var suggestion = KeySuggester.Closest(column, _columns.Select(c => c.Name));
                var hint = suggestion is null ? "" : $"; did you mean '{suggestion}'?";
                throw Error(itemNode, $"{_what} has no column '{column}'{hint}");
            }

            if (result.Contains(column))
            {
                throw Error(itemNode, $"column '{column}' appears twice in {what}");
            }

            result.Add(column);
        }

        return result;
    }

    private bool IsColumn(string name) => _columns.Any(c => c.Name == name);

    private void ClaimConstraintName(string name, YNode node)
    {
        if (!_constraintNames.TryAdd(name, node))
        {
            var first = _constraintNames[name].Location;
            throw Error(node, $"duplicate constraint or index name '{name}' in {_what} (first used at line {first.Line}, column {first.Column})");
        }
    }

    private static string? OptionalName(YMapping mapping, string key, string what) =>
        Optional(mapping, key) is { } node ? Name(node, $"'{key}' of {what}") : null;

    /// <summary>Lower case with single spaces: "SET  NULL" becomes "set null".</summary>
    private static string Normalize(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}
