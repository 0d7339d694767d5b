using Pipeline.Core.Model;

namespace Pipeline.Core.Yaml;

/// <summary>A node of a parsed YAML document with the location where it starts.</summary>
internal abstract record YNode(SourceLocation Location)
{
    /// <summary>What the node is, for messages: "a scalar", "a list", "a mapping".</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar; <paramref name="IsPlain"/> is false for quoted and block scalars.</summary>
internal sealed record YScalar(SourceLocation Location, string Value, bool IsPlain) : YNode(Location)
{
    /// <inheritdoc />
    public override string KindName => "a scalar";

    /// <summary>True for a plain <c>null</c>, <c>~</c> or empty value.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>A sequence (YAML list).</summary>
internal sealed record YSequence(SourceLocation Location, IReadOnlyList<YNode> Items) : YNode(Location)
{
    /// <inheritdoc />
    public override string KindName => "a list";
}

/// <summary>A mapping whose keys are scalars, in document order; keys are unique.</summary>
internal sealed record YMapping(SourceLocation Location, IReadOnlyList<KeyValuePair<YScalar, YNode>> Entries)
    : YNode(Location)
{
    /// <inheritdoc />
    public override string KindName => "a mapping";

    /// <summary>The entry with key <paramref name="key"/>, or <c>null</c>.</summary>
    public KeyValuePair<YScalar, YNode>? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry;
            }
        }

        return null;
    }
}
