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

        if (TypeChangeRules.IsInPlace(fromBase, toBase, usingExpression))
        {
            return f.Step(Phase.Expand, PgStatementKind.AlterColumnTypeInPlace, $"change type of {label} to {toBase} (in place)", sql,
                $"{fromBase} → {toBase} is binary-coercible: no rewrite, no scan; PostgreSQL rebuilds indexes on the column only if their operator class changes, which it does not for this cast.{defaultNote}",
                c.Table, stats);
        }

        var rule = PostgresLockRules.For(PgStatementKind.AlterColumnTypeRewrite, f.Major);
        var impact = f.Impact(rule, c.Table, stats, null);
        var estimate = $"rewrites {c.Table} ({StepFactory.Size(stats)}) under ACCESS EXCLUSIVE for ~{DurationText.Format(impact.EstimatedMs)}";
        return f.Step(Phase.Expand, PgStatementKind.AlterColumnTypeRewrite, $"change type of {label} from {fromBase} to {toBase} (rewrite)", sql,
            $"{fromBase} → {toBase} is not binary-coercible{(usingExpression is null ? string.Empty : " (or has a USING expression)")}: {estimate}; reads and writes wait. For a large table prefer a new column, a backfill and a switch-over.{usingNote}{defaultNote}",
            c.Table, stats);
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
