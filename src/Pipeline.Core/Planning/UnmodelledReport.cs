using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// The PIPE1020 warnings about what a database holds that the model does not carry: one per unmodelled property of
/// every managed table, naming the table, the property and what the planner refuses because of it. <c>inspect</c>
/// and <c>plan</c> both print them (one definition).
/// </summary>
public static class UnmodelledReport
{
    /// <summary>The warnings for the tables of <paramref name="actual"/> that <paramref name="desired"/>'s exclude
    /// patterns (or, without a desired model, <paramref name="actual"/>'s own) do not exclude; located at the desired
    /// table's YAML node when there is one. Ordered by schema, table, then as the catalog listed them.</summary>
    public static IReadOnlyList<PlanDiagnostic> Warnings(DatabaseModel actual, DatabaseModel? desired = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var exclude = desired?.Exclude ?? actual.Exclude;
        var result = new List<PlanDiagnostic>();
        foreach (var schema in actual.Schemas.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            foreach (var table in schema.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                if (NamePattern.IsExcluded(exclude, schema.Name, table.Name))
                {
                    continue;
                }

                var location = desired?.FindTable(schema.Name, table.Name)?.Location;
                foreach (var property in table.Unmodelled)
                {
                    result.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.UnmodelledProperty,
                        $"{schema.Name}.{table.Name}: {property.Describe()} is not modelled; {UnmodelledGuard.RefusedChanges(property)} (see schema/FORMAT.md)",
                        location));
                }
            }
        }

        return result;
    }
}
