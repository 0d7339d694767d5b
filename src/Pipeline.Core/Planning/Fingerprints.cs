using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Content fingerprints: <c>sha256:</c> followed by 64 lower-case hex digits.
/// </summary>
public static class Fingerprints
{
    /// <summary>Fingerprint of a schema's structure (ignores statistics, server info and YAML locations).</summary>
    public static string OfSchema(DatabaseModel model) => throw new NotImplementedException();

    /// <summary>Fingerprint of plan steps: phase, kind, SQL and blocked state of each step, in order.</summary>
    public static string OfSteps(IEnumerable<PlanStep> steps) => throw new NotImplementedException();
}
