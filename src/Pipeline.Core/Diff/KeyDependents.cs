using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Diff;

/// <summary>
/// Foreign keys depend on the primary key, unique constraint or unique index of the referenced columns: PostgreSQL
/// refuses to drop such a key while a foreign key uses it ("cannot drop constraint … because other objects depend on
/// it"; https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK: the referenced columns must
/// have a primary key or unique constraint, or a non-partial unique index). This pass, run after the differ, makes
/// every key drop safe: each foreign key (on any table) whose referenced columns are the dropped key's columns is
/// dropped first, in expand, and — when the desired schema keeps it unchanged — added again after the new key exists
/// (<c>NOT VALID</c>, then <c>VALIDATE</c> in contract). A key drop that is final (no replacement) but has such a
/// kept foreign key, or a foreign key new in this plan on the same columns, moves to expand too, so the foreign key
/// cannot bind to the old key. Also refuses
/// (PIPE2031) a foreign key whose referenced columns have no matching key in the desired schema.
/// </summary>
internal static class KeyDependents
{
    /// <summary>Diagnostic code of a foreign key that references columns without a matching key.</summary>
    public const string NoReferencedKeyCode = "PIPE2031";

    public static void Apply(DatabaseModel desired, DatabaseModel actual, List<SchemaChange> changes)
    {
        var renamedTo = changes.OfType<RenameTable>()
            .ToDictionary(r => new QualifiedName(r.Schema, r.From), r => new QualifiedName(r.Schema, r.To));
        var renamedFrom = renamedTo.ToDictionary(kv => kv.Value, kv => kv.Key);
        QualifiedName DesiredName(QualifiedName actualName) => renamedTo.GetValueOrDefault(actualName, actualName);
        QualifiedName ActualName(QualifiedName desiredName) => renamedFrom.GetValueOrDefault(desiredName, desiredName);

        // DROP NOT NULL on a primary key column fails ("column … is in a primary key"): the key goes first.
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i] is not DropNotNull dropNotNull)
            {
                continue;
            }

            var keyIndex = changes.FindIndex(c => c is DropPrimaryKey d && d.Table == dropNotNull.Table && d.Key.Columns.Contains(dropNotNull.Column.Name));
            if (keyIndex < 0)
            {
                continue;
            }

            if (changes[keyIndex] is DropPrimaryKey { Replacement: false, Early: false } finalKey)
            {
                changes[keyIndex] = finalKey with { Early = true };
            }

            changes[i] = dropNotNull with { AfterKeyDrop = true };
        }

        foreach (var drop in changes.ToList())
        {
            if (KeyOf(drop) is not { } key)
            {
                continue;
            }

            var referenced = ActualName(key.Table);
            var dependents = Referencing(actual, referenced, key.Columns).ToList();
            var finalDrops = new List<int>();
            var readded = false;
            foreach (var (table, fk) in dependents)
            {
                var desiredTable = DesiredName(table);
                var index = changes.FindIndex(c => c is DropForeignKey d && d.Table == desiredTable && d.ForeignKey.Name == fk.Name);
                if (index >= 0)
                {
                    // Dropped (for good, or to be re-created changed): a final drop must follow the key into expand.
                    if (changes[index] is DropForeignKey { Replacement: false })
                    {
                        finalDrops.Add(index);
                    }

                    continue;
                }

                var kept = desired.FindTable(desiredTable.Schema, desiredTable.Name)?.ForeignKeys.FirstOrDefault(f => f.Name == fk.Name);
                if (kept is null)
                {
                    continue;
                }

                changes.Add(new DropForeignKey(desiredTable, fk, kept.Location) { Replacement = true });
                changes.Add(new AddForeignKey(desiredTable, kept, actual.FindTable(table.Schema, table.Name), actual.FindTable(referenced.Schema, referenced.Name))
                {
                    ReaddedForKey = $"{key.Table}.{key.Name}",
                });
                readded = true;
            }

            // A foreign key added by this plan to the same columns would bind to the old key (PostgreSQL picks any
            // matching unique index) and block its later drop: the old key goes first.
            var newDependent = changes.OfType<AddForeignKey>().Any(a => a.ReaddedForKey is null
                && a.ForeignKey.ReferencedSchema == key.Table.Schema && a.ForeignKey.ReferencedTable == key.Table.Name
                && SameSet(a.ForeignKey.ReferencedColumns, key.Columns));
            var keyIsEarly = ChangeOrder.IsReplacement(drop);
            if ((readded || newDependent) && !keyIsEarly)
            {
                changes[changes.IndexOf(drop)] = drop switch
                {
                    DropPrimaryKey d => d with { Early = true },
                    DropUnique d => d with { Early = true },
                    DropIndex d => d with { Early = true },
                    _ => drop,
                };
                keyIsEarly = true;
            }

            if (keyIsEarly)
            {
                foreach (var index in finalDrops)
                {
                    changes[index] = ((DropForeignKey)changes[index]) with { Early = true };
                }
            }
        }

        RefuseForeignKeysWithoutKey(desired, changes);
    }

    private static void RefuseForeignKeysWithoutKey(DatabaseModel desired, List<SchemaChange> changes)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i] is not AddForeignKey add)
            {
                continue;
            }

            var fk = add.ForeignKey;
            var target = desired.FindTable(fk.ReferencedSchema, fk.ReferencedTable);
            if (target is null || NamePattern.IsExcluded(desired.Exclude, fk.ReferencedSchema, fk.ReferencedTable)
                || KeyColumnSets(target).Any(set => SameSet(set, fk.ReferencedColumns)))
            {
                continue;
            }

            changes[i] = new UnsupportedChange(
                $"foreign key {fk.Name} on {add.Table} references ({string.Join(", ", fk.ReferencedColumns)}) of {fk.ReferencedSchema}.{fk.ReferencedTable}, " +
                "which have no primary key, unique constraint or unique index in the desired schema; PostgreSQL would refuse it. Declare the key on the referenced table",
                add.Location)
            {
                Code = NoReferencedKeyCode,
            };
        }
    }

    /// <summary>Column sets a foreign key can reference: the primary key, unique constraints, and non-partial unique
    /// indexes on plain columns.</summary>
    private static IEnumerable<IReadOnlyList<string>> KeyColumnSets(TableModel table)
    {
        if (table.PrimaryKey is not null)
        {
            yield return table.PrimaryKey.Columns;
        }

        foreach (var unique in table.Uniques)
        {
            yield return unique.Columns;
        }

        foreach (var index in table.Indexes)
        {
            if (IndexColumns(index) is { } columns)
            {
                yield return columns;
            }
        }
    }

    private static (QualifiedName Table, string Name, IReadOnlyList<string> Columns)? KeyOf(SchemaChange change) => change switch
    {
        DropPrimaryKey d => (d.Table, d.Key.Name, d.Key.Columns),
        DropUnique d => (d.Table, d.Unique.Name, d.Unique.Columns),
        DropIndex d when IndexColumns(d.Index) is { } columns => (d.Table, d.Index.Name, columns),
        _ => null,
    };

    /// <summary>The columns of a unique, non-partial index on plain columns (one a foreign key can use), else
    /// <c>null</c>.</summary>
    private static List<string>? IndexColumns(IndexModel index)
    {
        if (!index.Unique || index.Where is not null || !string.Equals(index.Method, "btree", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var columns = new List<string>();
        foreach (var key in index.Keys)
        {
            if (key.IsExpression || key.Collation is not null || key.OperatorClass is not null)
            {
                return null;
            }

            columns.Add(key.Column!);
        }

        return columns;
    }

    private static IEnumerable<(QualifiedName Table, ForeignKeyModel ForeignKey)> Referencing(
        DatabaseModel actual, QualifiedName referenced, IReadOnlyList<string> columns) =>
        from schema in actual.Schemas
        from table in schema.Tables
        from fk in table.ForeignKeys
        where fk.ReferencedSchema == referenced.Schema && fk.ReferencedTable == referenced.Name && SameSet(fk.ReferencedColumns, columns)
        select (new QualifiedName(schema.Name, table.Name), fk);

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.ToHashSet(StringComparer.Ordinal).SetEquals(b);
}
