using Pipeline.Core.Fragments;
using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>
/// A loaded schema file: the model and every SQL fragment of it (the values of <see cref="SqlFragmentFields.All"/>)
/// with the location of its YAML node, for the dialect's <see cref="ISqlFragmentValidator"/>.
/// </summary>
/// <param name="Model">The desired model.</param>
/// <param name="Fragments">The SQL fragments, grouped by field in registry order, in document order within a field.</param>
public sealed record SchemaDocument(DatabaseModel Model, IReadOnlyList<SqlFragment> Fragments);
