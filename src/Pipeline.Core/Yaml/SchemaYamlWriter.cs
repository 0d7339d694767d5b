using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Writes a <see cref="DatabaseModel"/> as YAML in the format <see cref="SchemaYamlLoader"/> reads (what
/// <c>pipeline inspect</c> prints). Deterministic: same model, same text. <c>nullable</c> is always written;
/// optional keys at their default (no identity, <c>btree</c>, <c>no action</c>, empty lists, null comments) and
/// constraint names equal to PostgreSQL's default name are left out. Locations, statistics and server facts are
/// not written. <c>SchemaYamlLoader.Load(Write(m))</c> gives back <c>m</c> for any model PostgreSQL can hold.
/// </summary>
public static class SchemaYamlWriter
{
    /// <summary>The YAML text, starting with a <c># yaml-language-server: $schema=…</c> line when
    /// <paramref name="jsonSchemaUrl"/> is given. Lines end with <c>\n</c>.</summary>
    public static string Write(DatabaseModel model, string? jsonSchemaUrl = null)
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
        if (model.Exclude.Count > 0)
        {
            w.FlowList("exclude", model.Exclude);
        }

        w.String("schemas");
        w.BeginMapping(flow: model.Schemas.Count == 0);
        foreach (var schema in model.Schemas)
        {
            WriteSchema(w, schema);
        }

        w.EndMapping();
        w.EndMapping();
        w.Finish();
        return text.ToString();
    }

    private static void WriteSchema(YamlEventWriter w, SchemaModel schema)
    {
        w.String(schema.Name);
        w.BeginMapping(flow: schema.Enums.Count == 0 && schema.Tables.Count == 0);
        if (schema.Enums.Count > 0)
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
            foreach (var table in schema.Tables)
            {
                WriteTable(w, table);
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

    private static void WriteTable(YamlEventWriter w, TableModel table)
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
            if (pk.Name == DefaultConstraintNames.PrimaryKey(table.Name))
            {
                w.FlowList("primaryKey", pk.Columns);
            }
            else
            {
                w.String("primaryKey");
                w.BeginMapping();
                w.Entry("name", pk.Name);
                w.FlowList("columns", pk.Columns);
                w.EndMapping();
            }
        }

        WriteItems(w, "unique", table.Uniques, u =>
        {
            WriteName(w, u.Name, DefaultConstraintNames.Unique(table.Name, u.Columns));
            w.FlowList("columns", u.Columns);
        });
        WriteItems(w, "indexes", table.Indexes, i => WriteIndex(w, i));
        WriteItems(w, "foreignKeys", table.ForeignKeys, fk => WriteForeignKey(w, table.Name, fk));
        WriteItems(w, "checks", table.Checks, c =>
        {
            w.Entry("name", c.Name);
            w.Entry("expression", c.Expression);
        });
        w.EndMapping();
    }

    private static void WriteColumn(YamlEventWriter w, ColumnModel column)
    {
        w.BeginMapping();
        w.Entry("name", column.Name);
        w.Entry("type", column.Type);
        w.String("nullable");
        w.Literal(column.Nullable ? "true" : "false");
        if (column.Identity != IdentityKind.None)
        {
            w.Entry("identity", column.Identity == IdentityKind.Always ? "always" : "by default");
        }

        WriteOptional(w, "default", column.Default);
        WriteOptional(w, "comment", column.Comment);
        WriteOptional(w, "renamedFrom", column.RenamedFrom);
        WriteOptional(w, "backfill", column.Backfill);
        WriteOptional(w, "using", column.Using);
        w.EndMapping();
    }

    private static void WriteIndex(YamlEventWriter w, IndexModel index)
    {
        w.Entry("name", index.Name);
        w.FlowList("columns", index.Keys);
        if (index.Unique)
        {
            w.String("unique");
            w.Literal("true");
        }

        WriteOptional(w, "where", index.Where);
        if (index.Method != "btree")
        {
            w.Entry("method", index.Method);
        }

        if (index.Include.Count > 0)
        {
            w.FlowList("include", index.Include);
        }
    }

    private static void WriteForeignKey(YamlEventWriter w, string table, ForeignKeyModel fk)
    {
        WriteName(w, fk.Name, DefaultConstraintNames.ForeignKey(table, fk.Columns));
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
