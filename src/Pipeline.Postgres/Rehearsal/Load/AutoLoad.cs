using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Release;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>
/// The load of <c>--load auto</c>: for every table a step of the plan touches that exists before the plan, is kept
/// (possibly renamed) by it and has a primary key, the two application versions that run side by side during a
/// release, each reading and writing by key in the weights read 50 : update 30 : insert 20 : delete 10.
/// <para><b>The old version</b> (from before the first step; until contract starts when contract breaks it: the old
/// name of a renamed table, an insert that omits a NOT NULL column the plan adds without a default) names only the
/// columns that exist before and after the plan under the same name; columns the plan adds are left to their defaults
/// and the plan's triggers.</para>
/// <para><b>The new version</b> (from the end of expand, deployed once expand is done, until after the last step) runs
/// where the plan gives the table a new shape, and writes through it: the columns the plan adds (the value of the
/// column's <c>backfill:</c> expression over the row, else its default, else a constant of its type for a nullable
/// column), the new names of renamed columns (unqualified, on connections with the search_path
/// <c>{version schema}, {schema}</c>, as PIPE1041 tells the new version to connect), the new name of a renamed table,
/// and, for a type change planned with a shadow column, values of the new type written into the column (the shadow
/// column's trigger converts them).</para>
/// Keys and values come from staging itself (the key range of an integer key, else sampled keys; sampled rows), so no
/// statement violates a constraint:
/// <list type="bullet">
/// <item>read: <c>SELECT cols FROM t WHERE key = $1</c>;</item>
/// <item>update: one column set to a value sampled from another row, <c>UPDATE t SET c = $1 WHERE key = $2</c>; the
/// column is one that no key, unique constraint, unique index or check names (a foreign key column keeps an existing,
/// referenced value); without such a column, <c>SET c = c</c> (still a write: a new row version, the row lock,
/// the triggers). The new version sets the new shape's columns instead when it has any;</item>
/// <item>insert: a copy of a sampled row under a new key, <c>INSERT INTO t (key, cols) SELECT $1, cols FROM t WHERE
/// key = $2</c> (the key left to its default when it has one), so checks and foreign keys hold; both versions draw
/// fresh keys from one counter. Not generated for a table with a unique constraint or unique index besides the primary
/// key, a non-integer key without default, or a NOT NULL column without default that the plan drops;</item>
/// <item>delete: one of the rows the load itself inserted, <c>DELETE FROM t WHERE key = (SELECT key FROM t WHERE key
/// &gt; $1 ORDER BY key LIMIT 1)</c> with <c>$1</c> the highest key before the load (only for a single integer key with
/// inserts), so no row the rehearsal checks or another table references is deleted and the row-count validation can
/// account for every row (inserts and deletes counted by their affected rows).</item>
/// </list>
/// </summary>
internal static class AutoLoad
{
    /// <summary>Suffix of the new application version's statement names.</summary>
    public const string NewVersion = " (new version)";

    /// <summary>The statements, with a warning for every table or statement left out.</summary>
    public static async Task<(IReadOnlyList<LoadStatement> Statements, IReadOnlyList<string> Warnings)> DeriveAsync(
        NpgsqlConnection connection, PlanFolder folder, CancellationToken ct)
    {
        var statements = new List<LoadStatement>();
        var warnings = new List<string>();
        var touched = folder.Plan.Steps.SelectMany(s => s.Tables).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var done = new HashSet<QualifiedName>();
        var renames = PlanRenames.Of(folder.Plan);
        foreach (var name in touched)
        {
            var pair = Pair(folder, renames, name);
            if (pair is null || !done.Add(pair.Value.Source.Name))
            {
                continue; // created by the plan (the application cannot use it yet), or seen under its other name
            }

            var (source, desired) = pair.Value;
            if (desired is null)
            {
                warnings.Add($"{source.Name}: left out, the plan drops it");
                continue;
            }

            if (source.Table.PrimaryKey is null)
            {
                warnings.Add($"{source.Name}: left out, it has no primary key to read and write by");
                continue;
            }

            statements.AddRange(await ForTableAsync(connection, folder, renames, source, desired.Value, warnings, ct));
        }

        if (statements.Count == 0)
        {
            warnings.Add("no statement could be derived: the plan touches no existing table with a primary key");
        }

        return (statements, warnings);
    }

    /// <summary>The table before the plan and the same table after it (by name, or renamed by the plan).</summary>
    private static ((QualifiedName Name, TableModel Table) Source, (QualifiedName Name, TableModel Table)? Desired)? Pair(
        PlanFolder folder, PlanRenames renames, string qualified)
    {
        if (Find(folder.Source, qualified) is { } source)
        {
            var to = renames.Tables.GetValueOrDefault(source.Name) ?? source.Name;
            var desired = folder.Desired.FindTable(to.Schema, to.Name);
            return (source, desired is null ? null : (to, desired));
        }

        var from = renames.Tables.FirstOrDefault(kv => kv.Value.ToString() == qualified).Key;
        if (from is not null && folder.Source.FindTable(from.Schema, from.Name) is { } old && Find(folder.Desired, qualified) is { } renamed)
        {
            return ((from, old), renamed);
        }

        return null;
    }

    private static async Task<IReadOnlyList<LoadStatement>> ForTableAsync(
        NpgsqlConnection connection, PlanFolder folder, PlanRenames renames, (QualifiedName Name, TableModel Table) sourcePair,
        (QualifiedName Name, TableModel Table) desiredPair, List<string> warnings, CancellationToken ct)
    {
        var (name, source) = sourcePair;
        var (newName, desired) = desiredPair;
        var tableRenamed = newName != name;
        var key = source.PrimaryKey!.Columns;
        var keySample = await TableSampler.SampleAsync(connection, name, key, ct);
        if (keySample.Count == 0)
        {
            warnings.Add($"{name}: left out, it is empty (no key to read or write by)");
            return [];
        }

        var keyColumn = key.Count == 1 ? source.Columns.First(c => c.Name == key[0]) : null;
        var integerKey = keyColumn is not null && TableSampler.IsInteger(keyColumn.Type);
        var range = integerKey ? await TableSampler.RangeAsync(connection, name, key[0], ct) : null;
        var table = new TableLoad(
            name,
            range is { } r ? new RangeSource(r.Min, r.Max) : new ValuesSource(keySample),
            new ValuesSource(keySample),
            integerKey ? new NewKeySource(range?.Max ?? 0) : null,
            range?.Max);

        // The old version: the columns that keep their name.
        var kept = source.Columns
            .Where(c => c.Generated is null && desired.Columns.Any(d => d.Name == c.Name && d.Generated is null))
            .Select(c => new ShapeColumn(c.Name, c.Name))
            .ToList();
        // Columns renamed through the version schema keep their old names on the table until contract: the old version
        // names them until then.
        var viewRenames = renames.Columns.TryGetValue(name, out var v) ? v : ((string VersionSchema, IReadOnlyDictionary<string, string> Columns)?)null;
        var viaView = viewRenames is not null && !tableRenamed;
        var oldColumns = viaView ? kept.Concat(viewRenames!.Value.Columns.Keys.Select(c => new ShapeColumn(c, c))).ToList() : kept;
        var old = new Shape(name.ToString(), SqlIdentifiers.Qualified(name), tableRenamed || viaView ? LoadWindow.UntilContract : LoadWindow.Throughout, null,
            oldColumns, [], UniqueAndCheckColumns(source), MissingNotNull(source, desired, oldColumns, []));
        // A renamed table: the old version uses the old name (the plan's compatibility view) until contract starts, the
        // new version the new name from the end of expand (the statements' windows say so; nothing is left out).
        var result = new List<LoadStatement>();
        result.AddRange(await ForShapeAsync(connection, table, source, old, warnings, ct));

        var @new = NewShape(folder, renames, name, newName, source, desired, kept, tableRenamed, viaView ? viewRenames : null, warnings);
        if (@new is not null)
        {
            result.AddRange(await ForShapeAsync(connection, table, source, @new, warnings, ct));
        }

        return result;
    }

    /// <summary>The new application version's shape of the table, or <c>null</c> when the plan gives it none (the
    /// old version's statements already are the new version's).</summary>
    private static Shape? NewShape(
        PlanFolder folder, PlanRenames renames, QualifiedName name, QualifiedName newName, TableModel source, TableModel desired, List<ShapeColumn> kept,
        bool tableRenamed, (string VersionSchema, IReadOnlyDictionary<string, string> Columns)? viewRenames, List<string> warnings)
    {
        var steps = folder.Plan.Steps.Where(s => s.Tables.Contains(name.ToString()) || s.Tables.Contains(newName.ToString())).ToList();
        var columns = new List<ShapeColumn>(kept);
        string? searchPath = null;
        if (viewRenames is { } view)
        {
            // Unqualified names on connections whose search_path starts with the version schema (PIPE1041).
            searchPath = $"{SqlIdentifiers.Quote(view.VersionSchema)}, {SqlIdentifiers.Quote(name.Schema)}";
            columns.AddRange(view.Columns.Select(c => new ShapeColumn(c.Key, c.Value)));
        }

        // Renamed in place in expand (PIPE1042): the new version names them from the end of expand.
        var plain = renames.PlainColumns.GetValueOrDefault(name) ?? new Dictionary<string, string>();
        columns.AddRange(plain.Where(c => source.Columns.Any(s => s.Name == c.Key)).Select(c => new ShapeColumn(c.Key, c.Value)));

        var guarded = UniqueAndCheckColumns(desired);
        var writes = new List<ShapeWrite>();
        foreach (var added in desired.Columns.Where(d => d.Generated is null && source.Columns.All(c => c.Name != d.Name) && columns.All(c => c.Name != d.Name)))
        {
            var value = added.Backfill ?? BackfillExpression(steps, newName, added.Name) ?? added.Default ?? (added.Nullable ? TypedConstant(added.Type) : null);
            if (guarded.Contains(added.Name))
            {
                warnings.Add($"{newName}: the new application version does not write the new column {added.Name}: a key, unique constraint, unique index or check names it");
            }
            else if (value is null)
            {
                warnings.Add($"{newName}: the new application version does not write the new column {added.Name}: it has no backfill expression, default or constant of its type ({added.Type})");
            }
            else
            {
                writes.Add(new ShapeWrite(added.Name, $"({value})", null));
            }
        }

        foreach (var column in kept.Where(c => !guarded.Contains(c.Name)))
        {
            var shadow = ShadowColumn.ShadowNameOf(column.Name);
            if (steps.Any(s => s.Sql.Contains(shadow, StringComparison.Ordinal)) && desired.Columns.FirstOrDefault(d => d.Name == column.Name) is { } d)
            {
                if (d.Using is not null)
                {
                    warnings.Add($"{newName}: the new application version does not write {column.Name} with values of its new type: the change converts with using: (the old version's values are converted by the shadow column's trigger)");
                    continue;
                }

                writes.Add(new ShapeWrite(column.Name, null, CastType(d.Type)));
            }
        }

        if (!tableRenamed && searchPath is null && plain.Count == 0 && writes.Count == 0)
        {
            return null;
        }

        var table = searchPath is null ? SqlIdentifiers.Qualified(newName) : SqlIdentifiers.Quote(newName.Name);
        return new Shape(newName + NewVersion, table, LoadWindow.AfterExpand, searchPath, columns, writes, guarded,
            MissingNotNull(source, desired, columns, writes));
    }

    private static async Task<IReadOnlyList<LoadStatement>> ForShapeAsync(
        NpgsqlConnection connection, TableLoad load, TableModel source, Shape shape, List<string> warnings, CancellationToken ct)
    {
        var key = source.PrimaryKey!.Columns;
        var keys = load.Keys;
        var where = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${i + 1}"));
        var read = shape.Columns.Select(c => SqlIdentifiers.Quote(c.Name)).Concat(shape.Writes.Where(w => w.Expression is not null).Select(w => SqlIdentifiers.Quote(w.Column))).ToList();
        var list = read.Count == 0 ? string.Join(", ", key.Select(SqlIdentifiers.Quote)) : string.Join(", ", read);
        var result = new List<LoadStatement>
        {
            new($"read {shape.Label}", $"SELECT {list} FROM {shape.Table} WHERE {where}", 50, [keys], Window: shape.Window, SearchPath: shape.SearchPath),
        };

        result.Add(await UpdateAsync(connection, load, key, shape, ct));
        if (Insert(load, source, shape, warnings) is { } insert)
        {
            result.Add(insert);
            if (load.HighestKey is { } highest)
            {
                var k = SqlIdentifiers.Quote(key[0]);
                result.Add(new($"delete {shape.Label}", $"DELETE FROM {shape.Table} WHERE {k} = (SELECT {k} FROM {shape.Table} WHERE {k} > $1 ORDER BY {k} LIMIT 1)", 10,
                    [new ValuesSource([[highest.ToString(System.Globalization.CultureInfo.InvariantCulture)]])], load.Name, -1, shape.Window, shape.SearchPath));
            }
        }

        return result;
    }

    private static async Task<LoadStatement> UpdateAsync(NpgsqlConnection connection, TableLoad load, IReadOnlyList<string> key, Shape shape, CancellationToken ct)
    {
        var name = $"update {shape.Label}";
        if (shape.Writes.Count > 0)
        {
            // The new shape's columns: expressions over the row, and values of the new type.
            var sources = new List<IParameterSource>();
            var sets = new List<string>();
            foreach (var w in shape.Writes)
            {
                if (w.Expression is not null)
                {
                    sets.Add($"{SqlIdentifiers.Quote(w.Column)} = {w.Expression}");
                    continue;
                }

                var values = await TableSampler.SampleAsync(connection, load.Name, [w.Column], ct);
                sets.Add(values.Count == 0
                    ? $"{SqlIdentifiers.Quote(w.Column)} = {SqlIdentifiers.Quote(w.Column)}"
                    : $"{SqlIdentifiers.Quote(w.Column)} = ${sources.Count + 1}::{w.Cast}");
                if (values.Count > 0)
                {
                    sources.Add(new ValuesSource(values));
                }
            }

            var at = sources.Count;
            var keyWhere = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${at + i + 1}"));
            sources.Add(load.Keys);
            return new(name, $"UPDATE {shape.Table} SET {string.Join(", ", sets)} WHERE {keyWhere}", 30, sources, Window: shape.Window, SearchPath: shape.SearchPath);
        }

        // A column no key, unique or check names, set to a value sampled from another row.
        // (A renamed column first: the new version writes it under its new name.)
        var writable = shape.Columns.OrderBy(c => c.Source == c.Name)
            .FirstOrDefault(c => !key.Contains(c.Source) && !shape.Guarded.Contains(c.Name) && !shape.Guarded.Contains(c.Source));
        var where = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${i + 1}"));
        if (writable is not null)
        {
            var values = await TableSampler.SampleAsync(connection, load.Name, [writable.Source], ct);
            var column = SqlIdentifiers.Quote(writable.Name);
            if (values.Count > 0)
            {
                var updateWhere = string.Join(" AND ", key.Select((k, i) => $"{SqlIdentifiers.Quote(k)} = ${i + 2}"));
                return new(name, $"UPDATE {shape.Table} SET {column} = $1 WHERE {updateWhere}", 30, [new ValuesSource(values), load.Keys],
                    Window: shape.Window, SearchPath: shape.SearchPath);
            }

            return new(name, $"UPDATE {shape.Table} SET {column} = {column} WHERE {where}", 30, [load.Keys], Window: shape.Window, SearchPath: shape.SearchPath);
        }

        var self = SqlIdentifiers.Quote(shape.Columns.FirstOrDefault(c => !key.Contains(c.Source))?.Name ?? key[0]);
        return new(name, $"UPDATE {shape.Table} SET {self} = {self} WHERE {where}", 30, [load.Keys], Window: shape.Window, SearchPath: shape.SearchPath);
    }

    private static LoadStatement? Insert(TableLoad load, TableModel source, Shape shape, List<string> warnings)
    {
        var key = source.PrimaryKey!.Columns;
        var label = shape.Label;
        var otherUnique = source.Uniques.Any(u => !u.Columns.SequenceEqual(key)) || source.Indexes.Any(i => i.Unique && source.PrimaryKey.Name != i.Name);
        if (otherUnique)
        {
            warnings.Add($"{label}: no inserts, it has a unique constraint or unique index besides the primary key (a copied row would violate it)");
            return null;
        }

        var dropped = source.Columns.FirstOrDefault(c => !c.Nullable && c.Default is null && c.Identity == IdentityKind.None && c.Generated is null
            && shape.Columns.All(s => s.Source != c.Name));
        if (dropped is not null)
        {
            warnings.Add($"{label}: no inserts, its NOT NULL column {dropped.Name} has no default and the plan drops or renames it");
            return null;
        }

        var keyColumn = key.Count == 1 ? source.Columns.First(c => c.Name == key[0]) : null;
        var generatesKey = keyColumn is not null && (keyColumn.Identity != IdentityKind.None || keyColumn.Default is not null);
        if (!generatesKey && load.NewKeys is null)
        {
            warnings.Add($"{label}: no inserts, its primary key is not a single integer column and has no default (no fresh key can be drawn)");
            return null;
        }

        var window = shape.Window;
        if (shape.MissingNotNull is { } missing)
        {
            warnings.Add($"{label}: inserts stop when contract starts: the plan adds NOT NULL column {missing} without a default, which only the new application version writes");
            window = LoadWindow.UntilContract;
        }

        var copied = shape.Columns.Where(c => !key.Contains(c.Source)).Select(c => SqlIdentifiers.Quote(c.Name)).ToList();
        var added = shape.Writes.Where(w => w.Expression is not null).ToList();
        var targets = copied.Concat(added.Select(w => SqlIdentifiers.Quote(w.Column))).ToList();
        var values = copied.Concat(added.Select(w => w.Expression!)).ToList();
        var sql = shape.Table;
        var keyName = SqlIdentifiers.Quote(key[0]);
        if (generatesKey)
        {
            if (targets.Count == 0)
            {
                return new($"insert {label}", $"INSERT INTO {sql} DEFAULT VALUES", 20, [], load.Name, 1, window, shape.SearchPath);
            }

            return new($"insert {label}",
                $"INSERT INTO {sql} ({string.Join(", ", targets)}) SELECT {string.Join(", ", values)} FROM {sql} WHERE {keyName} = $1", 20,
                [load.RowKeys], load.Name, 1, window, shape.SearchPath);
        }

        var all = string.Join(", ", targets.Prepend(keyName));
        var select = string.Join(", ", values.Prepend("$1"));
        return new($"insert {label}", $"INSERT INTO {sql} ({all}) SELECT {select} FROM {sql} WHERE {keyName} = $2", 20,
            [load.NewKeys!, load.RowKeys], load.Name, 1, window, shape.SearchPath);
    }

    /// <summary>The expression the plan's backfill gives <paramref name="column"/> (its step's <c>SET column = expr</c>;
    /// the desired snapshot does not keep <c>backfill:</c>), or <c>null</c>.</summary>
    private static string? BackfillExpression(IReadOnlyList<Core.Reports.PlanDocumentStep> steps, QualifiedName table, string column)
    {
        var prefix = SqlIdentifiers.Quote(column) + " = ";
        return steps.Select(s => s.Backfill)
            .FirstOrDefault(b => b is not null && b.Table == table && b.SetClause.StartsWith(prefix, StringComparison.Ordinal))?.SetClause[prefix.Length..];
    }

    /// <summary>A NOT NULL column without default of the desired table that a shape's inserts do not write.</summary>
    private static string? MissingNotNull(TableModel source, TableModel desired, IReadOnlyList<ShapeColumn> columns, IReadOnlyList<ShapeWrite> writes) =>
        desired.Columns.FirstOrDefault(d => !d.Nullable && d.Default is null && d.Identity == IdentityKind.None && d.Generated is null
            && source.Columns.All(c => c.Name != d.Name)
            && columns.All(c => c.Name != d.Name) && writes.All(w => w.Column != d.Name || w.Expression is null))?.Name;

    /// <summary>The type to cast a value of the new type to (serial kinds are their integer types).</summary>
    private static string CastType(string type) => type switch
    {
        "serial" or "serial4" => "integer",
        "bigserial" or "serial8" => "bigint",
        "smallserial" or "serial2" => "smallint",
        _ => type,
    };

    /// <summary>A constant of a common type for a new nullable column the new version writes, or <c>null</c>.</summary>
    private static string? TypedConstant(string type)
    {
        var t = type.ToLowerInvariant();
        if (TableSampler.IsInteger(t) || t.StartsWith("numeric", StringComparison.Ordinal) || t.StartsWith("decimal", StringComparison.Ordinal)
            || t is "real" or "double precision" or "float4" or "float8")
        {
            return $"1::{type}";
        }

        if (t is "text" || t.StartsWith("varchar", StringComparison.Ordinal) || t.StartsWith("character varying", StringComparison.Ordinal))
        {
            return $"'n'::{type}";
        }

        return t switch
        {
            "boolean" or "bool" => "true",
            "date" => "current_date",
            "timestamptz" or "timestamp with time zone" or "timestamp" or "timestamp without time zone" => $"now()::{type}",
            "uuid" => "gen_random_uuid()",
            "jsonb" or "json" => $"'{{}}'::{type}",
            _ => null,
        };
    }

    private static HashSet<string> UniqueAndCheckColumns(TableModel table)
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

        var checkText = string.Join(" ", table.Checks.Select(c => c.Expression));
        columns.UnionWith(table.Columns.Select(c => c.Name).Where(c => checkText.Contains(c, StringComparison.Ordinal)));
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

    /// <summary>What both versions of a table share: its current name on staging, the key sources, one fresh-key
    /// counter (so the two versions never insert the same key) and the highest key before the load.</summary>
    private sealed record TableLoad(QualifiedName Name, IParameterSource Keys, IParameterSource RowKeys, NewKeySource? NewKeys, long? HighestKey);

    /// <summary>A column as a version names it.</summary>
    /// <param name="Source">Its name on staging before the plan (to sample values).</param>
    /// <param name="Name">Its name in the version's shape.</param>
    private sealed record ShapeColumn(string Source, string Name);

    /// <summary>A column the new version writes: with <see cref="Expression"/> (a new column), or values sampled from
    /// the column cast to <see cref="Cast"/> (a type change).</summary>
    private sealed record ShapeWrite(string Column, string? Expression, string? Cast);

    /// <summary>One application version's shape of a table.</summary>
    private sealed record Shape(
        string Label, string Table, LoadWindow Window, string? SearchPath, IReadOnlyList<ShapeColumn> Columns, IReadOnlyList<ShapeWrite> Writes,
        HashSet<string> Guarded, string? MissingNotNull);
}
