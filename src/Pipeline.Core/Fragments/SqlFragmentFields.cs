namespace Pipeline.Core.Fragments;

/// <summary>
/// One YAML field that holds SQL: a path in the document and the grammar its value must match.
/// </summary>
/// <param name="Path">Dot-separated path from the document root: a name matches that mapping key, <c>*</c> every key
/// of a mapping, a trailing <c>[]</c> every item of a list (e.g. <c>schemas.*.tables.*.columns[].default</c>; a last
/// segment ending in <c>[]</c> makes every item of that list a fragment).</param>
/// <param name="Kind">The grammar of the value.</param>
public sealed record SqlFragmentField(string Path, SqlFragmentKind Kind);

/// <summary>
/// The registry of YAML fields that hold SQL. Every value found at one of these paths is handed to the dialect's
/// <see cref="ISqlFragmentValidator"/> before planning; a new YAML field that holds SQL is one line here.
/// </summary>
public static class SqlFragmentFields
{
    private const string Table = "schemas.*.tables.*.";

    /// <summary>Every SQL-holding field of the format (<c>schema/FORMAT.md</c>, section "SQL fragments").</summary>
    public static IReadOnlyList<SqlFragmentField> All { get; } =
    [
        new(Table + "columns[].type", SqlFragmentKind.Type),
        new(Table + "columns[].default", SqlFragmentKind.Expression),
        new(Table + "columns[].backfill", SqlFragmentKind.Expression),
        new(Table + "columns[].using", SqlFragmentKind.Expression),
        new(Table + "checks[].expression", SqlFragmentKind.Expression),
        new(Table + "indexes[].columns[]", SqlFragmentKind.IndexKey),
        new(Table + "indexes[].where", SqlFragmentKind.Expression),
        new(Table + "indexes[].method", SqlFragmentKind.Identifier),
        new(Table + "columns[].generated", SqlFragmentKind.Expression),
        new(Table + "indexes[].columns[].expression", SqlFragmentKind.Expression),
        new(Table + "indexes[].columns[].collation", SqlFragmentKind.QualifiedName),
        new(Table + "indexes[].columns[].opclass", SqlFragmentKind.QualifiedName),
        new(Table + "indexes[].with.*", SqlFragmentKind.OptionValue),
        new(Table + "exclusions[].where", SqlFragmentKind.Expression),
        new(Table + "exclusions[].method", SqlFragmentKind.Identifier),
        new(Table + "exclusions[].with.*", SqlFragmentKind.OptionValue),
        new(Table + "exclusions[].elements[].expression", SqlFragmentKind.Expression),
        new(Table + "exclusions[].elements[].collation", SqlFragmentKind.QualifiedName),
        new(Table + "exclusions[].elements[].opclass", SqlFragmentKind.QualifiedName),
        new(Table + "exclusions[].elements[].operator", SqlFragmentKind.Operator),
    ];
}
