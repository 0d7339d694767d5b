using Pipeline.Core.Model;

namespace Pipeline.Core.Fragments;

/// <summary>
/// What grammar a SQL fragment taken from YAML must match. The dialect decides what each kind means in its SQL; the
/// core only says which kind every YAML field holds (<see cref="SqlFragmentFields"/>).
/// </summary>
public enum SqlFragmentKind
{
    /// <summary>A type name, e.g. <c>bigint</c>, <c>character varying(10)</c>, <c>public.order_status[]</c>.</summary>
    Type,

    /// <summary>One scalar expression (a default, check, predicate, backfill or USING expression).</summary>
    Expression,

    /// <summary>One index key: a column name with optional key options, or a parenthesised expression.</summary>
    IndexKey,

    /// <summary>One bare identifier, e.g. an index access method (<c>btree</c>).</summary>
    Identifier,

    /// <summary>A possibly schema-qualified name, e.g. a collation (<c>"C"</c>, <c>pg_catalog."de-DE-x-icu"</c>)
    /// or an operator class (<c>text_pattern_ops</c>).</summary>
    QualifiedName,

    /// <summary>One operator, e.g. <c>&amp;&amp;</c> or <c>OPERATOR(pg_catalog.=)</c> (exclusion constraints).</summary>
    Operator,

    /// <summary>The value of a storage parameter or option: one number, word or string constant, e.g. <c>70</c>,
    /// <c>on</c>, <c>'x'</c>.</summary>
    OptionValue,
}

/// <summary>
/// One SQL fragment as written in a YAML schema file, with the location of its YAML node.
/// </summary>
/// <param name="Kind">The grammar it must match.</param>
/// <param name="Text">The scalar's text, exactly as YAML read it.</param>
/// <param name="Location">Where the YAML scalar starts (for a quoted scalar, its opening quote).</param>
/// <param name="Field">What the fragment is, for messages, e.g. <c>'default' of column 'z' of table 'public.t'</c>.</param>
/// <param name="OffsetsAreColumns">Whether character <c>i</c> of <paramref name="Text"/> sits at column
/// <c>Location.Column + i</c> of <c>Location.Line</c> (a plain scalar on one line); otherwise problems are reported
/// at the node's start.</param>
/// <param name="TableColumns">The column names of the table the fragment belongs to (as written in YAML), for kinds
/// that name a column (<see cref="SqlFragmentKind.IndexKey"/>); empty when unknown.</param>
public sealed record SqlFragment(
    SqlFragmentKind Kind,
    string Text,
    SourceLocation Location,
    string Field,
    bool OffsetsAreColumns = false,
    IReadOnlyList<string>? TableColumns = null)
{
    /// <summary>The table's column names; never <c>null</c>.</summary>
    public IReadOnlyList<string> TableColumns { get; init; } = TableColumns ?? [];

    /// <summary>The location of character <paramref name="offset"/> (0-based) of <see cref="Text"/>, or of the
    /// node when offsets do not map to columns.</summary>
    public SourceLocation LocationAt(int offset) =>
        OffsetsAreColumns && offset >= 0 && offset <= Text.Length
            ? Location with { Column = Location.Column + offset }
            : Location;
}

/// <summary>
/// A problem a dialect found in a <see cref="SqlFragment"/>.
/// </summary>
/// <param name="Code">Diagnostic code (<c>PIPE0020</c>–<c>PIPE0029</c>, see <c>docs/codes.md</c>).</param>
/// <param name="Message">One-line reason, without the location.</param>
/// <param name="Offset">0-based character offset in the fragment's text where the problem is.</param>
public sealed record SqlFragmentProblem(string Code, string Message, int Offset);

/// <summary>
/// Checks that a SQL fragment from YAML is exactly one element of its <see cref="SqlFragmentKind"/> in the dialect's
/// SQL, so that no YAML value can add a statement, a clause or a comment to a generated script. Implemented by each
/// dialect (PostgreSQL: <c>Pipeline.Postgres.Dialect.Fragments.PostgresFragmentValidator</c>).
/// </summary>
public interface ISqlFragmentValidator
{
    /// <summary>The problems of <paramref name="fragment"/>; empty when it is well-formed. Never throws for any
    /// text.</summary>
    IReadOnlyList<SqlFragmentProblem> Validate(SqlFragment fragment);
}
