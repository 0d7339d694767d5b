using Pipeline.Core.Model;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// The catalog rows of one introspection (<see cref="PostgresIntrospector.ReadCatalogAsync"/>), read in one
/// repeatable-read transaction, not yet shaped into a model.
/// </summary>
public sealed class IntrospectedCatalog
{
    private readonly CatalogSnapshot _catalog;

    internal IntrospectedCatalog(CatalogSnapshot catalog) => _catalog = catalog;

    /// <summary>The actual model, as <see cref="PostgresIntrospector"/> builds it, with the tables and enums matching
    /// <paramref name="exclude"/> left out (<see cref="NamePattern"/>; the patterns are also stored in
    /// <see cref="DatabaseModel.Exclude"/>). Can be called more than once.</summary>
    public DatabaseModel ToModel(IReadOnlyList<string> exclude) => ModelAssembler.Build(_catalog, exclude);
}
