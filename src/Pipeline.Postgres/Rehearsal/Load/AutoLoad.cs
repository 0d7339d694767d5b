using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>
/// The load of <c>--load auto</c>: for every table a step of the plan touches that exists under the same name before
/// and after the plan and has a primary key, a read, an update and an insert by key, in the weights 50 : 30 : 20,
/// written the way the application that runs through the release would write them. Only columns that exist both
/// before and after the plan are named (columns the plan adds are left to their defaults and the plan's triggers);
/// keys and values come from staging itself (the key range of an integer key, else sampled keys; sampled rows), so no
/// statement violates a constraint:
/// <list type="bullet">
/// <item>read: <c>SELECT cols FROM t WHERE key = $1</c>, the key drawn from the range or the sample;</item>
/// <item>update: one column set to a value sampled from another row, <c>UPDATE t SET c = $1 WHERE key = $2</c>; the
/// column is one that no key, unique constraint, unique index or check names (a foreign key column keeps an existing,
/// referenced value); without such a column, <c>SET c = c</c> (still a write: a new row version, the row lock,
/// the triggers);</item>
/// <item>insert: a copy of a sampled row under a new key, <c>INSERT INTO t (key, cols) SELECT $1, cols FROM t WHERE
/// key = $2</c> (the key left to its default when it has one), so checks and foreign keys hold. Not generated for a
/// table with a unique constraint or unique index besides the primary key, a non-integer key without default, or a
/// NOT NULL column without default that the plan drops; stopped when contract starts for a table where the plan adds
/// a NOT NULL column without default (only the new application version writes it).</item>
/// </list>
/// </summary>
internal static class AutoLoad
{
    /// <summary>The statements, with a warning for every table or statement left out.</summary>
    public static async Task<(IReadOnlyList<LoadStatement> Statements, IReadOnlyList<string> Warnings)> DeriveAsync(
        NpgsqlConnection connection, PlanFolder folder, CancellationToken ct)
    {
        var statements = new List<LoadStatement>();
        var warnings = new List<string>();
        var touched = folder.Plan.Steps.SelectMany(s => s.Tables).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in touched)
        {
            var table = Find(folder.Source, name);
            if (table is null)
            {
                continue; // created by the plan: the application cannot use it yet
            }

            var (qualified, source) = table.Value;
            var desired = folder.Desired.FindTable(qualified.Schema, qualified.Name);
            if (desired is null || desired.RenamedFrom is not null)
            {
                warnings.Add($"{qualified}: left out, the plan drops or renames it");
                continue;
            }

            if (source.PrimaryKey is null)
            {
                warnings.Add($"{qualified}: left out, it has no primary key to read and write by");
                continue;
            }

            statements.AddRange(await ForTableAsync(connection, qualified, source, desired, warnings, ct));
        }

        if (statements.Count == 0)
        {
            warnings.Add("no statement could be derived: the plan touches no existing table with a primary key");
        }

        return (statements, warnings);
    }

    private static async Task<IReadOnlyList<LoadStatement>> ForTableAsync(
        NpgsqlConnection connection, QualifiedName name, TableModel source, TableModel desired, List<string> warnings, CancellationToken ct)
    {
        var sql = SqlIdentifiers.Qualified(name);
        var key = source.PrimaryKey!.Columns;
        var kept = source.Columns
            .Where(c => c.Generated is null && desired.Columns.Any(d => d.Name == c.Name && d.Generated is null && d.RenamedFrom is null))
            .ToList();
        var keySample = await TableSampler.SampleAsync(connection, name, key, ct);
        if (keySample.Count == 0)
        {
            warnings.Add($"{name}: left out, it is empty (no key to read or write by)");
            return [];
        }

        var keyColumn = key.Count == 1 ? source.Columns.First(c => c.Name == key[0]) : null;
        var range = keyColumn is not null && TableSampler.IsInteger(keyColumn.Type) ? await TableSampler.RangeAsync(connection, name, key[0], ct) : null;
        IParameterSource keys = range is { } r ? new RangeSource(r.Min, r.Max) : new ValuesSource(keySample);
        var where = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${i + 1}"));
        var list = kept.Count == 0 ? string.Join(", ", key.Select(SqlIdentifiers.Quote)) : string.Join(", ", kept.Select(c => SqlIdentifiers.Quote(c.Name)));
        var result = new List<LoadStatement>
        {
            new($"read {name}", $"SELECT {list} FROM {sql} WHERE {where}", 50, [keys]),
        };

        // Update: a column no key, unique or check names.
        var uniqueColumns = UniqueColumns(source);
        var checkText = string.Join(" ", source.Checks.Select(c => c.Expression));
        var writable = kept.FirstOrDefault(c => !uniqueColumns.Contains(c.Name) && !checkText.Contains(c.Name, StringComparison.Ordinal));
        var updateWhere = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${i + 2}"));
        if (writable is not null)
        {
            var values = await TableSampler.SampleAsync(connection, name, [writable.Name], ct);
            if (values.Count > 0)
            {
                result.Add(new($"update {name}", $"UPDATE {sql} SET {SqlIdentifiers.Quote(writable.Name)} = $1 WHERE {updateWhere}", 30, [new ValuesSource(values), keys]));
            }
            else
            {
                var self = SqlIdentifiers.Quote(writable.Name);
                result.Add(new($"update {name}", $"UPDATE {sql} SET {self} = {self} WHERE {where}", 30, [keys]));
            }
        }
        else
        {
            var column = SqlIdentifiers.Quote(kept.FirstOrDefault(c => !key.Contains(c.Name))?.Name ?? key[0]);
            result.Add(new($"update {name}", $"UPDATE {sql} SET {column} = {column} WHERE {where}", 30, [keys]));
        }

        var insert = await InsertAsync(connection, name, source, desired, kept, keySample, warnings, ct);
        if (insert is not null)
        {
            result.Add(insert);
        }

        return result;
    }

    private static async Task<LoadStatement?> InsertAsync(
        NpgsqlConnection connection, QualifiedName name, TableModel source, TableModel desired, IReadOnlyList<ColumnModel> kept,
        IReadOnlyList<string?[]> keySample, List<string> warnings, CancellationToken ct)
    {
        var key = source.PrimaryKey!.Columns;
        var otherUnique = source.Uniques.Any(u => !u.Columns.SequenceEqual(key)) || source.Indexes.Any(i => i.Unique && source.PrimaryKey.Name != i.Name);
        if (otherUnique)
        {
            warnings.Add($"{name}: no inserts, it has a unique constraint or unique index besides the primary key (a copied row would violate it)");
            return null;
        }

        var dropped = source.Columns.FirstOrDefault(c => !c.Nullable && c.Default is null && c.Identity == IdentityKind.None && c.Generated is null && !kept.Contains(c));
        if (dropped is not null)
        {
            warnings.Add($"{name}: no inserts, its NOT NULL column {dropped.Name} has no default and the plan drops or renames it");
            return null;
        }

        var keyColumn = key.Count == 1 ? source.Columns.First(c => c.Name == key[0]) : null;
        var generatesKey = keyColumn is not null && (keyColumn.Identity != IdentityKind.None || keyColumn.Default is not null);
        if (!generatesKey && (keyColumn is null || !TableSampler.IsInteger(keyColumn.Type)))
        {
            warnings.Add($"{name}: no inserts, its primary key is not a single integer column and has no default (no fresh key can be drawn)");
            return null;
        }

        var untilContract = desired.Columns.FirstOrDefault(d => !d.Nullable && d.Default is null && d.Identity == IdentityKind.None && d.Generated is null
            && source.Columns.All(c => c.Name != d.Name));
        if (untilContract is not null)
        {
            warnings.Add($"{name}: inserts stop when contract starts: the plan adds NOT NULL column {untilContract.Name} without a default, which only the new application version writes");
        }

        var copied = kept.Where(c => !key.Contains(c.Name)).Select(c => SqlIdentifiers.Quote(c.Name)).ToList();
        var sql = SqlIdentifiers.Qualified(name);
        var keyName = SqlIdentifiers.Quote(key[0]);
        var rowKeys = new ValuesSource(keySample);
        if (generatesKey)
        {
            if (copied.Count == 0)
            {
                return new($"insert {name}", $"INSERT INTO {sql} DEFAULT VALUES", 20, [], name, 1, untilContract is not null);
            }

            var columns = string.Join(", ", copied);
            return new($"insert {name}", $"INSERT INTO {sql} ({columns}) SELECT {columns} FROM {sql} WHERE {keyName} = $1", 20,
                [rowKeys], name, 1, untilContract is not null);
        }

        var highest = (await TableSampler.RangeAsync(connection, name, key[0], ct))?.Max ?? 0;
        var all = string.Join(", ", copied.Prepend(keyName));
        var select = string.Join(", ", copied.Prepend("$1"));
        return new($"insert {name}", $"INSERT INTO {sql} ({all}) SELECT {select} FROM {sql} WHERE {keyName} = $2", 20,
            [new NewKeySource(highest), rowKeys], name, 1, untilContract is not null);
    }

    private static HashSet<string> UniqueColumns(TableModel table)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        columns.UnionWith(table.PrimaryKey?.Columns ?? []);
        foreach (var u in table.Uniques)
        {
            columns.UnionWith(u.Columns);
        }

        foreach (var i in table.Indexes.Where(i => i.Unique))
        {
            columns.UnionWith(i.Keys.Select(k => k.Column).OfType<string>());
        }

        return columns;
    }

    private static (QualifiedName Name, TableModel Table)? Find(DatabaseModel model, string qualified)
    {
        foreach (var schema in model.Schemas)
        {
            foreach (var table in schema.Tables)
            {
                if ($"{schema.Name}.{table.Name}" == qualified)
                {
                    return (new QualifiedName(schema.Name, table.Name), table);
                }
            }
        }

        return null;
    }
}
