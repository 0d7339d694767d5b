using System.Text.RegularExpressions;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// One column whose type change is planned online with a shadow column: the new column of the new type, kept in sync
/// by a trigger, backfilled, and swapped in under the column's name in contract.
/// </summary>
/// <param name="Table">The table.</param>
/// <param name="Actual">The table as it is.</param>
/// <param name="Desired">The table as desired.</param>
/// <param name="From">The column as it is.</param>
/// <param name="To">The column as desired.</param>
/// <param name="FromBase">The actual type, normalised, serial pseudo-types as their integer type.</param>
/// <param name="ToBase">The desired type, normalised, serial pseudo-types as their integer type.</param>
/// <param name="Using">The YAML's <c>using:</c> expression (over the table's columns), or <c>null</c>.</param>
/// <param name="Cast">How PostgreSQL converts the values without <c>using:</c>.</param>
internal sealed record ShadowColumn(
    QualifiedName Table,
    TableModel Actual,
    TableModel Desired,
    ColumnModel From,
    ColumnModel To,
    string FromBase,
    string ToBase,
    string? Using,
    CastNeed Cast)
{
    /// <summary>The column's name (unchanged by the plan).</summary>
    public string Name => From.Name;

    /// <summary>Name of the shadow column during the window: <c>_pipeline_new_{column}</c>.</summary>
    public string ShadowName => ShadowNameOf(Name);

    /// <summary>Name of the shadow column of <paramref name="column"/>: <c>_pipeline_new_{column}</c>.</summary>
    public static string ShadowNameOf(string column) => SqlIdentifiers.Truncate("_pipeline_new_" + column);

    /// <summary>Name the old column gets at the swap, until it is dropped: <c>_pipeline_old_{column}</c>.</summary>
    public string OldName => SqlIdentifiers.Truncate("_pipeline_old_" + Name);

    /// <summary>The sync trigger: <c>_pipeline_sync_{column}</c>.</summary>
    public string TriggerName => SqlIdentifiers.Truncate("_pipeline_sync_" + Name);

    /// <summary>The sync trigger's function, in the table's schema: <c>_pipeline_sync_{table}_{column}</c>.</summary>
    public string FunctionName => SqlIdentifiers.Truncate($"_pipeline_sync_{Table.Name}_{Name}");

    /// <summary>The NOT VALID check that proves the shadow column NOT NULL before the swap.</summary>
    public string NotNullCheckName => SqlIdentifiers.Truncate("_pipeline_nn_" + Name);

    /// <summary>Whether the column is serial (an owned sequence behind a <c>nextval()</c> default).</summary>
    public bool Serial => PostgresSql.SerialTypes.Contains(PostgresTypeNames.Normalize(From.Type));

    /// <summary>The conversion of the old value, over the table's columns: <c>using:</c>, else the column itself (an
    /// assignment cast, as <c>ALTER COLUMN … TYPE</c> applies) or <c>"col"::type</c> when only an explicit cast
    /// exists.</summary>
    public string Conversion => Using ?? (Cast == CastNeed.Automatic
        ? SqlIdentifiers.Quote(Name)
        : TypeCastRules.UsingExpression(SqlIdentifiers.Quote(Name), ToBase, _ => false));
}

/// <summary>
/// The columns whose type changes are planned together: a key column and the foreign key columns that reference it
/// (and so on, transitively), all changing type with a rewrite. Their foreign keys are rebuilt between shadow columns
/// and they are swapped in one transaction. <see cref="ForeignKeys"/> holds every foreign key (on any table) whose
/// columns or referenced columns include a member; those are rebuilt on the shadow columns before the swap.
/// </summary>
/// <param name="Columns">Members, in a stable order (schema, table, column); the first plans the group.</param>
/// <param name="ForeignKeys">Foreign keys to rebuild: the table holding each and the key as it is.</param>
internal sealed record ShadowGroup(IReadOnlyList<ShadowColumn> Columns, IReadOnlyList<(QualifiedName Table, ForeignKeyModel ForeignKey)> ForeignKeys)
{
    /// <summary>The member planning the group's steps.</summary>
    public ShadowColumn Leader => Columns[0];

    /// <summary>Every table locked by the swap, sorted (members' tables and the tables of rebuilt foreign keys).</summary>
    public IReadOnlyList<QualifiedName> Tables => Columns.Select(c => c.Table).Concat(ForeignKeys.Select(f => f.Table))
        .Distinct().OrderBy(t => t.Schema, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

    /// <summary>The member for <paramref name="table"/>.<paramref name="column"/>, or <c>null</c>.</summary>
    public ShadowColumn? Find(QualifiedName table, string column) =>
        Columns.FirstOrDefault(c => c.Table == table && c.Name == column);

    /// <summary>The members on <paramref name="table"/>.</summary>
    public IReadOnlyList<ShadowColumn> On(QualifiedName table) => Columns.Where(c => c.Table == table).ToList();
}

/// <summary>
/// Decides which rewriting type changes go the shadow-column way (<see cref="PostgresDialect"/>'s
/// ShadowColumns part) and which keep the rewrite under ACCESS EXCLUSIVE, and why. Works from the two models only,
/// so every change of a group finds the same group.
/// </summary>
internal static partial class ShadowGroups
{
    /// <summary>New types without an equality operator: the sync trigger compares the shadow value, so these keep
    /// the rewrite.</summary>
    private static readonly HashSet<string> NoEquality = new(StringComparer.Ordinal)
    {
        "json", "xml", "point", "box", "polygon", "circle", "line", "lseg", "path",
    };

    /// <summary>
    /// The group of <paramref name="table"/>.<paramref name="column"/> when its type change rewrites and can be
    /// planned with a shadow column; otherwise <c>null</c> with <paramref name="reason"/> saying why not (or
    /// <c>null</c> when the change does not rewrite at all, or cannot be planned either way).
    /// </summary>
    public static ShadowGroup? Find(QualifiedName table, string column, PlanContext context, out string? reason)
    {
        reason = null;
        var first = Candidate(table, column, context, out reason);
        if (first is null)
        {
            return null;
        }

        var members = new List<ShadowColumn> { first };
        var foreignKeys = new List<(QualifiedName, ForeignKeyModel)>();
        var queue = new Queue<ShadowColumn>(members);
        while (queue.Count > 0)
        {
            var member = queue.Dequeue();
            foreach (var (fkTable, fk) in AllForeignKeys(context.Actual))
            {
                var referenced = new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable);
                var touches = (fkTable == member.Table && fk.Columns.Contains(member.Name))
                    || (referenced == member.Table && fk.ReferencedColumns.Contains(member.Name));
                if (!touches)
                {
                    continue;
                }

                if (!foreignKeys.Any(x => x.Item1 == fkTable && x.Item2.Name == fk.Name))
                {
                    if (NamePattern.IsExcluded(context.Desired.Exclude, fkTable.Schema, fkTable.Name))
                    {
                        reason = $"foreign key {fk.Name} on {fkTable} (an excluded table) uses the column";
                        return null;
                    }

                    var desiredTable = context.Desired.FindTable(fkTable.Schema, fkTable.Name);
                    var desiredFk = desiredTable?.ForeignKeys.FirstOrDefault(f => f.Name == fk.Name);
                    if (desiredFk is null || PostgresSql.ForeignKeyClause(desiredFk) != PostgresSql.ForeignKeyClause(fk))
                    {
                        reason = $"foreign key {fk.Name} on {fkTable} also changes or goes in this plan";
                        return null;
                    }

                    foreignKeys.Add((fkTable, fk));
                }

                // The other end of the foreign key joins the group when its type changes too.
                var ends = fk.Columns.Select(c => (fkTable, c)).Concat(fk.ReferencedColumns.Select(c => (referenced, c)));
                foreach (var (endTable, endColumn) in ends)
                {
                    if (members.Any(m => m.Table == endTable && m.Name == endColumn) || !TypeChanges(endTable, endColumn, context))
                    {
                        continue;
                    }

                    var other = Candidate(endTable, endColumn, context, out var otherReason);
                    if (other is null)
                    {
                        reason = $"{endTable}.{endColumn}, linked by foreign key {fk.Name}, changes type too but cannot use a shadow column"
                            + (otherReason is null ? string.Empty : $" ({otherReason})");
                        return null;
                    }

                    members.Add(other);
                    queue.Enqueue(other);
                }
            }
        }

        var ordered = members.OrderBy(m => m.Table.Schema, StringComparer.Ordinal).ThenBy(m => m.Table.Name, StringComparer.Ordinal)
            .ThenBy(m => m.Name, StringComparer.Ordinal).ToList();
        var orderedKeys = foreignKeys.OrderBy(k => k.Item1.Schema, StringComparer.Ordinal).ThenBy(k => k.Item1.Name, StringComparer.Ordinal)
            .ThenBy(k => k.Item2.Name, StringComparer.Ordinal).ToList();
        return new ShadowGroup(ordered, orderedKeys);
    }

    /// <summary>Whether the check <paramref name="expression"/> of <paramref name="table"/> uses a column whose type
    /// change goes the shadow way (the swap then drops and re-adds the check, so its own drop/add is not planned).</summary>
    public static bool CheckOwnedByShadow(QualifiedName table, string expression, PlanContext context)
    {
        var actual = context.Actual.FindTable(table.Schema, table.Name);
        if (actual is null)
        {
            return false;
        }

        // The type comparison first: it is false for nearly every column and far cheaper than the expression scan.
        return actual.Columns.Any(c => TypeChanges(table, c.Name, context) && Uses(expression, c.Name)
            && Find(table, c.Name, context, out _) is not null);
    }

    /// <summary>Whether the column exists on both sides with a different (normalised, modifier-aware) type.</summary>
    private static bool TypeChanges(QualifiedName table, string column, PlanContext context)
    {
        var actual = context.Actual.FindTable(table.Schema, table.Name)?.FindColumn(column);
        var desired = context.Desired.FindTable(table.Schema, table.Name)?.FindColumn(column);
        return actual is not null && desired is not null
            && PostgresTypeNames.Normalize(actual.Type) != PostgresTypeNames.Normalize(desired.Type);
    }

    /// <summary>One column's candidacy (without its foreign-key partners).</summary>
    private static ShadowColumn? Candidate(QualifiedName table, string column, PlanContext context, out string? reason)
    {
        reason = null;
        var actual = context.Actual.FindTable(table.Schema, table.Name);
        var desired = context.Desired.FindTable(table.Schema, table.Name);
        var from = actual?.FindColumn(column);
        var to = desired?.FindColumn(column);
        if (actual is null || desired is null || from is null || to is null)
        {
            return null;
        }

        var fromType = PostgresTypeNames.Normalize(from.Type);
        var toType = PostgresTypeNames.Normalize(to.Type);
        var fromSerial = PostgresSql.SerialTypes.Contains(fromType);
        var toSerial = PostgresSql.SerialTypes.Contains(toType);
        var fromBase = SerialBase(fromType) ?? fromType;
        var toBase = SerialBase(toType) ?? toType;
        if (fromBase == toBase || TypeChangeRules.IsInPlace(fromBase, toBase, to.Using))
        {
            return null; // no rewrite: nothing to do online
        }

        var isEnum = EnumLookup(context);
        var cast = TypeCastRules.Classify(fromBase, toBase, isEnum);
        if (cast == CastNeed.RequiresUsing && to.Using is null)
        {
            return null; // PIPE2030 either way
        }

        reason = Obstacle(table, actual, desired, from, to, fromSerial, toSerial, toBase, cast, isEnum, context);
        return reason is null ? new ShadowColumn(table, actual, desired, from, to, fromBase, toBase, to.Using, cast) : null;
    }

    /// <summary>What keeps the column from a shadow column, or <c>null</c>.</summary>
    private static string? Obstacle(QualifiedName table, TableModel actual, TableModel desired, ColumnModel from, ColumnModel to,
        bool fromSerial, bool toSerial, string toBase, CastNeed cast, Func<string, bool> isEnum, PlanContext context)
    {
        var name = from.Name;
        if (desired.RenamedFrom is not null || to.RenamedFrom is not null)
        {
            return "the table or column is renamed in the same plan";
        }

        if (actual.Partitioning is not null)
        {
            return "the table is partitioned";
        }

        if (fromSerial != toSerial)
        {
            return "the column starts or stops being serial";
        }

        if (from.Identity != to.Identity)
        {
            return "the column's identity changes in the same plan";
        }

        if (from.Generated is not null || to.Generated is not null)
        {
            return "the column is generated";
        }

        if (cast == CastNeed.PlannedUsing || isEnum(PostgresTypeNames.WithoutModifier(toBase)) || toBase.EndsWith("[]", StringComparison.Ordinal))
        {
            return "enum and array targets are converted in place";
        }

        if (NoEquality.Contains(PostgresTypeNames.WithoutModifier(toBase)))
        {
            return $"{toBase} has no equality operator, which the sync trigger needs";
        }

        if (PostgresDialect.FindBackfillKey(actual) is null)
        {
            return $"{table} has no primary key or NOT NULL unique key to backfill by";
        }

        var unmodelled = actual.Dependents.Where(d => !d.Automatic && d.Column == name && !d.Modelled).Select(d => d.Describe()).ToList();
        if (unmodelled.Count > 0)
        {
            return $"{string.Join(", ", unmodelled)} {(unmodelled.Count == 1 ? "depends" : "depend")} on the column (pg_depend), and a shadow column would leave {(unmodelled.Count == 1 ? "it" : "them")} on the old one";
        }

        // Also one the plan adds or changes: its expression would point at the old column (by attribute number)
        // after the swap, and the old column could then never be dropped.
        if (actual.Generated().Concat(desired.Generated()).Any(g => Uses(g.Generated!, name)))
        {
            return "a generated column uses the column";
        }

        if (actual.Exclusions.Any(x => x.Elements.Any(e => e.Key.Column == name || (e.Key.Expression is { } ex && Uses(ex, name)))
            || (x.Where is not null && Uses(x.Where, name))))
        {
            return "an exclusion constraint uses the column";
        }

        foreach (var index in actual.Indexes.Concat(desired.Indexes))
        {
            if (index.Keys.Any(k => k.Expression is { } ex && Uses(ex, name)) || (index.Where is not null && Uses(index.Where, name)))
            {
                return $"index {index.Name} uses the column in an expression or predicate";
            }
        }

        foreach (var index in actual.Indexes.Where(i => Involves(i, name)))
        {
            var wanted = desired.Indexes.FirstOrDefault(i => i.Name == index.Name);
            if (wanted is null || PostgresSql.CreateIndex(table, wanted, false) != PostgresSql.CreateIndex(table, index, false))
            {
                return $"index {index.Name} on the column also changes or goes in this plan";
            }
        }

        if (desired.Indexes.Any(i => Involves(i, name) && actual.Indexes.All(a => a.Name != i.Name)))
        {
            return "a new index on the column is added in the same plan";
        }

        if (KeyChanges(actual.PrimaryKey?.Columns, desired.PrimaryKey?.Columns, actual.PrimaryKey?.Name, desired.PrimaryKey?.Name, name)
            || (actual.PrimaryKey is { } apk && desired.PrimaryKey is { } dpk && (apk.Deferrable != dpk.Deferrable || apk.InitiallyDeferred != dpk.InitiallyDeferred)))
        {
            return "the primary key on the column also changes in this plan";
        }

        foreach (var unique in actual.Uniques.Where(u => u.Columns.Contains(name)))
        {
            var wanted = desired.Uniques.FirstOrDefault(u => u.Name == unique.Name);
            if (wanted is null || PostgresSql.UniqueClause(wanted) != PostgresSql.UniqueClause(unique))
            {
                return $"unique constraint {unique.Name} on the column also changes or goes in this plan";
            }
        }

        if (desired.Uniques.Any(u => u.Columns.Contains(name) && actual.Uniques.All(a => a.Name != u.Name)))
        {
            return "a new unique constraint on the column is added in the same plan";
        }

        if (desired.ForeignKeys.Any(f => f.Columns.Contains(name) && actual.ForeignKeys.All(a => a.Name != f.Name)))
        {
            return "a new foreign key on the column is added in the same plan";
        }

        if (AllForeignKeys(context.Desired).Any(x => x.Table.Schema == table.Schema && x.ForeignKey.ReferencedSchema == table.Schema
            && x.ForeignKey.ReferencedTable == table.Name && x.ForeignKey.ReferencedColumns.Contains(name)
            && context.Actual.FindTable(x.Table.Schema, x.Table.Name)?.ForeignKeys.All(a => a.Name != x.ForeignKey.Name) != false))
        {
            return "a new foreign key referencing the column is added in the same plan";
        }

        return null;
    }

    private static bool KeyChanges(IReadOnlyList<string>? actual, IReadOnlyList<string>? desired, string? actualName, string? desiredName, string column)
    {
        var inActual = actual?.Contains(column) == true;
        var inDesired = desired?.Contains(column) == true;
        if (!inActual && !inDesired)
        {
            return false;
        }

        return inActual != inDesired || actualName != desiredName || !actual!.SequenceEqual(desired!);
    }

    /// <summary>Whether an index has the column as a plain key or INCLUDE column.</summary>
    internal static bool Involves(IndexModel index, string column) =>
        index.Keys.Any(k => k.Column == column) || index.Include.Contains(column);

    private static IEnumerable<(QualifiedName Table, ForeignKeyModel ForeignKey)> AllForeignKeys(DatabaseModel model) =>
        from schema in model.Schemas
        from table in schema.Tables
        from fk in table.ForeignKeys
        select (new QualifiedName(schema.Name, table.Name), fk);

    private static IEnumerable<ColumnModel> Generated(this TableModel table) => table.Columns.Where(c => c.Generated is not null);

    private static string? SerialBase(string type) => type switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        _ => null,
    };

    private static Func<string, bool> EnumLookup(PlanContext context) => type =>
    {
        var dot = type.LastIndexOf('.');
        var (schema, name) = dot < 0 ? ("public", type) : (type[..dot].Trim('"'), type[(dot + 1)..].Trim('"'));
        return context.Desired.FindSchema(schema)?.FindEnum(name) is not null
            || context.Actual.FindSchema(schema)?.FindEnum(name) is not null;
    };

    /// <summary>Whether <paramref name="expression"/> mentions <paramref name="column"/> as an identifier (quoted, or
    /// bare as a whole word outside string literals); errs on the side of yes.</summary>
    internal static bool Uses(string expression, string column)
    {
        if (expression.Contains("\"" + column.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", StringComparison.Ordinal))
        {
            return true;
        }

        var outsideLiterals = StringLiteral().Replace(expression, "''");
        return Regex.IsMatch(outsideLiterals, @"(?<![\w$""])" + Regex.Escape(column) + @"(?![\w$""])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    [GeneratedRegex(@"'(?:[^']|'')*'")]
    private static partial Regex StringLiteral();
}
