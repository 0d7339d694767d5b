namespace Pipeline.Postgres.Dialect;

/// <summary>How <c>ALTER COLUMN … TYPE</c> can convert the existing values of a column.</summary>
internal enum CastNeed
{
    /// <summary>An implicit or assignment cast exists (or only the typmod changes): no <c>USING</c> needed, and the
    /// column default is converted too.</summary>
    Automatic,

    /// <summary>No automatic cast, but the conversion is clear and planned by the dialect (e.g. text → enum via
    /// <c>USING col::text::new_enum</c>); the default of the old type cannot be converted and is dropped and set
    /// again around the change.</summary>
    PlannedUsing,

    /// <summary>Only an explicit cast exists (e.g. text → integer, whose values may not parse): planned as
    /// <c>USING col::new_type</c> with a warning (PIPE1030).</summary>
    ExplicitCastUsing,

    /// <summary>No cast exists (e.g. uuid → integer, an enum → boolean): the YAML must give <c>using:</c> (PIPE2030).</summary>
    RequiresUsing,
}

/// <summary>
/// Which casts <c>ALTER TABLE … ALTER COLUMN … TYPE</c> applies by itself: without a <c>USING</c> clause PostgreSQL
/// converts the values (and the column default) with an assignment cast, and fails with "column … cannot be cast
/// automatically" (or "default for column … cannot be cast automatically") when there is none
/// (https://www.postgresql.org/docs/current/sql-altertable.html, "SET DATA TYPE";
/// https://www.postgresql.org/docs/current/sql-createcast.html: automatic I/O conversion casts to string types are
/// assignment casts, from string types explicit only). The built-in implicit/assignment pairs below are
/// <c>pg_cast</c> rows with <c>castcontext IN ('i','a')</c> on PostgreSQL 15.18; an enum has no cast from text at all
/// (observed: <c>ALTER COLUMN s TYPE e</c> on a text column fails, <c>USING s::text::e</c> works, and the text
/// default must be dropped first). Types the rules do not know (domains, extension types) are left to the server, as
/// before.
/// </summary>
internal static class TypeCastRules
{
    /// <summary>String types: every type has an automatic (assignment) I/O cast to them.</summary>
    private static readonly HashSet<string> StringTypes = new(StringComparer.Ordinal)
    {
        "text", "character varying", "character", "bpchar", "\"char\"", "name",
    };

    /// <summary>Built-in types whose casts are known here.</summary>
    private static readonly HashSet<string> KnownBuiltins = new(StringComparer.Ordinal)
    {
        "text", "character varying", "character", "bpchar", "\"char\"", "name", "smallint", "integer", "bigint",
        "numeric", "real", "double precision", "money", "boolean", "date", "time without time zone",
        "time with time zone", "timestamp without time zone", "timestamp with time zone", "interval", "uuid", "json",
        "jsonb", "xml", "bytea", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying", "oid", "point", "box",
        "polygon", "path", "circle", "lseg", "line", "tsvector", "tsquery", "int4range", "int8range", "numrange",
        "daterange", "tsrange", "tstzrange",
    };

    /// <summary><c>pg_cast</c> implicit and assignment casts between built-in types (source → targets), PostgreSQL 15.</summary>
    private static readonly Dictionary<string, string[]> AutomaticCasts = new(StringComparer.Ordinal)
    {
        ["\"char\""] = ["character", "character varying", "text"],
        ["bigint"] = ["double precision", "integer", "money", "numeric", "oid", "real", "smallint"],
        ["bit"] = ["bit varying"],
        ["bit varying"] = ["bit"],
        ["boolean"] = ["character", "character varying", "text"],
        ["box"] = ["polygon"],
        ["character"] = ["\"char\"", "character varying", "name", "text"],
        ["character varying"] = ["\"char\"", "character", "name", "text"],
        ["cidr"] = ["inet"],
        ["date"] = ["timestamp with time zone", "timestamp without time zone"],
        ["double precision"] = ["bigint", "integer", "numeric", "real", "smallint"],
        ["inet"] = ["cidr"],
        ["integer"] = ["bigint", "double precision", "money", "numeric", "oid", "real", "smallint"],
        ["interval"] = ["time without time zone"],
        ["json"] = ["jsonb"],
        ["jsonb"] = ["json"],
        ["macaddr"] = ["macaddr8"],
        ["macaddr8"] = ["macaddr"],
        ["money"] = ["numeric"],
        ["numeric"] = ["bigint", "double precision", "integer", "money", "real", "smallint"],
        ["oid"] = ["bigint", "integer"],
        ["path"] = ["polygon"],
        ["point"] = ["box"],
        ["polygon"] = ["path"],
        ["real"] = ["bigint", "double precision", "integer", "numeric", "smallint"],
        ["smallint"] = ["bigint", "double precision", "integer", "numeric", "oid", "real"],
        ["text"] = ["\"char\"", "character", "character varying", "name"],
        ["time with time zone"] = ["time without time zone"],
        ["time without time zone"] = ["interval", "time with time zone"],
        ["timestamp with time zone"] = ["date", "time with time zone", "time without time zone", "timestamp without time zone"],
        ["timestamp without time zone"] = ["date", "time without time zone", "timestamp with time zone"],
    };

    /// <summary><c>pg_cast</c> explicit-only casts between built-in types, PostgreSQL 15 (string types convert
    /// explicitly to every type through I/O, so they are not listed).</summary>
    private static readonly Dictionary<string, string[]> ExplicitCasts = new(StringComparer.Ordinal)
    {
        ["\"char\""] = ["integer"],
        ["bigint"] = ["bit"],
        ["bit"] = ["bigint", "integer"],
        ["boolean"] = ["integer"],
        ["box"] = ["circle", "lseg", "point"],
        ["circle"] = ["box", "point", "polygon"],
        ["integer"] = ["\"char\"", "bit", "boolean"],
        ["jsonb"] = ["bigint", "boolean", "double precision", "integer", "numeric", "real", "smallint"],
        ["lseg"] = ["point"],
        ["polygon"] = ["box", "circle", "point"],
    };

    /// <summary>
    /// How a column of type <paramref name="from"/> converts to <paramref name="to"/> (both normalised by
    /// <see cref="PostgresTypeNames.Normalize"/>, serial pseudo-types already replaced by their integer types).
    /// <paramref name="isEnum"/> says whether a (non built-in) type name is an enum type of the models.
    /// </summary>
    public static CastNeed Classify(string from, string to, Func<string, bool> isEnum)
    {
        if (from == to)
        {
            return CastNeed.Automatic;
        }

        var fromArray = from.EndsWith("[]", StringComparison.Ordinal);
        var toArray = to.EndsWith("[]", StringComparison.Ordinal);
        if (fromArray && toArray)
        {
            return Classify(from[..^2], to[..^2], isEnum);
        }

        var fromName = PostgresTypeNames.WithoutModifier(from);
        var toName = PostgresTypeNames.WithoutModifier(to);
        if (StringTypes.Contains(toName) && !toArray)
        {
            return CastNeed.Automatic; // I/O conversion to a string type is an assignment cast
        }

        if (fromArray || toArray)
        {
            // An array and a scalar: no cast but I/O to a string type (handled above).
            var fromElement = fromArray ? PostgresTypeNames.WithoutModifier(from[..^2]) : fromName;
            var toElement = toArray ? PostgresTypeNames.WithoutModifier(to[..^2]) : toName;
            return Known(fromElement, isEnum) && Known(toElement, isEnum) ? CastNeed.RequiresUsing : CastNeed.Automatic;
        }

        if (fromName == toName)
        {
            return CastNeed.Automatic; // only the typmod changes: a length coercion is applied
        }

        if (isEnum(toName))
        {
            return StringTypes.Contains(fromName) || isEnum(fromName) ? CastNeed.PlannedUsing : CastNeed.RequiresUsing;
        }

        if (isEnum(fromName))
        {
            return CastNeed.RequiresUsing; // an enum converts automatically to string types only
        }

        if (!KnownBuiltins.Contains(fromName) || !KnownBuiltins.Contains(toName))
        {
            return CastNeed.Automatic; // a domain or extension type: the server decides, as before
        }

        if (AutomaticCasts.TryGetValue(fromName, out var automatic) && automatic.Contains(toName))
        {
            return CastNeed.Automatic;
        }

        if (StringTypes.Contains(fromName) || (ExplicitCasts.TryGetValue(fromName, out var explicitTargets) && explicitTargets.Contains(toName)))
        {
            return CastNeed.ExplicitCastUsing;
        }

        return CastNeed.RequiresUsing;
    }

    /// <summary>The <c>USING</c> expression the dialect plans for <see cref="CastNeed.PlannedUsing"/> and
    /// <see cref="CastNeed.ExplicitCastUsing"/>: <c>"col"::text::new_type</c> for an enum target (an enum has an I/O
    /// cast from text only), <c>"col"::new_type</c> otherwise.</summary>
    public static string UsingExpression(string quotedColumn, string to, Func<string, bool> isEnum)
    {
        var element = PostgresTypeNames.WithoutModifier(to.EndsWith("[]", StringComparison.Ordinal) ? to[..^2] : to);
        return isEnum(element) && !to.EndsWith("[]", StringComparison.Ordinal)
            ? $"{quotedColumn}::text::{to}"
            : isEnum(element) ? $"{quotedColumn}::text[]::{to}" : $"{quotedColumn}::{to}";
    }

    private static bool Known(string name, Func<string, bool> isEnum) => KnownBuiltins.Contains(name) || isEnum(name);
}
