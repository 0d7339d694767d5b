namespace Pipeline.Core.Model;

/// <summary>
/// A schema-qualified object name, e.g. <c>public.orders</c>. Unquoted in <see cref="ToString"/>; dialects quote it.
/// </summary>
/// <param name="Schema">Schema (namespace) name.</param>
/// <param name="Name">Object name within the schema.</param>
public sealed record QualifiedName(string Schema, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Schema}.{Name}";
}
