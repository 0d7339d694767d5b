namespace Pipeline.Core.Dialects;

/// <summary>
/// The dialects a shell knows, by name. The CLI builds one registry with one line per dialect project; everything
/// else asks it by the name found in the YAML (<c>dialect:</c>, default <see cref="DefaultName"/>), in
/// <c>plan.json</c> or in a snapshot.
/// </summary>
public sealed class DialectRegistry
{
    /// <summary>The dialect of a YAML file without a <c>dialect:</c> key.</summary>
    public const string DefaultName = "postgres";

    private readonly IReadOnlyList<IDialectProvider> _providers;

    /// <summary>A registry of <paramref name="providers"/>.</summary>
    /// <exception cref="ArgumentException">Two providers share a name.</exception>
    public DialectRegistry(params IDialectProvider[] providers)
    {
        var duplicate = providers.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two dialect providers are named '{duplicate.Key}'", nameof(providers));
        }

        _providers = providers;
    }

    /// <summary>The registered providers, in registration order.</summary>
    public IReadOnlyList<IDialectProvider> Providers => _providers;

    /// <summary>The names of the registered dialects, comma-separated, for messages.</summary>
    public string Names => string.Join(", ", _providers.Select(p => p.Name));

    /// <summary>The provider named <paramref name="name"/> (case-insensitive), or <c>null</c>.</summary>
    public IDialectProvider? Find(string? name) =>
        _providers.FirstOrDefault(p => string.Equals(p.Name, name ?? DefaultName, StringComparison.OrdinalIgnoreCase));
}
