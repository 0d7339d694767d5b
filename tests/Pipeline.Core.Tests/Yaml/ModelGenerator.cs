using Pipeline.Core.Model;
using Pipeline.Core.Yaml;

namespace Pipeline.Core.Tests.Yaml;

/// <summary>Random but valid models with awkward names and expressions, for round-trip tests.</summary>
internal sealed class ModelGenerator(int seed)
{
    public static readonly string[] Names =
    [
        "id", "Customer", "UPPER", "with space", "bıgınt", "naïve", "日本語", "it's", "say \"hi\"", "a:b", "#hash",
        "null", "true", "False", "yes", "~", "123", "1.5", "0x1F", "- dash", "[x]", "{y}", "a,b", "*star", "&amp",
        "!bang", "%pct", "@at", "`tick", "|pipe", ">gt", "?q", " lead", "trail ", "tab\there", "2024-01-01", "<<",
        "😀", "x\\y",
    ];

    public static readonly string[] Expressions =
    [
        "now()", "'a:b # c'::text", "x > 0\n  AND y < 1", "", "'it''s'", "\"quoted\" IS NOT NULL", "{a}", "[1]", "- 1",
        "true", "null", "~", "  spaces  ", "trailing\n", "tab\there", "unicode ✓", "emoji 😀", "a: b", "key: value # no",
        "line1\r\nline2", "back\\slash", "nextval('s'::regclass)", "\u00e9\u0301", "'\u2028'", "lower(email)",
    ];

    public static readonly string[] Types =
    [
        "bigint", "integer", "text", "character varying(20)", "numeric(10,2)", "timestamp with time zone",
        "public.\"My Enum\"", "text[]", "bıgınt", "double precision", "jsonb", "uuid", "boolean",
    ];

    private readonly Random _random = new(seed);

    public DatabaseModel Next()
    {
        var schemas = new List<SchemaModel>();
        var schemaNames = Pick(Names, _random.Next(1, 4));
        foreach (var schemaName in schemaNames)
        {
            schemas.Add(new SchemaModel(schemaName, [], Enums()));
        }

        // Tables first (so foreign keys can point anywhere), then constraints.
        var tables = schemas.ToDictionary(s => s.Name, s => Pick(Names, _random.Next(0, 4)).Select(Table).ToList());
        var relationNames = new HashSet<string>();
        foreach (var schema in schemas)
        {
            var list = tables[schema.Name];
            for (var i = 0; i < list.Count; i++)
            {
                list[i] = AddConstraints(schema.Name, list[i], tables, relationNames);
            }
        }

        // PostgreSQL cannot reference a deferrable key: keys that foreign keys reference become non-deferrable.
        var referenced = tables.Values.SelectMany(l => l).SelectMany(t => t.ForeignKeys)
            .Select(f => (f.ReferencedSchema, f.ReferencedTable, Columns: f.ReferencedColumns.Order(StringComparer.Ordinal).ToList()))
            .ToList();
        bool IsReferenced(string schema, string table, IReadOnlyList<string> columns) =>
            referenced.Any(r => r.ReferencedSchema == schema && r.ReferencedTable == table && r.Columns.SequenceEqual(columns.Order(StringComparer.Ordinal)));
        foreach (var (schemaName, list) in tables)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var t = list[i];
                list[i] = t with
                {
                    PrimaryKey = t.PrimaryKey is { } key && IsReferenced(schemaName, t.Name, key.Columns)
                        ? key with { Deferrable = false, InitiallyDeferred = false }
                        : t.PrimaryKey,
                    Uniques = t.Uniques.Select(u => IsReferenced(schemaName, t.Name, u.Columns) ? u with { Deferrable = false, InitiallyDeferred = false } : u).ToList(),
                };
            }
        }

        var exclude = Enumerable.Range(0, _random.Next(0, 3)).Select(_ => One(Names) + "*").ToList();
        return new DatabaseModel(schemas.Select(s => s with { Tables = tables[s.Name] }).ToList(), exclude);
    }

    private List<EnumTypeModel> Enums() =>
        Pick(Names, _random.Next(0, 3)).Select(n => new EnumTypeModel("enum " + n, Pick(Names, _random.Next(0, 5)))).ToList();

    private TableModel Table(string name)
    {
        var columns = Pick(Names, _random.Next(0, 6)).Select(Column).ToList();
        return new TableModel(
            "t " + name,
            columns,
            Comment: Maybe(Expressions),
            RenamedFrom: Maybe(Names));
    }

    public static readonly string[] Collations = ["C", "POSIX", "en-x-icu", "ucs_basic", "und-x-icu"];

    public static readonly string[] OperatorClasses = ["text_pattern_ops", "varchar_pattern_ops", "jsonb_path_ops", "gist_trgm_ops"];

    public static readonly string[] Operators = ["=", "&&", "<>", "-|-", "OPERATOR(public.=)"];

    private ColumnModel Column(string name)
    {
        var identity = _random.Next(6) switch { 0 => IdentityKind.Always, 1 => IdentityKind.ByDefault, _ => IdentityKind.None };
        var generated = identity == IdentityKind.None && _random.Next(5) == 0 ? NonEmptyExpression() : null;
        return new ColumnModel(
            name,
            One(Types),
            identity == IdentityKind.None && _random.Next(2) == 0,
            identity == IdentityKind.None && generated is null ? Maybe(Expressions) : null,
            identity,
            Maybe(Expressions),
            Maybe(Names),
            generated is null ? Maybe(Expressions) : null,
            Maybe(Expressions),
            Generated: generated);
    }

    /// <summary>An expression that is not empty and not wrapped whole in parentheses.</summary>
    private string NonEmptyExpression()
    {
        var pool = Expressions.Where(e => e.Trim().Length > 0 && !e.StartsWith('(')).ToList();
        return One(pool);
    }

    private IndexKeyModel Key(string column)
    {
        var expression = _random.Next(4) == 0 ? (_random.Next(2) == 0 ? "lower(" + column + ")" : NonEmptyExpression()) : null;
        var descending = _random.Next(3) == 0;
        bool? nullsFirst = _random.Next(4) == 0 ? !descending : null;
        return new IndexKeyModel(
            expression is null ? column : null,
            expression,
            _random.Next(5) == 0 ? One(Collations) : null,
            _random.Next(4) == 0 ? One(OperatorClasses) : null,
            descending,
            nullsFirst);
    }

    private List<StorageParameter> With() => _random.Next(3) switch
    {
        0 => [new StorageParameter("deduplicate_items", One(["on", "off"])), new StorageParameter("fillfactor", "70")],
        1 => [new StorageParameter("fastupdate", "off")],
        _ => [],
    };

    private (bool Deferrable, bool Deferred) Timing() => _random.Next(3) switch
    {
        0 => (true, false),
        1 => (true, true),
        _ => (false, false),
    };

    private TableModel AddConstraints(
        string schema, TableModel table, Dictionary<string, List<TableModel>> tables, HashSet<string> relationNames)
    {
        var constraintNames = new HashSet<string>();
        string Claim(string preferred, bool relation)
        {
            var name = preferred;
            for (var n = 1; !constraintNames.Add(name) || (relation && relationNames.Contains(schema + "\0" + name)); n++)
            {
                constraintNames.Remove(preferred);
                name = preferred + " " + n;
            }

            if (relation)
            {
                relationNames.Add(schema + "\0" + name);
            }

            return name;
        }

        var columns = table.Columns.ToList();
        var names = columns.Select(c => c.Name).ToList();
        if (names.Count == 0)
        {
            return table;
        }

        PrimaryKeyModel? pk = null;
        if (_random.Next(3) > 0)
        {
            var pkColumns = Pick(names, _random.Next(1, Math.Min(3, names.Count) + 1));
            for (var i = 0; i < columns.Count; i++)
            {
                if (pkColumns.Contains(columns[i].Name))
                {
                    columns[i] = columns[i] with { Nullable = false };
                }
            }

            var (pkDeferrable, pkDeferred) = Timing();
            pk = new PrimaryKeyModel(
                Claim(_random.Next(2) == 0 ? DefaultConstraintNames.PrimaryKey(table.Name) : "pk " + One(Names), true),
                pkColumns,
                null,
                pkDeferrable,
                pkDeferred);
        }

        var uniques = Enumerable.Range(0, _random.Next(0, 3)).Select(_ =>
        {
            var cols = Pick(names, _random.Next(1, names.Count + 1));
            var (deferrable, deferred) = Timing();
            return new UniqueConstraintModel(
                Claim(_random.Next(2) == 0 ? DefaultConstraintNames.Unique(table.Name, cols) : "uq " + One(Names), true),
                cols,
                null,
                _random.Next(3) == 0,
                deferrable,
                deferred);
        }).ToList();

        var indexes = Enumerable.Range(0, _random.Next(0, 3)).Select(_ =>
        {
            var unique = _random.Next(2) == 0;
            return new IndexModel(
                Claim("ix " + One(Names), true),
                Pick(names, _random.Next(1, names.Count + 1)).Select(Key).ToList(),
                unique,
                Maybe(Expressions),
                One(["btree", "hash", "gin", "gist", "brin"]),
                Pick(names, _random.Next(0, names.Count + 1)),
                null,
                With(),
                unique && _random.Next(3) == 0);
        }).ToList();

        var exclusions = Enumerable.Range(0, _random.Next(0, 2)).Select(_ =>
        {
            var (deferrable, deferred) = Timing();
            return new ExclusionConstraintModel(
                Claim("ex " + One(Names), true),
                One(["gist", "btree", "spgist"]),
                Pick(names, _random.Next(1, names.Count + 1)).Select(c => new ExclusionElementModel(Key(c), One(Operators))).ToList(),
                Pick(names, _random.Next(0, Math.Min(2, names.Count) + 1)),
                Maybe(Expressions),
                With(),
                deferrable,
                deferred);
        }).ToList();

        var foreignKeys = new List<ForeignKeyModel>();
        var targets = tables.SelectMany(kv => kv.Value.Select(t => (Schema: kv.Key, Table: t))).Where(x => x.Table.Columns.Count > 0).ToList();
        for (var i = _random.Next(0, 3); i > 0 && targets.Count > 0; i--)
        {
            var target = targets[_random.Next(targets.Count)];
            var targetColumns = target.Table.Columns.Select(c => c.Name).ToList();
            var count = _random.Next(1, Math.Min(names.Count, targetColumns.Count) + 1);
            var cols = Pick(names, count);
            var (deferrable, deferred) = Timing();
            foreignKeys.Add(new ForeignKeyModel(
                Claim(_random.Next(2) == 0 ? DefaultConstraintNames.ForeignKey(table.Name, cols) : "fk " + One(Names), false),
                cols,
                target.Schema,
                target.Table.Name,
                Pick(targetColumns, count),
                One(YamlKeys.ReferentialActions),
                One(YamlKeys.ReferentialActions),
                null,
                One(YamlKeys.MatchTypes),
                deferrable,
                deferred));
        }

        var checks = Enumerable.Range(0, _random.Next(0, 3))
            .Select(_ => new CheckConstraintModel(Claim("ck " + One(Names), false), One(Expressions), null, _random.Next(4) == 0))
            .ToList();

        return table with
        {
            Columns = columns,
            PrimaryKey = pk,
            Uniques = uniques,
            Indexes = indexes,
            ForeignKeys = foreignKeys,
            Checks = checks,
            Exclusions = exclusions,
        };
    }

    private string One(IReadOnlyList<string> pool) => pool[_random.Next(pool.Count)];

    private string? Maybe(IReadOnlyList<string> pool) => _random.Next(3) == 0 ? One(pool) : null;

    /// <summary><paramref name="count"/> distinct items in random order.</summary>
    private List<string> Pick(IReadOnlyList<string> pool, int count) =>
        pool.Distinct().OrderBy(_ => _random.Next()).Take(count).ToList();
}
