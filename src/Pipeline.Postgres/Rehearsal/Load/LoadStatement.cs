using System.Text.RegularExpressions;
using Pipeline.Core.Model;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>One statement template of a rehearsal load.</summary>
/// <param name="Name">Short name for reports, e.g. <c>update public.orders</c>.</param>
/// <param name="Sql">SQL with positional parameters <c>$1</c>, <c>$2</c>, … (no other placeholders).</param>
/// <param name="Weight">Relative weight (&gt; 0).</param>
/// <param name="Parameters">Sources filling the parameters in order; their counts add up to the statement's
/// parameter count.</param>
/// <param name="ChangesRowsOf">The table an <c>INSERT</c> or <c>DELETE</c> adds rows to or removes rows from, so the
/// rehearsal's row-count check can allow for the load's own writes; <c>null</c> for other statements.</param>
/// <param name="RowSign">+1 for an INSERT, -1 for a DELETE, 0 otherwise.</param>
/// <param name="Window">When in the release the statement runs: throughout, until contract starts (an old
/// application version's statement that contract breaks: an insert omitting a column the plan makes NOT NULL without
/// a default, a statement naming a table's old name), or from the end of expand (the new application version, which
/// writes the shape expand creates).</param>
/// <param name="SearchPath">The search_path of the connection the statement runs on (the new application version of a
/// column rename: <c>{version schema}, {schema}</c>), or <c>null</c> for the server's default.</param>
internal sealed partial record LoadStatement(
    string Name,
    string Sql,
    double Weight,
    IReadOnlyList<IParameterSource> Parameters,
    QualifiedName? ChangesRowsOf = null,
    int RowSign = 0,
    LoadWindow Window = LoadWindow.Throughout,
    string? SearchPath = null)
{
    /// <summary>Whether the statement stops when contract starts.</summary>
    public bool UntilContract => Window == LoadWindow.UntilContract;

    /// <summary>How many parameters the statement takes.</summary>
    public int ParameterCount => Parameters.Sum(p => p.Count);

    /// <summary>The record for <c>rehearsal.json</c>.</summary>
    public LoadStatementInfo Info() => new(Name, Sql, Weight, Window switch
    {
        LoadWindow.UntilContract => LoadStatementInfo.UntilContract,
        LoadWindow.AfterExpand => LoadStatementInfo.AfterExpand,
        _ => LoadStatementInfo.Throughout,
    }, SearchPath);

    /// <summary>The highest <c>$n</c> in <paramref name="sql"/> (0 when none), outside quoted strings.</summary>
    public static int HighestParameter(string sql) =>
        Placeholders().Matches(StripQuoted(sql)).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    /// <summary><paramref name="sql"/> with string literals and quoted identifiers blanked out (same length).</summary>
    public static string StripQuoted(string sql) =>
        Quoted().Replace(sql, m => new string(' ', m.Length));

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholders();

    [GeneratedRegex(@"'(?:[^']|'')*'|""(?:[^""]|"""")*""")]
    private static partial Regex Quoted();
}

/// <summary>When in the release a load statement runs.</summary>
internal enum LoadWindow
{
    /// <summary>From before the first step to after the last.</summary>
    Throughout,

    /// <summary>Until the contract phase starts (the old application version is gone by then).</summary>
    UntilContract,

    /// <summary>From the end of the expand phase (the new application version, deployed once expand is done).</summary>
    AfterExpand,
}
