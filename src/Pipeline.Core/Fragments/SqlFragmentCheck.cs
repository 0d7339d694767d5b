using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;

namespace Pipeline.Core.Fragments;

/// <summary>
/// Runs the dialect's fragment validator over every SQL fragment of a loaded schema file. Called by the CLI (and so
/// by the MSBuild task) after loading the YAML and before planning: any error means no plan is written.
/// </summary>
public static class SqlFragmentCheck
{
    /// <summary>Most problems reported per fragment; the first is usually the cause.</summary>
    public const int MaxProblemsPerFragment = 3;

    /// <summary>The errors, one per problem, located at the fragment's YAML node (or the offending character of a
    /// plain one-line scalar) and naming the field, in document order; empty when every fragment is well-formed.</summary>
    public static IReadOnlyList<PlanDiagnostic> Check(SchemaDocument document, IMigrationDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(dialect);
        var diagnostics = new List<PlanDiagnostic>();
        foreach (var fragment in document.Fragments)
        {
            foreach (var problem in dialect.FragmentValidator.Validate(fragment).OrderBy(p => p.Offset).Take(MaxProblemsPerFragment))
            {
                var where = fragment.OffsetsAreColumns ? "" : $" (character {problem.Offset + 1} of the value)";
                diagnostics.Add(new PlanDiagnostic(
                    DiagnosticSeverity.Error,
                    problem.Code,
                    $"{fragment.Field}: {problem.Message}{where}",
                    fragment.LocationAt(problem.Offset)));
            }
        }

        return diagnostics
            .OrderBy(d => d.Location!.Line)
            .ThenBy(d => d.Location!.Column)
            .ToList();
    }
}
