using System.Text;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Quoting of PostgreSQL identifiers and string literals, following the rules of PostgreSQL's own
/// <c>quote_ident()</c> / <c>quote_literal()</c>
/// (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS and
/// https://www.postgresql.org/docs/current/functions-string.html).
/// </summary>
public static class SqlIdentifiers
{
    /// <summary>Longest identifier PostgreSQL keeps, in bytes (<c>NAMEDATALEN - 1</c>); longer names are truncated
    /// by the server (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>
    /// Quotes <paramref name="name"/> when needed: it stays bare only if it matches <c>[a-z_][a-z0-9_$]*</c> and is
    /// not a keyword that PostgreSQL's <c>quote_ident()</c> quotes (every keyword category but "unreserved", i.e.
    /// <c>pg_get_keywords()</c> rows with <c>catcode &lt;&gt; 'U'</c>); otherwise it is wrapped in double quotes with
    /// embedded <c>"</c> doubled. Example: <c>orders</c> → <c>orders</c>, <c>Order</c> → <c>"Order"</c>,
    /// <c>user</c> → <c>"user"</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return NeedsQuotes(name) ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
    }

    /// <summary>A schema-qualified name, each part quoted as <see cref="Quote"/>: <c>public.orders</c>,
    /// <c>"Sales"."Order"</c>.</summary>
    public static string Qualified(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>A schema-qualified name, each part quoted as <see cref="Quote"/>.</summary>
    public static string Qualified(QualifiedName name) => Qualified(name.Schema, name.Name);

    /// <summary>
    /// A string literal: single-quoted with embedded <c>'</c> doubled, e.g. <c>it's</c> → <c>'it''s'</c>.
    /// Assumes <c>standard_conforming_strings = on</c> (the default since PostgreSQL 9.1), so backslashes are literal
    /// (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS).
    /// </summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Whether <paramref name="name"/> must be double-quoted to keep its spelling.</summary>
    public static bool NeedsQuotes(string name)
    {
        if (name.Length == 0)
        {
            return true;
        }

        var first = name[0];
        if (!(first is >= 'a' and <= 'z' || first == '_'))
        {
            return true;
        }

        foreach (var ch in name)
        {
            if (!(ch is >= 'a' and <= 'z' || ch is >= '0' and <= '9' || ch is '_' or '$'))
            {
                return true;
            }
        }

        return QuotedKeywords.Contains(name);
    }

    /// <summary>
    /// A name of at most <see cref="MaxIdentifierBytes"/> UTF-8 bytes, cut on a character boundary as the server
    /// would truncate it, so generated names (e.g. <c>{table}_{column}_not_null</c>) are predictable.
    /// </summary>
    public static string Truncate(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxIdentifierBytes)
        {
            return name;
        }

        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            var len = rune.Utf8SequenceLength;
            if (bytes + len > MaxIdentifierBytes)
            {
                break;
            }

            sb.Append(rune.ToString());
            bytes += len;
        }

        return sb.ToString();
    }

    /// <summary>
    /// Keywords that <c>quote_ident()</c> quotes: the reserved, "reserved (can be function or type)" and
    /// "non-reserved (cannot be function or type)" categories. Taken from <c>pg_get_keywords()</c> of PostgreSQL 15,
    /// plus the few such keywords later versions added (quoting one more name than needed is harmless).
    /// See https://www.postgresql.org/docs/current/sql-keywords-appendix.html.
    /// </summary>
    internal static readonly IReadOnlySet<string> QuotedKeywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
        "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce",
        "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog",
        "current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "dec",
        "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists", "extract",
        "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping",
        "having", "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is",
        "isnull", "join", "lateral", "leading", "least", "left", "like", "limit", "localtime", "localtimestamp",
        "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric", "offset",
        "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position", "precision",
        "primary", "real", "references", "returning", "right", "row", "select", "session_user", "setof", "similar",
        "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time", "timestamp", "to",
        "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar", "variadic",
        "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
        "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",

        // Added after PostgreSQL 15 (16: SYSTEM_USER and SQL/JSON constructors; 17: JSON_TABLE and friends,
        // MERGE_ACTION).
        "system_user", "json_array", "json_arrayagg", "json_object", "json_objectagg", "json_scalar",
        "json_serialize", "json_exists", "json_query", "json_value", "json_table", "merge_action",
    };
}
