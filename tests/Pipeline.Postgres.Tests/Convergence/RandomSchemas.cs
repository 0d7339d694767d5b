using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// Random schemas within the model, written the way <c>pipeline inspect</c> prints them (format_type spellings,
/// deparsed defaults and expressions), so that inspect(create(model)) can be compared as text; and random changes of
/// such a schema (<see cref="Mutate"/>) that the planner must make converge. Deterministic per seed.
/// <para>Left out on purpose: type changes of key columns referenced by foreign keys (both sides would have to change
/// in one step), removing or reordering enum labels (refused, PIPE2004), two type changes of one column in one
/// change (enum → text → integer has no cast: refused, PIPE2030), a volatile default on a new column of a table
/// without primary key (its backfill is refused, PIPE2003).</para>
/// </summary>
internal sealed class RandomSchemas(int seed)
{
    private static readonly string[] TableNames = ["orders", "customers", "Items", "line items", "events", "accounts", "order", "ledger"];

    private static readonly string[] ColumnNames =
        ["id", "name", "Code", "total", "created at", "status", "note", "qty", "ref", "flag", "data", "tags", "amount", "kind", "user", "score"];

    private static readonly string[] Labels = ["new", "paid", "shipped", "Done", "on hold", "it's", "x"];

    private readonly Random random = new(seed);

    /// <summary>Columns whose type one <see cref="Mutate"/> changed already: two chained changes (enum → text →
    /// integer) make a change without a cast, which the plan refuses (PIPE2030) by design.</summary>
    private readonly HashSet<(string Schema, string Table, string Column)> retyped = [];
    private int counter;

    /// <summary>Column types and what the generator may put on them.</summary>
    private sealed record TypeInfo(string Type, string[] Defaults, Func<string, string>? Check = null, Func<string, string>? Expression = null,
        string? Method = null, bool Identity = false);

    private static readonly TypeInfo[] Types =
    [
        new("integer", ["0", "42"], c => $"{c} >= 0", Method: "brin", Identity: true),
        new("bigint", ["0"], c => $"{c} > 0", Identity: true),
        new("smallint", ["1"], c => $"{c} < 100"),
        new("numeric(10,2)", ["0"], c => $"{c} > 0::numeric"),
        new("text", ["'x'::text", "''::text"], c => $"{c} <> ''::text", c => $"(lower({c}))", Method: "hash"),
        new("character varying(20)", ["'x'::character varying"], c => $"{c}::text <> ''::text", c => $"(lower({c}::text))"),
        new("boolean", ["true", "false"]),
        new("timestamp with time zone", ["now()"], Method: "brin"),
        new("date", ["CURRENT_DATE"]),
        new("uuid", ["gen_random_uuid()"]),
        new("jsonb", ["'{}'::jsonb"], Method: "gin"),
        new("text[]", ["'{}'::text[]"], Method: "gin"),
        new("double precision", []),
        new("serial", []),
        new("bigserial", []),
    ];

    /// <summary>Type changes the generator makes (from → candidates); enums are added at run time.</summary>
    private static readonly Dictionary<string, string[]> TypeChanges = new(StringComparer.Ordinal)
    {
        ["integer"] = ["bigint", "serial", "text", "numeric(10,2)"],
        ["bigint"] = ["integer", "bigserial", "numeric(10,2)"],
        ["smallint"] = ["integer", "bigint"],
        ["numeric(10,2)"] = ["numeric(12,2)", "integer", "double precision"],
        ["numeric(12,2)"] = ["numeric(10,2)"],
        ["text"] = ["character varying(20)", "integer", "jsonb", "uuid"],
        ["character varying(20)"] = ["character varying(50)", "text"],
        ["character varying(50)"] = ["character varying(20)", "text"],
        ["boolean"] = ["text", "integer"],
        ["timestamp with time zone"] = ["date", "timestamp without time zone", "text"],
        ["timestamp without time zone"] = ["timestamp with time zone"],
        ["date"] = ["timestamp with time zone"],
        ["uuid"] = ["text"],
        ["jsonb"] = ["json", "text"],
        ["json"] = ["jsonb"],
        ["text[]"] = ["character varying(20)[]", "text"],
        ["character varying(20)[]"] = ["text[]"],
        ["double precision"] = ["numeric(10,2)", "real"],
        ["real"] = ["double precision"],
        ["serial"] = ["bigserial", "integer", "smallserial"],
        ["bigserial"] = ["serial", "bigint"],
        ["smallserial"] = ["serial"],
    };

    /// <summary>A new random schema: public (and sometimes a second schema), enums, tables with keys, indexes,
    /// foreign keys and checks.</summary>
    public DatabaseModel Next()
    {
        var enums = Enumerable.Range(0, random.Next(0, 3)).Select(i => new EnumTypeModel($"mood{i}", Pick(Labels, random.Next(1, 5)))).ToList();
        var schemas = new List<SchemaModel> { new("public", [], enums) };
        if (random.Next(4) == 0)
        {
            schemas.Add(new SchemaModel("App Data", [], [new EnumTypeModel("level", Pick(Labels, 2))]));
        }

        var model = new DatabaseModel(schemas, []);
        foreach (var schema in schemas.Select(s => s.Name).ToList())
        {
            foreach (var name in Pick(TableNames, random.Next(1, 4)))
            {
                model = AddTable(model, schema, name);
            }
        }

        for (var i = random.Next(0, 3); i > 0; i--)
        {
            model = AddForeignKey(model);
        }

        return model;
    }

    /// <summary>A changed copy of <paramref name="model"/>: one to five random changes (renames declared with
    /// <c>renamedFrom:</c>).</summary>
    public DatabaseModel Mutate(DatabaseModel model)
    {
        retyped.Clear();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            model = random.Next(16) switch
            {
                0 => AddColumnTo(model),
                1 => DropColumn(model),
                2 => RenameColumn(model),
                3 or 4 or 5 => ChangeType(model),
                6 => ToggleNullable(model),
                7 => ChangeDefault(model),
                8 => ChangeTable(model),
                9 => ChangePrimaryKey(model),
                10 => ChangeUniques(model),
                11 => ChangeIndexes(model),
                12 => random.Next(2) == 0 ? AddForeignKey(model) : ChangeForeignKeys(model),
                13 => ChangeChecks(model),
                14 => ChangeEnums(model),
                _ => ChangeIdentity(model),
            };
        }

        return model;
    }

    // ---- building ----

    private DatabaseModel AddTable(DatabaseModel model, string schema, string name)
    {
        if (model.FindTable(schema, name) is not null)
        {
            return model;
        }

        var columns = new List<ColumnModel>();
        foreach (var column in Pick(ColumnNames, random.Next(1, 6)))
        {
            columns.Add(NewColumn(model, schema, column));
        }

        var table = new TableModel(name, columns, Comment: random.Next(4) == 0 ? "about " + name : null);
        if (random.Next(4) > 0)
        {
            table = WithPrimaryKey(table, Pick(columns.Where(c => Keyable(c.Type)).Select(c => c.Name).ToList(), random.Next(1, 3)));
        }

        for (var i = random.Next(0, 2); i > 0; i--)
        {
            table = AddUnique(table);
        }

        for (var i = random.Next(0, 3); i > 0; i--)
        {
            table = AddIndex(table);
        }

        for (var i = random.Next(0, 2); i > 0; i--)
        {
            table = AddCheck(table);
        }

        return Replace(model, schema, s => s with { Tables = [.. s.Tables, table] });
    }

    private ColumnModel NewColumn(DatabaseModel model, string schema, string name)
    {
        var enumTypes = EnumTypes(model).ToList();
        if (enumTypes.Count > 0 && random.Next(6) == 0)
        {
            var (type, labels) = enumTypes[random.Next(enumTypes.Count)];
            var nullable = random.Next(2) == 0;
            return new ColumnModel(name, type, nullable, random.Next(2) == 0 || !nullable ? $"{Literal(labels[0])}::{type}" : null,
                Comment: random.Next(5) == 0 ? "enum" : null);
        }

        var info = Types[random.Next(Types.Length)];
        if (info.Type is "serial" or "bigserial")
        {
            return new ColumnModel(name, info.Type, false);
        }

        if (info.Identity && random.Next(5) == 0)
        {
            return new ColumnModel(name, info.Type, false, Identity: random.Next(2) == 0 ? IdentityKind.Always : IdentityKind.ByDefault);
        }

        var isNullable = random.Next(3) > 0;
        var @default = info.Defaults.Length > 0 && (random.Next(2) == 0 || !isNullable) ? info.Defaults[random.Next(info.Defaults.Length)] : null;
        return new ColumnModel(name, info.Type, isNullable, @default, Comment: random.Next(6) == 0 ? "the " + name : null);
    }

    private static TableModel WithPrimaryKey(TableModel table, List<string> columns, string? name = null)
    {
        if (columns.Count == 0)
        {
            return table with { PrimaryKey = null };
        }

        return table with
        {
            PrimaryKey = new PrimaryKeyModel(name ?? Truncate(table.Name + "_pkey"), columns),
            Columns = table.Columns.Select(c => columns.Contains(c.Name) ? c with { Nullable = false } : c).ToList(),
        };
    }

    private TableModel AddUnique(TableModel table)
    {
        var candidates = table.Columns.Where(c => Keyable(c.Type)).Select(c => c.Name).ToList();
        if (candidates.Count == 0)
        {
            return table;
        }

        var columns = Pick(candidates, random.Next(1, 3));
        return table with { Uniques = [.. table.Uniques, new UniqueConstraintModel(NewName("uq"), columns)] };
    }

    private TableModel AddIndex(TableModel table)
    {
        if (table.Columns.Count == 0)
        {
            return table;
        }

        var column = table.Columns[random.Next(table.Columns.Count)];
        var info = Info(column.Type);
        var quoted = SqlIdentifiers.Quote(column.Name);
        IndexModel index;
        var choice = random.Next(6);
        if (choice == 0 && info?.Method is { } method)
        {
            index = new IndexModel(NewName("ix"), [IndexKeyModel.OfColumn(column.Name)], Method: method);
        }
        else if (choice == 1 && info?.Expression is { } expression)
        {
            index = new IndexModel(NewName("ix"), [expression(quoted)], Unique: random.Next(3) == 0);
        }
        else if (Keyable(column.Type))
        {
            var keys = Pick(table.Columns.Where(c => Keyable(c.Type)).Select(c => c.Name).ToList(), random.Next(1, 3))
                .Select(k => new IndexKeyModel(k, Descending: random.Next(3) == 0)).ToList();
            var include = table.Columns.Where(c => Keyable(c.Type) && !keys.Any(k => k.Column == c.Name)).Select(c => c.Name).ToList();
            index = new IndexModel(NewName("ix"), keys, Unique: random.Next(3) == 0,
                Where: random.Next(4) == 0 ? $"{quoted} IS NOT NULL" : null,
                Include: random.Next(4) == 0 && include.Count > 0 ? [include[0]] : null);
        }
        else
        {
            return table;
        }

        return table with { Indexes = [.. table.Indexes, index] };
    }

    private TableModel AddCheck(TableModel table)
    {
        var candidates = table.Columns.Where(c => Info(c.Type)?.Check is not null).ToList();
        if (candidates.Count == 0)
        {
            return table;
        }

        var column = candidates[random.Next(candidates.Count)];
        return table with { Checks = [.. table.Checks, new CheckConstraintModel(NewName("ck"), Info(column.Type)!.Check!(SqlIdentifiers.Quote(column.Name)))] };
    }

    private DatabaseModel AddForeignKey(DatabaseModel model)
    {
        var targets = AllTables(model)
            .SelectMany(t => KeysOf(t.Table).Select(k => (t.Schema, t.Table, Key: k)))
            .Where(t => t.Key.All(c => t.Table.FindColumn(c) is not null))
            .ToList();
        var tables = AllTables(model).ToList();
        if (targets.Count == 0 || tables.Count == 0)
        {
            return model;
        }

        var target = targets[random.Next(targets.Count)];
        var (schema, table) = tables[random.Next(tables.Count)];
        var columns = new List<ColumnModel>(table.Columns);
        var fkColumns = new List<string>();
        foreach (var keyColumn in target.Key)
        {
            var type = ReferencingType(target.Table.FindColumn(keyColumn)!.Type);
            var name = Truncate($"{target.Table.Name} {keyColumn}");
            var existing = columns.FirstOrDefault(c => c.Name == name);
            if (existing is not null && existing.Type != type)
            {
                return model;
            }

            if (existing is null)
            {
                columns.Add(new ColumnModel(name, type, true));
            }

            fkColumns.Add(name);
        }

        if (fkColumns.Distinct().Count() != fkColumns.Count)
        {
            return model;
        }

        string[] actions = ["no action", "restrict", "cascade", "set null"];
        var fk = new ForeignKeyModel(NewName("fk"), fkColumns, target.Schema, target.Table.Name, target.Key,
            actions[random.Next(actions.Length)], actions[random.Next(2)]);
        return ReplaceTable(model, schema, table.Name, t => t with { Columns = columns, ForeignKeys = [.. t.ForeignKeys, fk] });
    }

    // ---- mutations ----

    private DatabaseModel AddColumnTo(DatabaseModel model) => WithRandomTable(model, (schema, t) =>
    {
        var name = ColumnNames[random.Next(ColumnNames.Length)];
        if (t.FindColumn(name) is not null)
        {
            name += " 2";
        }

        if (t.FindColumn(name) is not null)
        {
            return t;
        }

        // Excluded (a clear refusal, not a failure): a new column with a volatile default is backfilled in batches
        // over the primary key; without one the plan is blocked (PIPE2003), even on an empty table.
        var column = NewColumn(model, schema, name);
        if (t.PrimaryKey is null && column.Default == "gen_random_uuid()")
        {
            column = column with { Default = null, Nullable = true };
        }

        return t with { Columns = [.. t.Columns, column] };
    });

    private DatabaseModel DropColumn(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null || table.Columns.Count < 2)
        {
            return model;
        }

        var column = table.Columns[random.Next(table.Columns.Count)].Name;
        if (IsReferenced(model, schema, table.Name, column))
        {
            return model;
        }

        return ReplaceTable(model, schema, table.Name, t => WithoutColumn(t, column));
    }

    private DatabaseModel RenameColumn(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null || table.Columns.Count == 0)
        {
            return model;
        }

        var column = table.Columns[random.Next(table.Columns.Count)];
        var to = Truncate(column.Name + " new");
        if (IsReferenced(model, schema, table.Name, column.Name) || UsedInExpression(table, column.Name) || table.FindColumn(to) is not null)
        {
            return model;
        }

        IReadOnlyList<string> R(IReadOnlyList<string> list) => list.Select(c => c == column.Name ? to : c).ToList();
        IReadOnlyList<IndexKeyModel> K(IReadOnlyList<IndexKeyModel> keys) => keys.Select(k => k.Column == column.Name ? k with { Column = to } : k).ToList();
        return ReplaceTable(model, schema, table.Name, t => t with
        {
            Columns = t.Columns.Select(c => c.Name == column.Name ? c with { Name = to, RenamedFrom = c.RenamedFrom ?? c.Name } : c).ToList(),
            PrimaryKey = t.PrimaryKey is null ? null : t.PrimaryKey with { Columns = R(t.PrimaryKey.Columns) },
            Uniques = t.Uniques.Select(u => u with { Columns = R(u.Columns) }).ToList(),
            Indexes = t.Indexes.Select(i => i with { Keys = K(i.Keys), Include = R(i.Include) }).ToList(),
            ForeignKeys = t.ForeignKeys.Select(f => f with { Columns = R(f.Columns) }).ToList(),
        });
    }

    private DatabaseModel ChangeType(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null || table.Columns.Count == 0)
        {
            return model;
        }

        var column = table.Columns[random.Next(table.Columns.Count)];
        if (!retyped.Add((schema, table.Name, column.Name)))
        {
            return model;
        }

        // Key columns of foreign keys keep their type (both sides would have to change together).
        if (IsReferenced(model, schema, table.Name, column.Name) || table.ForeignKeys.Any(f => f.Columns.Contains(column.Name)))
        {
            return model;
        }

        var enums = EnumTypes(model).ToList();
        var candidates = new List<string>(TypeChanges.GetValueOrDefault(column.Type, []));
        var isEnum = enums.Any(e => e.Type == column.Type);
        if (column.Type is "text" or "character varying(20)" || isEnum)
        {
            candidates.AddRange(enums.Where(e => e.Type != column.Type).Select(e => e.Type));
        }

        if (isEnum)
        {
            candidates.Add("text");
        }

        if (column.Identity != IdentityKind.None)
        {
            candidates = candidates.Where(c => c is "integer" or "bigint").ToList();
        }

        var inKey = table.PrimaryKey?.Columns.Contains(column.Name) == true || table.Uniques.Any(u => u.Columns.Contains(column.Name))
            || table.Indexes.Any(i => i.Keys.Any(k => k == column.Name || k == column.Name + " DESC") || i.Include.Contains(column.Name));
        var indexMethods = table.Indexes.Where(i => i.Keys.Contains(column.Name) || i.Keys.Contains(column.Name + " DESC")).Select(i => i.Method).Distinct().ToList();
        candidates = candidates
            .Where(c => !inKey || Keyable(c))
            .Where(c => indexMethods.All(m => m == "btree" ? Keyable(c) : Info(c)?.Method == m))
            .Where(c => column.Nullable ? c is not ("serial" or "bigserial" or "smallserial") : true)
            .ToList();
        if (candidates.Count == 0)
        {
            return model;
        }

        var to = candidates[random.Next(candidates.Count)];
        var serial = to is "serial" or "bigserial" or "smallserial";
        var newDefault = serial ? null : DefaultFor(model, to, column.Default is not null || !column.Nullable);
        if (column.Identity != IdentityKind.None)
        {
            newDefault = null;
        }

        var changed = column with { Type = to, Default = newDefault, Nullable = serial ? false : column.Nullable };
        // Checks and expression index keys on the column are rewritten for the new type (or dropped when it has none);
        // a predicate "col IS NOT NULL" fits every type and stays.
        var quoted = SqlIdentifiers.Quote(column.Name);
        var info = Info(to);
        return ReplaceTable(model, schema, table.Name, t => t with
        {
            Columns = t.Columns.Select(c => c.Name == column.Name ? changed : c).ToList(),
            Checks = t.Checks
                .Select(k => !k.Expression.Contains(quoted, StringComparison.Ordinal) ? k : info?.Check is { } check ? k with { Expression = check(quoted) } : null)
                .OfType<CheckConstraintModel>().ToList(),
            Indexes = t.Indexes
                .Select(i => !i.Keys.Any(k => k.IsExpression && k.Expression!.Contains(quoted, StringComparison.Ordinal)) ? i
                    : info?.Expression is { } expression ? i with { Keys = [expression(quoted)] } : null)
                .OfType<IndexModel>().ToList(),
        });
    }

    private DatabaseModel ToggleNullable(DatabaseModel model) => WithRandomColumn(model, (t, c) =>
        c.Identity != IdentityKind.None || c.Type.EndsWith("serial", StringComparison.Ordinal) || t.PrimaryKey?.Columns.Contains(c.Name) == true
            ? c
            : c with { Nullable = !c.Nullable });

    private DatabaseModel ChangeDefault(DatabaseModel model) => WithRandomColumn(model, (t, c) =>
        c.Identity != IdentityKind.None || c.Type.EndsWith("serial", StringComparison.Ordinal)
            ? c
            : c with { Default = random.Next(3) == 0 ? null : DefaultFor(model, c.Type, true), Comment = random.Next(3) == 0 ? "changed" : c.Comment });

    private DatabaseModel ChangeTable(DatabaseModel model)
    {
        var schema = model.Schemas[random.Next(model.Schemas.Count)].Name;
        switch (random.Next(4))
        {
            case 0:
                return AddTable(model, schema, TableNames[random.Next(TableNames.Length)] + " x");
            case 1:
            {
                var (s, table) = RandomTable(model);
                if (table is null || AllTables(model).Any(x => x.Table.ForeignKeys.Any(f => f.ReferencedSchema == s && f.ReferencedTable == table.Name && !(x.Schema == s && x.Table.Name == table.Name))))
                {
                    return model;
                }

                return Replace(model, s, sc => sc with { Tables = sc.Tables.Where(x => x.Name != table.Name).ToList() });
            }

            case 2:
            {
                var (s, table) = RandomTable(model);
                var to = table is null ? "" : Truncate(table.Name + " renamed");
                if (table is null || table.RenamedFrom is not null || model.FindTable(s, to) is not null)
                {
                    return model;
                }

                // Keys with PostgreSQL's default names follow the table's name in the model (the planner renames them).
                var renamed = table with
                {
                    Name = to,
                    RenamedFrom = table.Name,
                    PrimaryKey = table.PrimaryKey is null ? null : table.PrimaryKey with { Name = table.PrimaryKey.Name == Truncate(table.Name + "_pkey") ? Truncate(to + "_pkey") : table.PrimaryKey.Name },
                    ForeignKeys = table.ForeignKeys.Select(f => f.ReferencedSchema == s && f.ReferencedTable == table.Name ? f with { ReferencedTable = to } : f).ToList(),
                };
                model = Replace(model, s, sc => sc with { Tables = sc.Tables.Select(x => x.Name == table.Name ? renamed : x).ToList() });
                foreach (var (os, other) in AllTables(model).ToList())
                {
                    if (other.ForeignKeys.Any(f => f.ReferencedSchema == s && f.ReferencedTable == table.Name))
                    {
                        model = ReplaceTable(model, os, other.Name, x => x with
                        {
                            ForeignKeys = x.ForeignKeys.Select(f => f.ReferencedSchema == s && f.ReferencedTable == table.Name ? f with { ReferencedTable = to } : f).ToList(),
                        });
                    }
                }

                return model;
            }

            default:
                return WithRandomTable(model, (_, t) => t with { Comment = t.Comment is null ? "now commented" : null });
        }
    }

    private DatabaseModel ChangePrimaryKey(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null)
        {
            return model;
        }

        var keyable = table.Columns.Where(c => Keyable(c.Type)).Select(c => c.Name).ToList();
        var choice = random.Next(3);
        TableModel changed;
        if (choice == 0 || table.PrimaryKey is null)
        {
            changed = WithPrimaryKey(table, Pick(keyable, random.Next(1, 3)), table.PrimaryKey?.Name);
        }
        else if (choice == 1)
        {
            changed = table with { PrimaryKey = table.PrimaryKey with { Name = NewName("pk") } };
        }
        else
        {
            changed = table with { PrimaryKey = null };
        }

        // Foreign keys that would lose their referenced key are dropped with it (a desired schema must stay valid).
        return DropDanglingForeignKeys(ReplaceTable(model, schema, table.Name, _ => changed));
    }

    private DatabaseModel ChangeUniques(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null)
        {
            return model;
        }

        TableModel changed = random.Next(3) switch
        {
            0 => AddUnique(table),
            1 when table.Uniques.Count > 0 => table with { Uniques = table.Uniques.Skip(1).ToList() },
            _ when table.Uniques.Count > 0 => table with { Uniques = [table.Uniques[0] with { Name = NewName("uq") }, .. table.Uniques.Skip(1)] },
            _ => AddUnique(table),
        };
        return DropDanglingForeignKeys(ReplaceTable(model, schema, table.Name, _ => changed));
    }

    private DatabaseModel ChangeIndexes(DatabaseModel model)
    {
        var (schema, table) = RandomTable(model);
        if (table is null)
        {
            return model;
        }

        TableModel changed = random.Next(3) switch
        {
            0 => AddIndex(table),
            1 when table.Indexes.Count > 0 => table with { Indexes = table.Indexes.Skip(1).ToList() },
            _ when table.Indexes.Count > 0 && table.Indexes[0].Method == "btree" && !table.Indexes[0].Keys[0].IsExpression
                => table with { Indexes = [table.Indexes[0] with { Unique = !table.Indexes[0].Unique }, .. table.Indexes.Skip(1)] },
            _ => AddIndex(table),
        };
        return DropDanglingForeignKeys(ReplaceTable(model, schema, table.Name, _ => changed));
    }

    private DatabaseModel ChangeForeignKeys(DatabaseModel model) => WithRandomTable(model, (_, t) =>
        t.ForeignKeys.Count == 0
            ? t
            : random.Next(2) == 0
                ? t with { ForeignKeys = t.ForeignKeys.Skip(1).ToList() }
                : t with { ForeignKeys = [t.ForeignKeys[0] with { OnDelete = t.ForeignKeys[0].OnDelete == "cascade" ? "no action" : "cascade" }, .. t.ForeignKeys.Skip(1)] });

    private DatabaseModel ChangeChecks(DatabaseModel model) => WithRandomTable(model, (_, t) =>
        random.Next(2) == 0 || t.Checks.Count == 0 ? AddCheck(t) : t with { Checks = t.Checks.Skip(1).ToList() });

    private DatabaseModel ChangeEnums(DatabaseModel model)
    {
        var schema = model.Schemas[random.Next(model.Schemas.Count)];
        if (schema.Enums.Count == 0 || random.Next(4) == 0)
        {
            return Replace(model, schema.Name, s => s with { Enums = [.. s.Enums, new EnumTypeModel(NewName("mood"), Pick(Labels, 2))] });
        }

        var index = random.Next(schema.Enums.Count);
        var type = schema.Enums[index];
        EnumTypeModel changed;
        var unused = Labels.Where(l => !type.Values.Contains(l) && !type.Renames.Any(r => r.From == l)).ToList();
        if (unused.Count == 0)
        {
            return model;
        }

        var label = unused[random.Next(unused.Count)];
        if (random.Next(2) == 0)
        {
            // Add a label anywhere.
            var at = random.Next(type.Values.Count + 1);
            changed = type with { Values = [.. type.Values.Take(at), label, .. type.Values.Skip(at)] };
        }
        else
        {
            // Rename a label in place (declared), unless it was renamed already in this change.
            var at = random.Next(type.Values.Count);
            var from = type.Values[at];
            if (type.Renames.Any(r => r.To == from))
            {
                return model;
            }

            changed = type with
            {
                Values = type.Values.Select(v => v == from ? label : v).ToList(),
                Renames = [.. type.Renames, new EnumLabelRename(from, label)],
            };
            model = RenameLabelInDefaults(model, schema.Name, type.Name, from, label);
        }

        return Replace(model, schema.Name, s => s with { Enums = s.Enums.Select((e, i) => i == index ? changed : e).ToList() });
    }

    private DatabaseModel ChangeIdentity(DatabaseModel model) => WithRandomColumn(model, (t, c) =>
    {
        if (c.Type is not ("integer" or "bigint") || c.Nullable || c.Default is not null && c.Identity == IdentityKind.None)
        {
            return c;
        }

        var next = c.Identity switch
        {
            IdentityKind.None => IdentityKind.ByDefault,
            IdentityKind.ByDefault => random.Next(2) == 0 ? IdentityKind.Always : IdentityKind.None,
            _ => IdentityKind.ByDefault,
        };
        return c with { Identity = next };
    });

    // ---- helpers ----

    private static DatabaseModel RenameLabelInDefaults(DatabaseModel model, string schema, string enumName, string from, string to)
    {
        var type = schema == "public" ? enumName : $"{SqlIdentifiers.Quote(schema)}.{enumName}";
        var old = $"{Literal(from)}::{type}";
        foreach (var (s, table) in AllTables(model).ToList())
        {
            model = ReplaceTable(model, s, table.Name, t => t with
            {
                Columns = t.Columns.Select(c => c.Default == old ? c with { Default = $"{Literal(to)}::{type}" } : c).ToList(),
                Checks = t.Checks.Select(k => k with { Expression = k.Expression.Replace(old, $"{Literal(to)}::{type}", StringComparison.Ordinal) }).ToList(),
            });
        }

        return model;
    }

    private string? DefaultFor(DatabaseModel model, string type, bool want)
    {
        if (!want)
        {
            return null;
        }

        if (EnumTypes(model).FirstOrDefault(e => e.Type == type) is { Type: not null } e)
        {
            return $"{Literal(e.Labels[0])}::{type}";
        }

        var defaults = Info(type)?.Defaults ?? type switch
        {
            "numeric(12,2)" or "real" => ["0"],
            "character varying(50)" => ["'y'::character varying"],
            "timestamp without time zone" => ["now()"],
            "json" => ["'{}'::json"],
            _ => [],
        };
        return defaults.Length == 0 ? null : defaults[random.Next(defaults.Length)];
    }

    private static IEnumerable<(string Type, IReadOnlyList<string> Labels)> EnumTypes(DatabaseModel model) =>
        model.Schemas.SelectMany(s => s.Enums.Where(e => e.Values.Count > 0)
            .Select(e => (s.Name == "public" ? e.Name : $"{SqlIdentifiers.Quote(s.Name)}.{e.Name}", e.Values)));

    private static TypeInfo? Info(string type) => Types.FirstOrDefault(t => t.Type == type);

    /// <summary>Types a btree key (primary key, unique, plain index) can use.</summary>
    private static bool Keyable(string type) => type is not ("jsonb" or "json" or "text[]" or "character varying(20)[]" or "double precision" or "real");

    private static string ReferencingType(string type) => type switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        _ => type,
    };

    private static IEnumerable<IReadOnlyList<string>> KeysOf(TableModel table)
    {
        if (table.PrimaryKey is not null)
        {
            yield return table.PrimaryKey.Columns;
        }

        foreach (var unique in table.Uniques)
        {
            yield return unique.Columns;
        }
    }

    private static DatabaseModel DropDanglingForeignKeys(DatabaseModel model)
    {
        foreach (var (schema, table) in AllTables(model).ToList())
        {
            var kept = table.ForeignKeys.Where(f =>
                model.FindTable(f.ReferencedSchema, f.ReferencedTable) is { } target
                && (KeysOf(target).Any(k => k.ToHashSet().SetEquals(f.ReferencedColumns))
                    || target.Indexes.Any(i => i.Unique && i.Where is null && i.Keys.All(k => k.Column is not null && k.IsSimple && !k.Descending) && i.Keys.Select(k => k.Column!).ToHashSet().SetEquals(f.ReferencedColumns)))).ToList();
            if (kept.Count != table.ForeignKeys.Count)
            {
                model = ReplaceTable(model, schema, table.Name, t => t with { ForeignKeys = kept });
            }
        }

        return model;
    }

    private static bool IsReferenced(DatabaseModel model, string schema, string table, string column) =>
        AllTables(model).Any(x => x.Table.ForeignKeys.Any(f => f.ReferencedSchema == schema && f.ReferencedTable == table && f.ReferencedColumns.Contains(column)));

    private static bool UsedInExpression(TableModel table, string column)
    {
        var quoted = SqlIdentifiers.Quote(column);
        return table.Checks.Any(k => k.Expression.Contains(quoted, StringComparison.Ordinal))
            || table.Indexes.Any(i => i.Keys.Any(k => k.IsExpression && k.Expression!.Contains(quoted, StringComparison.Ordinal))
                || (i.Where?.Contains(quoted, StringComparison.Ordinal) ?? false));
    }

    private static TableModel WithoutColumn(TableModel t, string column) => t with
    {
        Columns = t.Columns.Where(c => c.Name != column).ToList(),
        PrimaryKey = t.PrimaryKey?.Columns.Contains(column) == true ? null : t.PrimaryKey,
        Uniques = t.Uniques.Where(u => !u.Columns.Contains(column)).ToList(),
        Indexes = t.Indexes.Where(i => !i.Keys.Any(k => k.Column == column) && !i.Include.Contains(column)
            && !UsedInExpression(new TableModel(t.Name, [], Indexes: [i]), column)).ToList(),
        ForeignKeys = t.ForeignKeys.Where(f => !f.Columns.Contains(column)).ToList(),
        Checks = t.Checks.Where(k => !k.Expression.Contains(SqlIdentifiers.Quote(column), StringComparison.Ordinal)).ToList(),
    };

    private DatabaseModel WithRandomTable(DatabaseModel model, Func<string, TableModel, TableModel> change)
    {
        var (schema, table) = RandomTable(model);
        return table is null ? model : ReplaceTable(model, schema, table.Name, t => change(schema, t));
    }

    private DatabaseModel WithRandomColumn(DatabaseModel model, Func<TableModel, ColumnModel, ColumnModel> change) =>
        WithRandomTable(model, (_, t) =>
        {
            if (t.Columns.Count == 0)
            {
                return t;
            }

            var index = random.Next(t.Columns.Count);
            return t with { Columns = t.Columns.Select((c, i) => i == index ? change(t, c) : c).ToList() };
        });

    private (string Schema, TableModel? Table) RandomTable(DatabaseModel model)
    {
        var tables = AllTables(model).ToList();
        if (tables.Count == 0)
        {
            return ("public", null);
        }

        var (schema, table) = tables[random.Next(tables.Count)];
        return (schema, table);
    }

    private static IEnumerable<(string Schema, TableModel Table)> AllTables(DatabaseModel model) =>
        model.Schemas.SelectMany(s => s.Tables.Select(t => (s.Name, t)));

    private static DatabaseModel Replace(DatabaseModel model, string schema, Func<SchemaModel, SchemaModel> change) =>
        model with { Schemas = model.Schemas.Select(s => s.Name == schema ? change(s) : s).ToList() };

    private static DatabaseModel ReplaceTable(DatabaseModel model, string schema, string table, Func<TableModel, TableModel> change) =>
        Replace(model, schema, s => s with { Tables = s.Tables.Select(t => t.Name == table ? change(t) : t).ToList() });

    private string NewName(string prefix) => $"{prefix}_{seed}_{++counter}";

    private static string Truncate(string name) => SqlIdentifiers.Truncate(name);

    private static string Literal(string text) => SqlIdentifiers.Literal(text);

    private List<string> Pick(IReadOnlyList<string> pool, int count) =>
        pool.Distinct().OrderBy(_ => random.Next()).Take(count).ToList();
}
