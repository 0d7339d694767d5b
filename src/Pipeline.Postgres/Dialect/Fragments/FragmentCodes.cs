namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>Diagnostic codes of SQL fragment checks (<c>docs/codes.md</c>, PIPE0020–PIPE0029).</summary>
public static class FragmentCodes
{
    /// <summary>A <c>;</c> outside a string: the fragment would end the statement and start another.</summary>
    public const string StatementSeparator = "PIPE0020";

    /// <summary>Unbalanced or mismatched parentheses or brackets.</summary>
    public const string Unbalanced = "PIPE0021";

    /// <summary>An unterminated string, quoted identifier, dollar-quoted string or block comment.</summary>
    public const string Unterminated = "PIPE0022";

    /// <summary>A <c>--</c> comment (swallows the rest of the statement line), a backslash (a psql meta-command such as
    /// <c>\!</c>) or a psql variable (<c>:name</c>) outside quotes.</summary>
    public const string ScriptEscape = "PIPE0023";

    /// <summary>A character not allowed outside quotes: Unicode look-alikes of SQL punctuation, invisible or bidi
    /// control characters, control characters, characters that are no SQL token.</summary>
    public const string Character = "PIPE0024";

    /// <summary>Not exactly one expression: empty, a top-level comma, a clause keyword (WHERE, FROM, CHECK, NOT NULL, …),
    /// or a parameter (<c>$1</c>).</summary>
    public const string NotOneExpression = "PIPE0025";

    /// <summary>Not a type name by PostgreSQL's type-name grammar.</summary>
    public const string TypeName = "PIPE0026";

    /// <summary>Not one element of its kind: index key, identifier, qualified name, operator, option value.</summary>
    public const string Element = "PIPE0027";

    /// <summary>A type the live server does not know (<c>to_regtype</c> returned NULL) and the YAML does not create.</summary>
    public const string UnknownType = "PIPE0028";

    /// <summary>The fragment splits differently when <c>standard_conforming_strings</c> is off (a backslash before a
    /// quote in a plain string).</summary>
    public const string StringMode = "PIPE0029";
}
