using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Diff;

/// <summary>
/// Compares a desired model with an actual one and returns typed changes.
/// </summary>
public static class SchemaDiffer
{
    /// <summary>
    /// The changes that turn <paramref name="actual"/> into <paramref name="desired"/>, in no particular order (the
    /// planner orders them). Objects matching the desired model's <see cref="DatabaseModel.Exclude"/> patterns are
    /// ignored on both sides. Renames happen only where declared with <c>renamedFrom:</c>.
    /// </summary>
    public static IReadOnlyList<SchemaChange> Diff(DatabaseModel desired, DatabaseModel actual, ISqlNormalizer normalizer)
        => throw new NotImplementedException();
}
