using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Diff;

/// <summary>
/// Compares a desired model with an actual one and returns typed changes.
/// </summary>
public static class SchemaDiffer
{
    /// <summary>The schema every PostgreSQL database starts with; never dropped for being undeclared (the dialect's own:
    /// <see cref="DatabaseModel.DefaultSchema"/>).</summary>
    public const string DefaultSchema = "public";

    /// <summary>
    /// The changes that turn <paramref name="actual"/> into <paramref name="desired"/>, in discovery order (the
    /// planner orders them). Objects matching the desired model's <see cref="DatabaseModel.Exclude"/> patterns are
    /// ignored on both sides. Renames happen only where declared with <c>renamedFrom:</c>. Types and expressions are
    /// compared through <paramref name="normalizer"/>, so equivalent spellings (<c>int4</c>/<c>integer</c>) never show.
    /// </summary>
    public static IReadOnlyList<SchemaChange> Diff(DatabaseModel desired, DatabaseModel actual, ISqlNormalizer normalizer)
    {
        var changes = new List<SchemaChange>();
        var exclude = desired.Exclude;
        var matchedActualTables = new HashSet<QualifiedName>();

        foreach (var schema in desired.Schemas)
        {
            var actualSchema = actual.FindSchema(schema.Name);
            if (actualSchema is null)
            {
                changes.Add(new CreateSchema(schema.Name, schema.Location));
            }

            DiffEnums(schema, actualSchema, changes);

            var renameSources = TableDiffer.RenameSources(schema.Tables.Select(t => (t.Name, t.RenamedFrom)), n => actualSchema?.FindTable(n) is not null);
            foreach (var table in schema.Tables)
            {
                if (NamePattern.IsExcluded(exclude, schema.Name, table.Name))
                {
                    continue;
                }

                var actualTable = renameSources.Contains(table.Name) ? null : actualSchema?.FindTable(table.Name);
                if (actualTable is null && table.RenamedFrom is not null)
                {
                    actualTable = actualSchema?.FindTable(table.RenamedFrom);
                    if (actualTable is not null)
                    {
                        changes.Add(new RenameTable(schema.Name, table.RenamedFrom, table.Name, table.Location));
                    }
                }

                if (actualTable is null)
                {
                    AddNewTable(schema.Name, table, actual, changes);
                    continue;
                }

                matchedActualTables.Add(new QualifiedName(schema.Name, actualTable.Name));
                new TableDiffer(new QualifiedName(schema.Name, table.Name), table, actualTable, desired, actual, normalizer, changes).Run();
            }
        }

        AddDrops(desired, actual, exclude, matchedActualTables, changes);
        TypeChangeDependents.Apply(desired, changes);
        KeyDependents.Apply(desired, actual, changes);
        return changes;
    }

    private static void AddNewTable(string schema, TableModel table, DatabaseModel actual, List<SchemaChange> changes)
    {
        var name = new QualifiedName(schema, table.Name);
        changes.Add(new CreateTable(schema, table));
        foreach (var index in table.Indexes)
        {
            changes.Add(new CreateIndex(name, index, null));
        }

        foreach (var fk in table.ForeignKeys)
        {
            changes.Add(new AddForeignKey(name, fk, null, actual.FindTable(fk.ReferencedSchema, fk.ReferencedTable)));
        }
    }

    private static void DiffEnums(SchemaModel schema, SchemaModel? actualSchema, List<SchemaChange> changes)
    {
        foreach (var type in schema.Enums)
        {
            var existing = actualSchema?.FindEnum(type.Name);
            if (existing is null)
            {
                changes.Add(new CreateEnumType(schema.Name, type));
                continue;
            }

            // Declared label renames first (a new label may reuse a renamed one's old name).
            var current = existing.Values.ToList();
            foreach (var rename in type.Renames)
            {
                var at = current.IndexOf(rename.From);
                if (at >= 0 && !current.Contains(rename.To))
                {
                    changes.Add(new RenameEnumValue(schema.Name, type.Name, rename.From, rename.To, type.Location));
                    current[at] = rename.To;
                }
            }

            // Existing labels must keep their relative order; new labels may be inserted anywhere.
            var kept = type.Values.Where(current.Contains).ToList();
            if (!current.All(type.Values.Contains) || !kept.SequenceEqual(current))
            {
                changes.Add(new UnsupportedChange(
                    $"enum {schema.Name}.{type.Name}: labels can only be added or renamed (PostgreSQL cannot remove or reorder enum labels in place); " +
                    "declare a renamed label as {name: new, renamedFrom: old}, or create a new type, migrate the columns to it, then drop the old one",
                    type.Location));
                continue;
            }

            for (var i = 0; i < type.Values.Count; i++)
            {
                if (!current.Contains(type.Values[i]))
                {
                    changes.Add(new AddEnumValue(schema.Name, type.Name, type.Values[i], i == 0 ? null : type.Values[i - 1], type.Location));
                }
            }
        }

        if (actualSchema is null)
        {
            return;
        }

        foreach (var type in actualSchema.Enums.Where(e => schema.FindEnum(e.Name) is null))
        {
            changes.Add(new DropEnumType(schema.Name, type, schema.Location));
        }
    }

    private static void AddDrops(DatabaseModel desired, DatabaseModel actual, IReadOnlyList<string> exclude,
        HashSet<QualifiedName> matchedActualTables, List<SchemaChange> changes)
    {
        foreach (var actualSchema in actual.Schemas)
        {
            var desiredSchema = desired.FindSchema(actualSchema.Name);
            var droppedTables = actualSchema.Tables
                .Where(t => !matchedActualTables.Contains(new QualifiedName(actualSchema.Name, t.Name)))
                .Where(t => !NamePattern.IsExcluded(exclude, actualSchema.Name, t.Name))
                .ToList();

            // Foreign keys of dropped tables go first, so tables that reference each other can be dropped in any order.
            foreach (var table in droppedTables)
            {
                foreach (var fk in table.ForeignKeys)
                {
                    changes.Add(new DropForeignKey(new QualifiedName(actualSchema.Name, table.Name), fk, desiredSchema?.Location));
                }
            }

            foreach (var table in droppedTables)
            {
                changes.Add(new DropTable(actualSchema.Name, table, desiredSchema?.Location));
            }

            if (desiredSchema is not null)
            {
                continue;
            }

            foreach (var type in actualSchema.Enums.Where(e => !NamePattern.IsExcluded(exclude, actualSchema.Name, e.Name)))
            {
                changes.Add(new DropEnumType(actualSchema.Name, type, null));
            }

            if (actualSchema.Name != desired.DefaultSchema && !NamePattern.IsExcluded(exclude, actualSchema.Name, actualSchema.Name)
                && droppedTables.Count == actualSchema.Tables.Count)
            {
                changes.Add(new DropSchema(actualSchema.Name, null));
            }
        }
    }
}
