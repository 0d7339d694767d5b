using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Writes a <see cref="DatabaseModel"/> as YAML in the format <see cref="SchemaYamlLoader"/> reads (what
/// <c>pipeline inspect</c> prints). Deterministic: same model, same text. <c>nullable</c> is always written;
/// optional keys at their default (no identity, <c>btree</c>, <c>no action</c>, empty lists, null comments) and
/// constraint names equal to PostgreSQL's default name are left out. Locations, statistics and server facts are
/// not written. <c>SchemaYamlLoader.Load(Write(m))</c> gives back <c>m</c> for any model PostgreSQL can hold.
/// A SQL Server model (<see cref="DatabaseModel.Dialect"/> <c>sqlserver</c>) starts with <c>dialect: sqlserver</c>
/// and carries <c>clustered</c> (left out at SQL Server's default: a clustered primary key, nonclustered unique
/// constraints and indexes), <c>identity: {seed, increment}</c> (<c>always</c> for <c>IDENTITY(1,1)</c>) and
/// <c>defaultName</c>; its default constraint names are <c>PK_{table}</c>, <c>UQ_{table}_{columns}</c>,
/// <c>FK_{table}_{columns}</c>.
/// </summary>
public static class SchemaYamlWriter
{
    /// <summary>Below this many columns (summed over all tables) the text is written on one thread.</summary>
    internal const int ParallelColumns = 2000;

    /// <summary>The YAML text, starting with a <c># yaml-language-server: $schema=…</c> line when
    /// <paramref name="jsonSchemaUrl"/> is given. Lines end with <c>\n</c>. A large schema (2,000 columns or more) is
    /// written in two halves on two threads, each by its own YamlDotNet emitter, joined into the same text one
    /// emitter writes.</summary>
    public static string Write(DatabaseModel model, string? jsonSchemaUrl = null) => Write(model, jsonSchemaUrl, ParallelColumns);

    /// <summary><see cref="Write(DatabaseModel, string?)"/>, split in two halves from <paramref name="parallelColumns"/>
    /// columns on (<see cref="int.MaxValue"/>: never).</summary>
    internal static string Write(DatabaseModel model, string? jsonSchemaUrl, int parallelColumns)
    {
        ArgumentNullException.ThrowIfNull(model);
        return WriteInTwo(model, jsonSchemaUrl, parallelColumns) ?? WritePart(model, jsonSchemaUrl, null);
    }

    /// <summary>The text written in two halves on two threads, or <c>null</c> when the schema has fewer than
    /// <paramref name="parallelColumns"/> columns, cannot be cut (one table) or the halves do not have the shape the
    /// join relies on (never seen; the caller then writes it with one emitter).</summary>
    internal static string? WriteInTwo(DatabaseModel model, string? jsonSchemaUrl, int parallelColumns)
    {
        if (Cut(model, parallelColumns) is not { } cut)
        {
            return null;
        }

        // The second half is the document { schemas: { S: { tables: { T… } }, later schemas… } } of its own emitter:
        // the same lines at the same indentation as in the whole document, after a prefix of one line (`schemas:`,
        // cut between two schemas) or three (`schemas:`, `  S:`, `    tables:`, cut inside S's tables).
        var second = Task.Run(() => WriteSecondHalf(model, cut));
        var first = WritePart(model, jsonSchemaUrl, cut);
        var rest = second.GetAwaiter().GetResult();
        var prefixLines = cut.Table == 0 ? 1 : 3;
        var at = -1;
        var lineStart = 0;
        for (var line = 0; line < prefixLines; line++)
        {
            lineStart = at + 1;
            at = rest.IndexOf('\n', lineStart);
            if (at < 0)
            {
                break;
            }
        }

        var expected = cut.Table == 0 ? "schemas:" : "    tables:";
        if (at < 0 || rest[lineStart..at] != expected || !rest.StartsWith("schemas:\n", StringComparison.Ordinal) || !first.EndsWith('\n'))
        {
            return null;
        }

        return string.Concat(first.AsSpan(0, first.Length - 1), rest.AsSpan(at));
    }

    /// <summary>Where the second half starts: table <see cref="TableCut.Table"/> of schema <see cref="TableCut.Schema"/>
    /// (0: the whole schema), the first table at or after half of the columns; <c>null</c> when the schema is too small
    /// or the cut would leave the first half empty.</summary>
    private static TableCut? Cut(DatabaseModel model, int parallelColumns)
    {
        long total = 0;
        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                total += table.Columns.Count + 1;
            }
        }

        if (total < parallelColumns)
        {
            return null;
        }

        long seen = 0;
        for (var s = 0; s < model.Schemas.Count; s++)
        {
            var tables = model.Schemas[s].Tables;
            for (var t = 0; t < tables.Count; t++)
            {
                if (seen * 2 >= total)
                {
                    return s == 0 && t == 0 ? null : new TableCut(s, t);
                }

                seen += tables[t].Columns.Count + 1;
            }
        }

        return null;
    }

    /// <summary>The whole document (<paramref name="cut"/> <c>null</c>) or its first half: every schema and table
    /// before the cut, the enclosing mappings closed.</summary>
    private static string WritePart(DatabaseModel model, string? jsonSchemaUrl, TableCut? cut)
    {
        using var text = new StringWriter { NewLine = "\n" };
        if (jsonSchemaUrl is not null)
        {
            text.Write("# yaml-language-server: $schema=" + jsonSchemaUrl + "\n");
        }

        var w = new YamlEventWriter(text);
        w.BeginMapping();
        w.String("version");
        w.Literal("1");
        if (model.Dialect != DatabaseModel.PostgresDialect)
        {
            w.Entry("dialect", model.Dialect);
        }

        if (model.Exclude.Count > 0)
        {
            w.FlowList("exclude", model.Exclude);
        }

        w.String("schemas");
        w.BeginMapping(flow: model.Schemas.Count == 0);
        var schemas = cut?.Schema ?? model.Schemas.Count;
        for (var s = 0; s < schemas; s++)
        {
            WriteSchema(w, model.Schemas[s], model.Dialect);
        }

        if (cut is { Table: > 0 } inside)
        {
            var schema = model.Schemas[inside.Schema];
            WriteSchema(w, schema, model.Dialect, 0, inside.Table, withEnums: true);
        }

        w.EndMapping();
        w.EndMapping();
        w.Finish();
        return text.ToString();
    }

    /// <summary>The second half as a document of its own: <c>schemas:</c>, then (cut inside a schema) the schema's key
    /// and <c>tables:</c> with the tables from the cut on, then the later schemas.</summary>
    private static string WriteSecondHalf(DatabaseModel model, TableCut cut)
    {
        using var text = new StringWriter { NewLine = "\n" };
        var w = new YamlEventWriter(text);
        w.BeginMapping();
        w.String("schemas");
        w.BeginMapping();
        var next = cut.Schema;
        if (cut.Table > 0)
        {
            var schema = model.Schemas[cut.Schema];
            WriteSchema(w, schema, model.Dialect, cut.Table, schema.Tables.Count, withEnums: false);
            next++;
        }

        for (var s = next; s < model.Schemas.Count; s++)
        {
            WriteSchema(w, model.Schemas[s], model.Dialect);
        }

        w.EndMapping();
        w.EndMapping();
        w.Finish();
        return text.ToString();
    }

    /// <summary>Where <see cref="Write(DatabaseModel, string?, int)"/> splits: schema index, table index in it.</summary>
    private sealed record TableCut(int Schema, int Table);

    private static void WriteSchema(YamlEventWriter w, SchemaModel schema, string dialect) =>
        WriteSchema(w, schema, dialect, 0, schema.Tables.Count, withEnums: true);

    /// <summary>The schema's key and mapping with its enums (when <paramref name="withEnums"/>) and its tables
    /// <paramref name="fromTable"/> to <paramref name="toTable"/> (exclusive).</summary>
    private static void WriteSchema(YamlEventWriter w, SchemaModel schema, string dialect, int fromTable, int toTable, bool withEnums)
    {
        w.String(schema.Name);
        w.BeginMapping(flow: schema.Enums.Count == 0 && schema.Tables.Count == 0);
        if (withEnums && schema.Enums.Count > 0)
        {
            w.String("enums");
            w.BeginMapping();
            foreach (var e in schema.Enums)
            {
                WriteEnum(w, e);
            }

            w.EndMapping();
        }

        if (schema.Tables.Count > 0)
        {
            w.String("tables");
            w.BeginMapping();
            for (var t = fromTable; t < toTable; t++)
            {
                WriteTable(w, schema.Tables[t], dialect);
            }

            w.EndMapping();
        }

        w.EndMapping();
    }

    private static void WriteEnum(YamlEventWriter w, EnumTypeModel e)
    {
        if (e.Renames.Count == 0)
        {
            w.FlowList(e.Name, e.Values);
            return;
        }

        // A renamed label is written in its mapping form: - {name: shipped, renamedFrom: sent}
        w.String(e.Name);
        w.BeginSequence();
        foreach (var label in e.Values)
        {
            var rename = e.Renames.FirstOrDefault(r => r.To == label);
            if (rename is null)
            {
                w.String(label);
                continue;
            }

            w.BeginMapping(flow: true);
            w.Entry("name", label);
            w.Entry("renamedFrom", rename.From);
            w.EndMapping();
        }

        w.EndSequence();
    }

    private static void WriteTable(YamlEventWriter w, TableModel table, string dialect)
    {
        w.String(table.Name);
        w.BeginMapping();
        WriteOptional(w, "comment", table.Comment);
        WriteOptional(w, "renamedFrom", table.RenamedFrom);
        w.String("columns");
        w.BeginSequence(flow: table.Columns.Count == 0);
        foreach (var column in table.Columns)
        {
            WriteColumn(w, column);
        }

        w.EndSequence();

        if (table.PrimaryKey is { } pk)
        {
            // SQL Server: a primary key is clustered unless another index is (the loader's rule), so only a
            // nonclustered key that could have been clustered says so.
            var sqlServer = dialect == DatabaseModel.SqlServerDialect;
            var otherClustered = table.Uniques.Any(u => u.Clustered) || table.Indexes.Any(i => i.Clustered);
            var writeClustered = sqlServer && pk.Clustered == otherClustered;
            var defaultName = DefaultConstraintNames.PrimaryKey(table.Name, dialect);
            if (pk.Name == defaultName && !pk.Deferrable && !writeClustered)
            {
                w.FlowList("primaryKey", pk.Columns);
            }
            else
            {
                w.String("primaryKey");
                w.BeginMapping();
                WriteName(w, pk.Name, defaultName);
                w.FlowList("columns", pk.Columns);
                WriteDeferrable(w, pk.Deferrable, pk.InitiallyDeferred);
                if (writeClustered)
                {
                    w.String("clustered");
                    w.Literal(pk.Clustered ? "true" : "false");
                }

                w.EndMapping();
            }
        }

        WriteItems(w, "unique", table.Uniques, u =>
        {
            WriteName(w, u.Name, DefaultConstraintNames.Unique(table.Name, u.Columns, dialect));
            w.FlowList("columns", u.Columns);
            WriteTrue(w, "nullsNotDistinct", u.NullsNotDistinct);
            WriteDeferrable(w, u.Deferrable, u.InitiallyDeferred);
            WriteTrue(w, "clustered", u.Clustered);
        });
        WriteItems(w, "indexes", table.Indexes, i => WriteIndex(w, table, i));
        WriteItems(w, "foreignKeys", table.ForeignKeys, fk => WriteForeignKey(w, table.Name, fk, dialect));
        WriteItems(w, "checks", table.Checks, c =>
        {
            w.Entry("name", c.Name);
            w.Entry("expression", c.Expression);
            WriteTrue(w, "noInherit", c.NoInherit);
        });
        WriteItems(w, "exclusions", table.Exclusions, x => WriteExclusion(w, x));
        w.EndMapping();
    }

    private static void WriteColumn(YamlEventWriter w, ColumnModel column)
    {
        w.BeginMapping();
        w.Entry("name", column.Name);
        w.Entry("type", column.Type);
        w.String("nullable");
        w.Literal(column.Nullable ? "true" : "false");
        if (column.IdentitySeed is not null || column.IdentityIncrement is not null)
        {
            // SQL Server: IDENTITY(seed, increment); 1 is the default of each.
            w.String("identity");
            w.BeginMapping(flow: true);
            w.String("seed");
            w.Literal((column.IdentitySeed ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.String("increment");
            w.Literal((column.IdentityIncrement ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.EndMapping();
        }
        else if (column.Identity != IdentityKind.None)
        {
            w.Entry("identity", column.Identity == IdentityKind.Always ? "always" : "by default");
        }

        WriteOptional(w, "default", column.Default);
        WriteOptional(w, "defaultName", column.DefaultName);
        WriteOptional(w, "generated", column.Generated);
        WriteOptional(w, "comment", column.Comment);
        WriteOptional(w, "renamedFrom", column.RenamedFrom);
        WriteOptional(w, "backfill", column.Backfill);
        WriteOptional(w, "using", column.Using);
        w.EndMapping();
    }

    private static void WriteIndex(YamlEventWriter w, TableModel table, IndexModel index)
    {
        w.Entry("name", index.Name);
        WriteKeys(w, table, "columns", index.Keys);
        if (index.Unique)
        {
            w.String("unique");
            w.Literal("true");
        }

        WriteTrue(w, "nullsNotDistinct", index.NullsNotDistinct);
        WriteOptional(w, "where", index.Where);
        if (index.Method != "btree")
        {
            w.Entry("method", index.Method);
        }

        if (index.Include.Count > 0)
        {
            w.FlowList("include", index.Include);
        }

        WriteWith(w, index.With);
        WriteTrue(w, "clustered", index.Clustered);
    }

    private static void WriteExclusion(YamlEventWriter w, ExclusionConstraintModel x)
    {
        w.Entry("name", x.Name);
        if (x.Method != "gist")
        {
            w.Entry("method", x.Method);
        }

        w.String("elements");
        w.BeginSequence();
        foreach (var element in x.Elements)
        {
            w.BeginMapping(flow: true);
            WriteKeyFields(w, element.Key);
            w.Entry("operator", element.Operator);
            w.EndMapping();
        }

        w.EndSequence();
        if (x.Include.Count > 0)
        {
            w.FlowList("include", x.Include);
        }

        WriteOptional(w, "where", x.Where);
        WriteWith(w, x.With);
        WriteDeferrable(w, x.Deferrable, x.InitiallyDeferred);
    }

    /// <summary>Keys in the short string form when it reads back to the same key (<c>email</c>,
    /// <c>(lower(email))</c>, <c>created_at DESC</c>), else in the mapping form.</summary>
    private static void WriteKeys(YamlEventWriter w, TableModel table, string name, IReadOnlyList<IndexKeyModel> keys)
    {
        bool IsColumn(string c) => table.FindColumn(c) is not null;
        var texts = keys.Select(k => ShortForm(k, IsColumn)).ToList();
        if (texts.All(t => t is not null))
        {
            w.FlowList(name, texts!);
            return;
        }

        w.String(name);
        w.BeginSequence();
        for (var i = 0; i < keys.Count; i++)
        {
            if (texts[i] is { } text)
            {
                w.String(text);
                continue;
            }

            w.BeginMapping(flow: true);
            WriteKeyFields(w, keys[i]);
            w.EndMapping();
        }

        w.EndSequence();
    }

    private static string? ShortForm(IndexKeyModel key, Func<string, bool> isColumn)
    {
        if (!key.IsSimple)
        {
            return null;
        }

        var text = key.ToString();
        try
        {
            return IndexKeyModel.Parse(text, isColumn) == key with { Location = null } ? text : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void WriteKeyFields(YamlEventWriter w, IndexKeyModel key)
    {
        if (key.Column is not null)
        {
            w.Entry("column", key.Column);
        }
        else
        {
            w.Entry("expression", key.Expression ?? string.Empty);
        }

        WriteOptional(w, "collation", key.Collation);
        WriteOptional(w, "opclass", key.OperatorClass);
        if (key.Descending)
        {
            w.Entry("order", "desc");
        }

        if (key.NullsFirst is { } first)
        {
            w.Entry("nulls", first ? "first" : "last");
        }
    }

    private static void WriteWith(YamlEventWriter w, IReadOnlyList<StorageParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            return;
        }

        w.String("with");
        w.BeginMapping(flow: true);
        foreach (var p in parameters)
        {
            w.Entry(p.Name, p.Value);
        }

        w.EndMapping();
    }

    private static void WriteDeferrable(YamlEventWriter w, bool deferrable, bool initiallyDeferred)
    {
        WriteTrue(w, "deferrable", deferrable);
        WriteTrue(w, "initiallyDeferred", initiallyDeferred);
    }

    private static void WriteTrue(YamlEventWriter w, string key, bool value)
    {
        if (value)
        {
            w.String(key);
            w.Literal("true");
        }
    }

    private static void WriteForeignKey(YamlEventWriter w, string table, ForeignKeyModel fk, string dialect)
    {
        WriteName(w, fk.Name, DefaultConstraintNames.ForeignKey(table, fk.Columns, dialect));
        w.FlowList("columns", fk.Columns);
        w.String("references");
        w.BeginMapping(flow: true);
        w.Entry("schema", fk.ReferencedSchema);
        w.Entry("table", fk.ReferencedTable);
        w.FlowList("columns", fk.ReferencedColumns);
        w.EndMapping();
        if (fk.OnDelete != "no action")
        {
            w.Entry("onDelete", fk.OnDelete);
        }

        if (fk.OnUpdate != "no action")
        {
            w.Entry("onUpdate", fk.OnUpdate);
        }

        if (fk.Match != "simple")
        {
            w.Entry("match", fk.Match);
        }

        WriteDeferrable(w, fk.Deferrable, fk.InitiallyDeferred);
    }

    private static void WriteItems<T>(YamlEventWriter w, string key, IReadOnlyList<T> items, Action<T> writeBody)
    {
        if (items.Count == 0)
        {
            return;
        }

        w.String(key);
        w.BeginSequence();
        foreach (var item in items)
        {
            w.BeginMapping();
            writeBody(item);
            w.EndMapping();
        }

        w.EndSequence();
    }

    private static void WriteName(YamlEventWriter w, string name, string defaultName)
    {
        if (name != defaultName)
        {
            w.Entry("name", name);
        }
    }

    private static void WriteOptional(YamlEventWriter w, string key, string? value)
    {
        if (value is not null)
        {
            w.Entry(key, value);
        }
    }
}
