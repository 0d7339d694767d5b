namespace Pipeline.Core.Model;

/// <summary>
/// Where a model element was declared: the YAML file path (as given to the loader), 1-based line and 1-based column.
/// Used to point MSBuild diagnostics (<c>file(line,col): warning PIPE1001: …</c>) at the YAML node that caused them.
/// </summary>
/// <param name="File">Path of the YAML file, as passed to the loader.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Column">1-based column number.</param>
public sealed record SourceLocation(string File, int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}({Line},{Column})";
}
