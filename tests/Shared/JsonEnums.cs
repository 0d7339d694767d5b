using System.Text.Json;

namespace Pipeline.Testing;

/// <summary>The enums a JSON document can hold, found through the serializer's own metadata (the source-generated
/// <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo"/> of the options), and how each is written.</summary>
public static class JsonEnums
{
    /// <summary>Every enum type reachable from <paramref name="root"/>'s properties, collection elements and dictionary
    /// keys and values under <paramref name="options"/>, ordered by full name.</summary>
    public static IReadOnlyList<Type> Reachable(JsonSerializerOptions options, Type root)
    {
        var seen = new HashSet<Type>();
        var enums = new SortedSet<Type>(Comparer<Type>.Create((a, b) => string.CompareOrdinal(a.FullName, b.FullName)));
        var pending = new Stack<Type>([root]);
        while (pending.TryPop(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            if ((Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } e)
            {
                enums.Add(e);
                continue;
            }

            var info = options.GetTypeInfo(type);
            foreach (var property in info.Properties)
            {
                pending.Push(property.PropertyType);
            }

            if (info.ElementType is { } element)
            {
                pending.Push(element);
            }

            if (info.KeyType is { } key)
            {
                pending.Push(key);
            }
        }

        return [.. enums];
    }

    /// <summary>The JSON text of each value of <paramref name="enumType"/> under <paramref name="options"/>.</summary>
    public static IEnumerable<string> Written(JsonSerializerOptions options, Type enumType) =>
        Enum.GetValues(enumType).Cast<object>().Select(v => JsonSerializer.Serialize(v, options.GetTypeInfo(enumType)));
}
