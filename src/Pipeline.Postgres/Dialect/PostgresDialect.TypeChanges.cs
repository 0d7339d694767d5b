using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Dialect;

/// <summary>Column type changes: casts (USING), defaults that travel with the type, serial pseudo-types.</summary>
public sealed partial class PostgresDialect
{
    /// <summary>A type change converts values with an explicit cast that may fail on some values.</summary>
    public const string ExplicitCastCode = "PIPE1030";

    /// <summary>A serial column stops being serial: its default and owned sequence are dropped.</summary>
    public const string SerialDroppedCode = "PIPE1031";

    /// <summary>A type change has no cast PostgreSQL can apply and no <c>using:</c>.</summary>
    public const string UsingRequiredCode = "PIPE2030";

    /// <summary>
    /// Column type change. The column's integer type is changed (serial pseudo-types stand for integer types with an
    /// owned sequence, https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL): catalog-only
    /// when binary-coercible (<see cref="TypeChangeRules"/>), otherwise a rewrite under ACCESS EXCLUSIVE (High risk).
    /// Values are converted as <see cref="TypeCastRules"/> says: automatically, with a planned <c>USING</c>
    /// (text/enum → enum: <c>col::text::new_enum</c>; only an explicit cast: <c>col::new_type</c>, warned PIPE1030),
    /// or blocked (PIPE2030) when no cast exists and the YAML has no <c>using:</c>. A default of the old type that
    /// cannot be converted is dropped and the desired default set again in the same <c>ALTER TABLE</c>. Serial
    /// changes also retype the owned sequence (<c>ALTER SEQUENCE … AS</c>), create it (integer → serial) or drop it
    /// with the default (serial → integer, e.g. before the column becomes an identity).
    /// </summary>
    private static List<PlanStep> PlanAlterColumnType(AlterColumnType c, StepFactory f)
    {
        if (PlanShadowTypeChange(c, f, out var noShadow) is { } online)
        {
            return online;
        }

        var planned = PlanAlterColumnTypeInPlace(c, f);
        if (noShadow is not null && planned.Any(s => s.Impact.Rewrites))
        {
            f.Report(DiagnosticSeverity.Warning, ShadowNotPossibleCode,
                $"{c.Table}.{c.To.Name}: the type change cannot be planned online with a shadow column because {noShadow}; it rewrites the table under ACCESS EXCLUSIVE instead (PIPE1001)");
        }

        return planned;
    }

    /// <summary>The type change as one <c>ALTER COLUMN … TYPE</c> (catalog-only or a rewrite) with its serial
    /// sequence steps.</summary>
    private static List<PlanStep> PlanAlterColumnTypeInPlace(AlterColumnType c, StepFactory f)
    {
        var from = PostgresTypeNames.Normalize(c.From.Type);
        var to = PostgresTypeNames.Normalize(c.To.Type);
        var fromSerial = SerialBase(from);
        var toSerial = SerialBase(to);
        var fromBase = fromSerial ?? from;
        var toBase = toSerial ?? to;
        var stats = c.ActualTable.Stats;
        var label = $"{c.Table}.{c.To.Name}";
        var col = SqlIdentifiers.Quote(c.To.Name);
        var alterColumn = $"ALTER COLUMN {col} ";
        var steps = new List<PlanStep>();
        var actualDefault = fromSerial is null ? c.From.Default : null;
        var desiredDefault = toSerial is null ? c.To.Default : null;

        if (fromSerial is not null && toSerial is null)
        {
            f.Report(DiagnosticSeverity.Warning, SerialDroppedCode,
                $"{label} stops being {from}: its nextval() default and owned sequence are dropped; inserts that omit the column (old application versions) fail unless it gets a default or an identity");
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, $"drop serial default of {label}",
                $"{PostgresSql.AlterTable(c.Table)}{alterColumn}DROP DEFAULT;",
                $"{label} is declared {to}, no longer {from}: the nextval() default goes first, so its sequence can be dropped.",
                c.Table, stats));
            steps.Add(f.Step(Phase.Expand, PgStatementKind.DropOwnedSequence, $"drop owned sequence of {label}",
                OwnedSequenceStatement(c.Table, c.To.Name, "DROP SEQUENCE IF EXISTS %s"),
                "The sequence was owned by the column (serial); nothing else uses it. A DO block finds it with pg_get_serial_sequence(), as its name may differ from the default.",
                null, null));
        }

        // integer → serial: the sequence's nextval() default replaces whatever default the column had.
        var defaultReplaced = toSerial is not null && fromSerial is null;
        if (fromBase != toBase || (c.DefaultChanged && !defaultReplaced))
        {
            var alterType = PlanTypeStatement(c, f, fromBase, toBase, actualDefault, desiredDefault, defaultReplaced, label);
            if (alterType is null)
            {
                return steps;
            }

            steps.Add(alterType);
        }

        if (fromSerial is not null && toSerial is not null && fromBase != toBase)
        {
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AlterSequenceType, $"change type of the sequence of {label} to {toBase}",
                OwnedSequenceStatement(c.Table, c.To.Name, $"ALTER SEQUENCE %s AS {toBase}"),
                $"{from} → {to}: the owned sequence keeps its own type ({fromBase}) unless changed; ALTER SEQUENCE … AS {toBase} moves its maximum to the new type's (PostgreSQL 10+). Catalog-only: the sequence is locked, not the table.",
                null, null));
        }

        if (toSerial is not null && fromSerial is null)
        {
            steps.AddRange(CreateOwnedSequence(c, f, toBase, label, stats));
        }

        return steps;
    }

    /// <summary>The <c>ALTER TABLE … ALTER COLUMN … TYPE</c> statement with its default handling, or <c>null</c>
    /// (with PIPE2030 reported) when no cast exists and the YAML gives no <c>using:</c>.</summary>
    private static PlanStep? PlanTypeStatement(AlterColumnType c, StepFactory f, string fromBase, string toBase,
        string? actualDefault, string? desiredDefault, bool defaultReplaced, string label)
    {
        var col = SqlIdentifiers.Quote(c.To.Name);
        var stats = c.ActualTable.Stats;
        var isEnum = EnumLookup(f.Context);
        var need = TypeCastRules.Classify(fromBase, toBase, isEnum);
        var usingExpression = c.Using;
        if (usingExpression is null && need is CastNeed.PlannedUsing or CastNeed.ExplicitCastUsing)
        {
            usingExpression = TypeCastRules.UsingExpression(col, toBase, isEnum);
        }

        if (need == CastNeed.ExplicitCastUsing && c.Using is null)
        {
            f.Report(DiagnosticSeverity.Warning, ExplicitCastCode,
                $"{label}: {fromBase} → {toBase} has no automatic cast; planned as USING {usingExpression}, which fails (changing nothing) on a value that does not convert. Give `using:` on the column to control the conversion");
        }

        if (need == CastNeed.RequiresUsing && c.Using is null)
        {
            f.Report(DiagnosticSeverity.Error, UsingRequiredCode,
                $"{label}: PostgreSQL has no cast from {fromBase} to {toBase}, so ALTER COLUMN … TYPE would fail (\"cannot be cast automatically\"). Add `using:` to the column with an expression of the old value, e.g. using: \"CASE {col} WHEN … END\"");
            return null;
        }

        // A default of the old type is converted with an assignment cast; without one it must be dropped first
        // ("default for column … cannot be cast automatically") and set again after the change.
        var dropFirst = actualDefault is not null && need != CastNeed.Automatic;
        var parts = new List<string>();
        if (dropFirst)
        {
            parts.Add($"ALTER COLUMN {col} DROP DEFAULT");
        }

        if (fromBase != toBase)
        {
            parts.Add($"ALTER COLUMN {col} TYPE {toBase}" + (usingExpression is null ? string.Empty : $" USING {usingExpression}"));
        }

        // PostgreSQL refuses to change the type of a column a generated column uses ("cannot alter type of a column
        // used by a generated column"): the same statement drops those generated columns first and adds them again
        // (as desired) after the change; their values are derived, so nothing is lost, and the statement rewrites.
        var generated = fromBase == toBase ? [] : GeneratedColumnsCarried(c, f);
        foreach (var g in generated.Where(g => c.ActualTable.FindColumn(g.Name)?.Generated is not null).Reverse())
        {
            parts.Insert(0, $"DROP COLUMN {SqlIdentifiers.Quote(g.Name)}");
        }

        foreach (var g in generated)
        {
            parts.Add($"ADD COLUMN {PostgresSql.ColumnDefinition(g, includeDefault: false, includeNotNull: !g.Nullable)}");
        }

        if (desiredDefault is not null && (dropFirst || c.DefaultChanged))
        {
            parts.Add($"ALTER COLUMN {col} SET DEFAULT {desiredDefault}");
        }
        else if (desiredDefault is null && actualDefault is not null && !dropFirst && !defaultReplaced)
        {
            parts.Add($"ALTER COLUMN {col} DROP DEFAULT");
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var sql = PostgresSql.AlterTable(c.Table) + string.Join(",\n    ", parts) + ";";
        var defaultNote = dropFirst
            ? $" The old default cannot be converted, so it is dropped and {(desiredDefault is null ? "not set again" : "the desired default set again")} in the same statement."
            : string.Empty;
        var usingNote = usingExpression is null ? string.Empty : $" Values are converted with USING {usingExpression}.";
        if (fromBase == toBase)
        {
            return f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, $"{(desiredDefault is null ? "drop" : "set")} default of {label}", sql,
                "Affects rows inserted from now on; existing rows are untouched.", c.Table, stats);
        }

        if (TypeChangeRules.IsInPlace(fromBase, toBase, usingExpression) && generated.Count == 0)
        {
            return f.Step(Phase.Expand, PgStatementKind.AlterColumnTypeInPlace, $"change type of {label} to {toBase} (in place)", sql,
                $"{fromBase} → {toBase} is binary-coercible: no rewrite, no scan; PostgreSQL rebuilds indexes on the column only if their operator class changes, which it does not for this cast.{defaultNote}",
                c.Table, stats);
        }

        var rule = PostgresLockRules.For(PgStatementKind.AlterColumnTypeRewrite, f.Major);
        var impact = f.Impact(rule, c.Table, stats, null);
        var estimate = $"rewrites {c.Table} ({StepFactory.Size(stats)}) under ACCESS EXCLUSIVE for ~{DurationText.Format(impact.EstimatedMs)}";
        var names = string.Join(", ", generated.Select(g => g.Name));
        var generatedNote = generated.Count == 0
            ? string.Empty
            : $" The generated column{(generated.Count == 1 ? "" : "s")} {names} {(generated.Count == 1 ? "uses" : "use")} {c.To.Name}, which PostgreSQL does not allow to change type: the same statement drops and adds {(generated.Count == 1 ? "it" : "them")} again after the change (derived values, nothing lost; the column{(generated.Count == 1 ? " moves" : "s move")} to the end of the table).";
        var blocked = generated.Count == 0 ? null : GeneratedDependentsBlock(c, generated);
        if (blocked is not null)
        {
            f.Report(DiagnosticSeverity.Error, ModelledFeatureCodes.GeneratedColumnHasDependents, blocked);
        }

        var step = f.Step(Phase.Expand, PgStatementKind.AlterColumnTypeRewrite, $"change type of {label} from {fromBase} to {toBase} (rewrite{(generated.Count == 0 ? "" : $", generated {names} added again")})", sql,
            $"{fromBase} → {toBase} is {(TypeChangeRules.IsInPlace(fromBase, toBase, usingExpression) ? "binary-coercible, but" : "not binary-coercible" + (usingExpression is null ? string.Empty : " (or has a USING expression)"))}: {estimate}; reads and writes wait. For a large table prefer a new column, a backfill and a switch-over.{usingNote}{defaultNote}{generatedNote}",
            c.Table, stats, blockedReason: blocked);
        return generated.Count == 0
            ? step
            : step.WithRollback(StepRollback.Irreversible($"the type change of {label} also drops and re-adds the generated column{(generated.Count == 1 ? "" : "s")} {names}; changing it back is not planned automatically."));
    }

    /// <summary>The desired stored generated columns of the table that use <paramref name="c"/>'s column (and none
    /// other whose type changes with a statement of its own): the type change drops (when they exist) and adds them
    /// in its own statement, and their own change plans nothing (<see cref="GeneratedColumnCarriedBy"/>).</summary>
    private static List<ColumnModel> GeneratedColumnsCarried(AlterColumnType c, StepFactory f) =>
        f.Context.Desired.FindTable(c.Table.Schema, c.Table.Name)?.Columns
            .Where(g => g.Generated is not null && g.Name != c.To.Name && GeneratedColumnCarriedBy(c.Table, g, f) == c.To.Name)
            .ToList() ?? [];

    /// <summary>The column whose type change carries the generated column <paramref name="g"/> of
    /// <paramref name="table"/> (drops and re-adds it in its statement; the first by name when several change), or
    /// <c>null</c>.</summary>
    private static string? GeneratedColumnCarriedBy(QualifiedName table, ColumnModel g, StepFactory f)
    {
        if (g.Generated is null || f.Context.Actual.FindTable(table.Schema, table.Name) is not { } actual)
        {
            return null;
        }

        var existing = actual.FindColumn(g.Name);
        if (existing is not null && existing.Generated is null)
        {
            return null; // an ordinary column becoming generated: its own (blocked) change
        }

        return AllChanges(f).OfType<AlterColumnType>()
            .Where(t => t.Table == table && t.To.Name != g.Name
                && (SerialBase(PostgresTypeNames.Normalize(t.From.Type)) ?? PostgresTypeNames.Normalize(t.From.Type)) != (SerialBase(PostgresTypeNames.Normalize(t.To.Type)) ?? PostgresTypeNames.Normalize(t.To.Type))
                && (ShadowGroups.Uses(g.Generated, t.To.Name) || (existing?.Generated is { } old && ShadowGroups.Uses(old, t.To.Name))))
            .Select(t => t.To.Name)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>Why dropping and re-adding <paramref name="generated"/> cannot be planned (indexes or constraints on
    /// them would go with them), or <c>null</c>.</summary>
    private static string? GeneratedDependentsBlock(AlterColumnType c, List<ColumnModel> generated)
    {
        var t = c.ActualTable;
        var users = generated.Where(g => t.FindColumn(g.Name)?.Generated is not null).SelectMany(g =>
            t.Indexes.Where(i => ShadowGroups.Involves(i, g.Name) || i.Keys.Any(k => k.Expression is { } e && ShadowGroups.Uses(e, g.Name)) || (i.Where is { } w && ShadowGroups.Uses(w, g.Name))).Select(i => $"index {i.Name}")
                .Concat(t.Uniques.Where(u => u.Columns.Contains(g.Name)).Select(u => $"unique constraint {u.Name}"))
                .Concat(t.Checks.Where(k => ShadowGroups.Uses(k.Expression, g.Name)).Select(k => $"check {k.Name}"))
                .Concat(t.ForeignKeys.Where(k => k.Columns.Contains(g.Name)).Select(k => $"foreign key {k.Name}"))
                .Concat(t.PrimaryKey is { } pk && pk.Columns.Contains(g.Name) ? [$"primary key {pk.Name}"] : Array.Empty<string>()))
            .Distinct().ToList();
        return users.Count == 0
            ? null
            : $"the type change of {c.Table}.{c.To.Name} must drop and re-add the generated column{(generated.Count == 1 ? "" : "s")} {string.Join(", ", generated.Select(g => g.Name))} (PostgreSQL cannot change the type of a column a generated column uses), which would also drop {string.Join(", ", users)}; drop them in one release, change the column in the next, then re-create them (PIPE2010).";
    }

    /// <summary>integer → serial: <c>CREATE SEQUENCE … AS type OWNED BY</c> the column, its <c>nextval()</c>
    /// default, and the sequence moved past the existing values.</summary>
    private static List<PlanStep> CreateOwnedSequence(AlterColumnType c, StepFactory f, string type, string label, TableStats? stats)
    {
        var sequence = SqlIdentifiers.Qualified(c.Table.Schema, SqlIdentifiers.Truncate($"{c.Table.Name}_{c.To.Name}_seq"));
        var col = SqlIdentifiers.Quote(c.To.Name);
        var table = SqlIdentifiers.Qualified(c.Table);
        return
        [
            f.Step(Phase.Expand, PgStatementKind.CreateOwnedSequence, $"create the sequence of {label}",
                $"CREATE SEQUENCE {sequence} AS {type} OWNED BY {table}.{col};",
                $"{label} becomes a serial column: a new sequence owned by it (dropped with the column), as CREATE TABLE … serial makes. No table lock.",
                null, null),
            f.Step(Phase.Expand, PgStatementKind.AlterColumnDefault, $"set default of {label} to the sequence",
                $"{PostgresSql.AlterTable(c.Table)}ALTER COLUMN {col} SET DEFAULT nextval({SqlIdentifiers.Literal(sequence)}::regclass);",
                "Affects rows inserted from now on; existing rows keep their values.", c.Table, stats),
            f.Step(Phase.Expand, PgStatementKind.SyncIdentitySequence, $"move the sequence of {label} past existing values",
                $"SELECT setval({SqlIdentifiers.Literal(sequence)}, coalesce(max({col}), 0) + 1, false) FROM {table};",
                "A new sequence starts at 1; moving it past the largest existing value keeps generated values from colliding.",
                c.Table, stats),
        ];
    }

    /// <summary>A DO block running <paramref name="format"/> (with <c>%s</c> for the sequence) on the sequence owned
    /// by the column, found with <c>pg_get_serial_sequence()</c>
    /// (https://www.postgresql.org/docs/current/functions-info.html); nothing happens when there is none.</summary>
    private static string OwnedSequenceStatement(QualifiedName table, string column, string format) =>
        "DO $pipeline$\nDECLARE\n    seq text := pg_get_serial_sequence("
        + SqlIdentifiers.Literal(SqlIdentifiers.Qualified(table)) + ", " + SqlIdentifiers.Literal(column) + ");\n"
        + "BEGIN\n    IF seq IS NOT NULL THEN\n        EXECUTE format(" + SqlIdentifiers.Literal(format) + ", seq);\n    END IF;\nEND\n$pipeline$;";

    /// <summary>The integer type behind a serial pseudo-type, or <c>null</c>.</summary>
    private static string? SerialBase(string type) => type switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        _ => null,
    };

    /// <summary>Whether a normalised type name (bare, <c>schema.name</c>, parts possibly double-quoted) names an enum
    /// type of the desired or the actual model; a bare name is looked up in <c>public</c>.</summary>
    private static Func<string, bool> EnumLookup(PlanContext context) => type =>
    {
        var (schema, name) = SplitTypeName(type);
        return context.Desired.FindSchema(schema)?.FindEnum(name) is not null
            || context.Actual.FindSchema(schema)?.FindEnum(name) is not null;
    };

    private static (string Schema, string Name) SplitTypeName(string type)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < type.Length; i++)
        {
            var ch = type[i];
            if (ch == '"')
            {
                if (quoted && i + 1 < type.Length && type[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                    continue;
                }

                quoted = !quoted;
                continue;
            }

            if (ch == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(ch);
        }

        parts.Add(current.ToString());
        return parts.Count >= 2 ? (parts[^2], parts[^1]) : (SchemaDiffer.DefaultSchema, parts[0]);
    }
}
