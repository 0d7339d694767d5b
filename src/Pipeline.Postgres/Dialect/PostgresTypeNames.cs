using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Canonical spelling of PostgreSQL type names, as <c>format_type()</c> prints them
/// (https://www.postgresql.org/docs/current/datatype.html, table "Data Types" lists the aliases).
/// </summary>
internal static partial class PostgresTypeNames
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["int"] = "integer",
        ["int4"] = "integer",
        ["integer"] = "integer",
        ["int8"] = "bigint",
        ["int2"] = "smallint",
        ["serial4"] = "serial",
        ["serial8"] = "bigserial",
        ["serial2"] = "smallserial",
        ["float8"] = "double precision",
        ["float"] = "double precision",
        ["float4"] = "real",
        ["bool"] = "boolean",
        ["varchar"] = "character varying",
        ["char varying"] = "character varying",
        ["character varying"] = "character varying",
        ["char"] = "character",
        ["character"] = "character",
        ["bpchar"] = "character",
        ["decimal"] = "numeric",
        ["dec"] = "numeric",
        ["varbit"] = "bit varying",
        ["bit varying"] = "bit varying",
        ["timestamptz"] = "timestamp with time zone",
        ["timetz"] = "time with time zone",
    };

    /// <summary>
    /// Normalises a type spelling: whitespace collapsed, keywords lower-cased (quoted parts kept), aliases resolved,
    /// typmods written without spaces, array suffixes kept (<c>int4[]</c> → <c>integer[]</c>), <c>pg_catalog.</c>
    /// dropped. Unknown names (enums, domains) are returned lower-cased unless quoted.
    /// </summary>
    public static string Normalize(string type)
    {
        var text = LowerOutsideQuotes(CollapseWhitespace(type.Trim()));
        text = text.Replace(" (", "(", StringComparison.Ordinal).Replace("( ", "(", StringComparison.Ordinal)
            .Replace(" )", ")", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(", ", ",", StringComparison.Ordinal).Replace(" [", "[", StringComparison.Ordinal);

        var arraySuffix = string.Empty;
        var arrayMatch = ArraySuffix().Match(text);
        if (arrayMatch.Success)
        {
            arraySuffix = Regex.Replace(arrayMatch.Value, @"\[\d*\]", "[]");
            text = text[..arrayMatch.Index];
        }

        if (text.StartsWith("pg_catalog.", StringComparison.Ordinal))
        {
            text = text["pg_catalog.".Length..];
        }

        return NormalizeBase(text) + arraySuffix;
    }

    /// <summary>The type without its typmod and array suffix, e.g. <c>character varying(20)</c> →
    /// <c>character varying</c>, <c>timestamp(3) with time zone</c> → <c>timestamp with time zone</c>.</summary>
    public static string WithoutModifier(string normalizedType) =>
        CollapseWhitespace(Typmod().Replace(normalizedType, string.Empty)).Trim();

    /// <summary>Splits a normalised type into its name (without typmod) and its typmod arguments (empty when none).</summary>
    public static (string Name, IReadOnlyList<int> Modifiers) Split(string normalizedType)
    {
        var m = Typmod().Match(normalizedType);
        if (!m.Success)
        {
            return (normalizedType, []);
        }

        var args = m.Value.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var mods = new List<int>();
        foreach (var a in args)
        {
            if (!int.TryParse(a, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v))
            {
                return (normalizedType, []);
            }

            mods.Add(v);
        }

        return (WithoutModifier(normalizedType), mods);
    }

    private static string NormalizeBase(string text)
    {
        // float(p): p <= 24 → real, otherwise double precision.
        var fm = FloatPrecision().Match(text);
        if (fm.Success)
        {
            var p = int.Parse(fm.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return p <= 24 ? "real" : "double precision";
        }

        // timestamp / time with optional precision and zone clause.
        var tm = TimeType().Match(text);
        if (tm.Success)
        {
            var name = tm.Groups["name"].Value;
            var precision = tm.Groups["p"].Success ? $"({tm.Groups["p"].Value})" : string.Empty;
            var zone = tm.Groups["zone"].Value.Trim();
            var withZone = name.EndsWith("tz", StringComparison.Ordinal) || zone.StartsWith("with ", StringComparison.Ordinal);
            var baseName = name.StartsWith("timestamp", StringComparison.Ordinal) ? "timestamp" : "time";
            return $"{baseName}{precision} {(withZone ? "with" : "without")} time zone";
        }

        if (text == "bpchar")
        {
            return "bpchar"; // format_type() spelling of a blank-padded char without length
        }

        var paren = text.IndexOf('(', StringComparison.Ordinal);
        var head = paren < 0 ? text : text[..paren];
        var mod = paren < 0 ? string.Empty : text[paren..];
        if (Aliases.TryGetValue(head, out var canonical))
        {
            head = canonical;
        }

        // character without length means character(1); bit without length means bit(1).
        if (mod.Length == 0 && text is "char" or "character")
        {
            mod = "(1)";
        }

        if (mod.Length == 0 && head == "bit")
        {
            mod = "(1)";
        }

        return head + mod;
    }

    private static string CollapseWhitespace(string text) => Whitespace().Replace(text, " ");

    private static string LowerOutsideQuotes(string text)
    {
        var sb = new StringBuilder(text.Length);
        var quoted = false;
        foreach (var ch in text)
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }

            sb.Append(quoted ? ch : char.ToLowerInvariant(ch));
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(\[\d*\])+$")]
    private static partial Regex ArraySuffix();

    [GeneratedRegex(@"\(\s*\d+\s*(,\s*-?\d+\s*)?\)")]
    private static partial Regex Typmod();

    [GeneratedRegex(@"^float\((\d+)\)$")]
    private static partial Regex FloatPrecision();

    [GeneratedRegex(@"^(?<name>timestamptz|timestamp|timetz|time)(\((?<p>\d+)\))?(?<zone>( with time zone| without time zone)?)$")]
    private static partial Regex TimeType();
}
