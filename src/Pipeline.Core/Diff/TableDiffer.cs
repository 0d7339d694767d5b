using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Diff;

/// <summary>
/// Compares one desired table with the actual table it maps to (same name, or its <c>renamedFrom:</c>) and appends
/// the changes. Actual column names are mapped through declared column renames before constraints are compared.
/// </summary>
internal sealed class TableDiffer(
    QualifiedName name,
    TableModel desired,
    TableModel actual,
    DatabaseModel desiredModel,
    DatabaseModel actualModel,
    ISqlNormalizer normalizer,
    List<SchemaChange> changes)
{
    private readonly Dictionary<string, string> renamedColumns = new(StringComparer.Ordinal);

    public void Run()
    {
        DiffColumns();
        DiffPrimaryKey();
        DiffByName(desired.Uniques, actual.Uniques, u => u.Name,
            (d, a) => Same(d.Columns, Renamed(a.Columns)) && d.NullsNotDistinct == a.NullsNotDistinct
                && d.Deferrable == a.Deferrable && d.InitiallyDeferred == a.InitiallyDeferred && d.Clustered == a.Clustered,
            d => new AddUnique(name, d, actual),
            (a, replacement) => new DropUnique(name, a, desired.Location) { Replacement = replacement });
        DiffByName(desired.Indexes, actual.Indexes, i => i.Name, SameIndexOrRestore,
            d => new CreateIndex(name, d, actual),
            (a, replacement) => new DropIndex(name, a, desired.Location) { Replacement = replacement });
        DiffByName(desired.Checks, actual.Checks, c => c.Name,
            (d, a) => Same(d.Expression, a.Expression, null) && d.NoInherit == a.NoInherit,
            d => new AddCheck(name, d, actual),
            (a, replacement) => new DropCheck(name, a, desired.Location) { Replacement = replacement });
        DiffByName(desired.ForeignKeys, actual.ForeignKeys, f => f.Name, SameForeignKeyOrRetime,
            d => new AddForeignKey(name, d, actual, actualModel.FindTable(d.ReferencedSchema, d.ReferencedTable)
                ?? FindRenamedSource(d.ReferencedSchema, d.ReferencedTable)),
            (a, replacement) => new DropForeignKey(name, a, desired.Location) { Replacement = replacement });
        DiffByName(desired.Exclusions, actual.Exclusions, x => x.Name, SameExclusion,
            d => new AddExclusion(name, d, actual),
            (a, replacement) => new DropExclusion(name, a, desired.Location) { Replacement = replacement });

        if (desired.Comment != actual.Comment)
        {
            changes.Add(new SetComment(name, null, desired.Comment, desired.Location));
        }
    }

    private void DiffColumns()
    {
        var matched = new HashSet<string>(StringComparer.Ordinal);
        // "rename x to y and add a new x": a name another column is renamed from names a new column.
        var renameSources = RenameSources(desired.Columns.Select(c => (c.Name, c.RenamedFrom)), n => actual.FindColumn(n) is not null);
        foreach (var column in desired.Columns)
        {
            var existing = renameSources.Contains(column.Name) ? null : actual.FindColumn(column.Name);
            if (existing is null && column.RenamedFrom is not null && actual.FindColumn(column.RenamedFrom) is { } old)
            {
                existing = old;
                renamedColumns[old.Name] = column.Name;
                changes.Add(new RenameColumn(name, old.Name, column.Name, column.Location));
            }

            if (existing is null)
            {
                changes.Add(new AddColumn(name, column, actual));
                continue;
            }

            matched.Add(existing.Name);
            DiffColumn(column, existing);
        }

        foreach (var column in actual.Columns.Where(c => !matched.Contains(c.Name)))
        {
            changes.Add(new DropColumn(name, column, desired.Location));
        }
    }

    private void DiffColumn(ColumnModel column, ColumnModel existing)
    {
        if (column.Generated is not null
            && (existing.Generated is null || normalizer.NormalizeExpression(column.Generated) != normalizer.NormalizeExpression(existing.Generated)))
        {
            changes.Add(new ReplaceGeneratedColumn(name, existing, column, actual, DependentsOf(existing.Name)));
            return;
        }

        if (column.Generated is null && existing.Generated is not null)
        {
            changes.Add(new DropGeneratedExpression(name, column, actual));
        }

        var desiredType = normalizer.NormalizeType(column.Type);
        // SQL Server: a default constraint's name is part of it (null on both sides for PostgreSQL).
        var defaultChanged = !Same(column.Default, existing.Default, desiredType)
            || (column.Default is not null && column.DefaultName != existing.DefaultName);
        if (desiredType != normalizer.NormalizeType(existing.Type))
        {
            // The default travels with the type change (one statement): a default of the old type may not convert.
            changes.Add(new AlterColumnType(name, existing, column, column.Using, actual) { DefaultChanged = defaultChanged });
        }
        else if (defaultChanged)
        {
            changes.Add(new AlterColumnDefault(name, column.Name, column.Default, column.Location));
        }

        if (column.Identity != existing.Identity
            || (column.Identity != IdentityKind.None
                && ((column.IdentitySeed ?? 1) != (existing.IdentitySeed ?? 1) || (column.IdentityIncrement ?? 1) != (existing.IdentityIncrement ?? 1))))
        {
            changes.Add(new AlterColumnIdentity(name, column.Name, existing.Identity, column.Identity, column.Location));
        }

        if (!column.Nullable && existing.Nullable)
        {
            changes.Add(new SetNotNull(name, column, actual));
        }
        else if (column.Nullable && !existing.Nullable)
        {
            changes.Add(new DropNotNull(name, column));
        }

        if (column.Comment != existing.Comment)
        {
            changes.Add(new SetComment(name, column.Name, column.Comment, column.Location));
        }
    }

    private void DiffPrimaryKey()
    {
        var d = desired.PrimaryKey;
        var a = actual.PrimaryKey;
        if (d is not null && a is not null && Same(d.Columns, Renamed(a.Columns))
            && d.Deferrable == a.Deferrable && d.InitiallyDeferred == a.InitiallyDeferred && d.Clustered == a.Clustered)
        {
            if (d.Name != a.Name && desired.RenamedFrom == actual.Name)
            {
                changes.Add(new RenameConstraint(name, a.Name, d.Name, d.Location));
                return;
            }

            if (d.Name == a.Name)
            {
                return;
            }
        }

        if (a is not null)
        {
            changes.Add(new DropPrimaryKey(name, a, d?.Location ?? desired.Location) { Replacement = d is not null });
        }

        if (d is not null)
        {
            changes.Add(new AddPrimaryKey(name, d, desired, actual));
        }
    }

    /// <summary>A foreign key whose only difference is DEFERRABLE / INITIALLY DEFERRED is altered in place
    /// (<c>ALTER CONSTRAINT</c>); any other difference replaces it.</summary>
    private bool SameForeignKeyOrRetime(ForeignKeyModel d, ForeignKeyModel a)
    {
        if (!SameForeignKey(d, a))
        {
            return false;
        }

        if (d.Deferrable != a.Deferrable || d.InitiallyDeferred != a.InitiallyDeferred)
        {
            changes.Add(new AlterConstraintDeferrability(name, d.Name, d.Deferrable, d.InitiallyDeferred, d.Location));
        }

        return true;
    }

    private void DiffByName<T>(
        IReadOnlyList<T> wanted,
        IReadOnlyList<T> existing,
        Func<T, string> key,
        Func<T, T, bool> same,
        Func<T, SchemaChange> add,
        Func<T, bool, SchemaChange> drop)
    {
        foreach (var item in wanted)
        {
            var current = existing.FirstOrDefault(e => key(e) == key(item));
            if (current is null)
            {
                changes.Add(add(item));
            }
            else if (!same(item, current))
            {
                changes.Add(drop(current, true));
                changes.Add(add(item));
            }
        }

        foreach (var item in existing.Where(e => !wanted.Any(w => key(w) == key(e))))
        {
            changes.Add(drop(item, false));
        }
    }

    /// <summary>An index whose only difference is its storage parameters gets an <see cref="AlterIndexStorage"/>
    /// change; any other difference replaces it.</summary>
    private bool SameIndexOrRestore(IndexModel d, IndexModel a)
    {
        if (!SameIndex(d, a with { With = d.With }))
        {
            return false;
        }

        if (!SameParameters(d.With, a.With))
        {
            changes.Add(new AlterIndexStorage(name, d, a, actual));
        }

        return true;
    }

    private bool SameIndex(IndexModel d, IndexModel a) =>
        d.Unique == a.Unique
        && d.NullsNotDistinct == a.NullsNotDistinct
        && d.Clustered == a.Clustered
        && string.Equals(d.Method, a.Method, StringComparison.OrdinalIgnoreCase)
        && SameKeys(d.Keys, a.Keys)
        && Same(d.Include, Renamed(a.Include))
        && Same(d.Where, a.Where, null)
        && SameParameters(d.With, a.With);

    private bool SameExclusion(ExclusionConstraintModel d, ExclusionConstraintModel a) =>
        string.Equals(d.Method, a.Method, StringComparison.OrdinalIgnoreCase)
        && d.Elements.Count == a.Elements.Count
        && d.Elements.Zip(a.Elements).All(p => SameKey(p.First.Key, p.Second.Key) && p.First.Operator.Trim() == p.Second.Operator.Trim())
        && Same(d.Include, Renamed(a.Include))
        && Same(d.Where, a.Where, null)
        && SameParameters(d.With, a.With)
        && d.Deferrable == a.Deferrable
        && d.InitiallyDeferred == a.InitiallyDeferred;

    private bool SameKeys(IReadOnlyList<IndexKeyModel> d, IReadOnlyList<IndexKeyModel> a) =>
        d.Count == a.Count && d.Zip(a).All(p => SameKey(p.First, p.Second));

    /// <summary>Same column (through declared renames) or same normalised expression, same collation, operator class
    /// (case-insensitive, <c>pg_catalog.</c> ignored), direction and NULLS order.</summary>
    private bool SameKey(IndexKeyModel d, IndexKeyModel a)
    {
        var actualColumn = a.Column is not null && renamedColumns.TryGetValue(a.Column, out var to) ? to : a.Column;
        return d.Column == actualColumn
            && (d.Expression is null) == (a.Expression is null)
            && (d.Expression is null || Same(d.Expression, a.Expression!, null))
            && d.Collation == a.Collation
            && string.Equals(OperatorClass(d.OperatorClass), OperatorClass(a.OperatorClass), StringComparison.OrdinalIgnoreCase)
            && d.Descending == a.Descending
            && d.NullsFirst == a.NullsFirst;
    }

    private static string? OperatorClass(string? name) =>
        name is not null && name.StartsWith("pg_catalog.", StringComparison.OrdinalIgnoreCase) ? name["pg_catalog.".Length..] : name;

    /// <summary>Same storage parameters by name; values compared case-insensitively, with PostgreSQL's boolean
    /// spellings (on/off, true/false, yes/no) made equal.</summary>
    private static bool SameParameters(IReadOnlyList<StorageParameter> d, IReadOnlyList<StorageParameter> a) =>
        d.Count == a.Count
        && d.OrderBy(p => p.Name, StringComparer.Ordinal).Zip(a.OrderBy(p => p.Name, StringComparer.Ordinal))
            .All(p => p.First.Name == p.Second.Name && ParameterValue(p.First.Value) == ParameterValue(p.Second.Value));

    private static string ParameterValue(string value) => value.Trim().Trim('\'').ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => "true",
        "off" or "false" or "no" => "false",
        var v => v,
    };

    private bool SameForeignKey(ForeignKeyModel d, ForeignKeyModel a) =>
        Same(d.Columns, Renamed(a.Columns))
        && d.ReferencedSchema == a.ReferencedSchema
        && (d.ReferencedTable == a.ReferencedTable || RenamedTableSource(d) == a.ReferencedTable)
        && Same(d.ReferencedColumns, a.ReferencedColumns)
        && d.OnDelete == a.OnDelete
        && d.OnUpdate == a.OnUpdate
        && d.Match == a.Match;

    private string? RenamedTableSource(ForeignKeyModel d) =>
        desiredModel.FindTable(d.ReferencedSchema, d.ReferencedTable)?.RenamedFrom;

    private TableModel? FindRenamedSource(string schema, string table) =>
        desiredModel.FindTable(schema, table)?.RenamedFrom is { } old ? actualModel.FindTable(schema, old) : null;

    /// <summary>Indexes and constraints of the actual table that use <paramref name="column"/> (by name, or by
    /// mention in an expression), described for messages.</summary>
    private List<string> DependentsOf(string column)
    {
        var mention = new System.Text.RegularExpressions.Regex(
            "(?<![A-Za-z0-9_$\"])" + System.Text.RegularExpressions.Regex.Escape(column) + "(?![A-Za-z0-9_$\"])"
            + "|\"" + System.Text.RegularExpressions.Regex.Escape(column.Replace("\"", "\"\"", StringComparison.Ordinal)) + "\"",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        bool InText(string? text) => text is not null && mention.IsMatch(text);
        bool InKeys(IEnumerable<IndexKeyModel> keys) => keys.Any(k => k.Column == column || InText(k.Expression));
        var result = new List<string>();
        result.AddRange(actual.Indexes.Where(i => InKeys(i.Keys) || i.Include.Contains(column) || InText(i.Where)).Select(i => $"index {i.Name}"));
        if (actual.PrimaryKey is { } pk && pk.Columns.Contains(column))
        {
            result.Add($"primary key {pk.Name}");
        }

        result.AddRange(actual.Uniques.Where(u => u.Columns.Contains(column)).Select(u => $"unique constraint {u.Name}"));
        result.AddRange(actual.ForeignKeys.Where(f => f.Columns.Contains(column)).Select(f => $"foreign key {f.Name}"));
        result.AddRange(actual.Checks.Where(c => InText(c.Expression)).Select(c => $"check constraint {c.Name}"));
        result.AddRange(actual.Exclusions.Where(x => InKeys(x.Elements.Select(e => e.Key)) || x.Include.Contains(column) || InText(x.Where))
            .Select(x => $"exclusion constraint {x.Name}"));
        return result;
    }

    private List<string> Renamed(IReadOnlyList<string> columns) =>
        columns.Select(c => renamedColumns.TryGetValue(c, out var to) ? to : c).ToList();

    // The same text normalises the same way: only different texts are normalised (on a 500-table schema read back
    // from its own inspect, nearly every default and predicate is the same text).
    private bool Same(string? wanted, string? existing, string? columnType) =>
        (wanted is null && existing is null)
        || (wanted is not null && existing is not null
            && (string.Equals(wanted, existing, StringComparison.Ordinal)
                || normalizer.NormalizeExpression(wanted, columnType) == normalizer.NormalizeExpression(existing, columnType)));

    /// <summary>Names that a declared rename takes from the actual side (the rename applies: the old name exists and
    /// the new one does not), so a desired object of such a name is new.</summary>
    internal static HashSet<string> RenameSources(IEnumerable<(string Name, string? RenamedFrom)> desired, Func<string, bool> existsInActual)
    {
        var list = desired.ToList();
        var names = list.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        return list
            .Where(d => d.RenamedFrom is not null && !existsInActual(d.Name) && existsInActual(d.RenamedFrom) && names.Contains(d.RenamedFrom))
            .Select(d => d.RenamedFrom!)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static bool Same(IReadOnlyList<string> a, IReadOnlyList<string> b) => a.SequenceEqual(b, StringComparer.Ordinal);
}
