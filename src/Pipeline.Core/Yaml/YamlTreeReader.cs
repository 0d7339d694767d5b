using Pipeline.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pipeline.Core.Yaml;

/// <summary>
/// Reads YAML text into a <see cref="YNode"/> tree with 1-based locations, rejecting what the schema format never
/// needs: several documents, non-scalar mapping keys, duplicate keys. Aliases resolve to their anchored node.
/// </summary>
internal sealed class YamlTreeReader
{
    private readonly IParser _parser;
    private readonly string _file;
    private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);
    private int _depth;

    // The start of the last event read, kept as YamlDotNet's mark (a struct) and turned into a location only when an
    // error names it: one SourceLocation per event was a quarter of this reader's own allocations.
    private Mark _last = Mark.Empty;

    /// <summary>Mappings with at most this many entries find a duplicate key by scanning their entries; larger ones
    /// index their keys (the schema format's mappings hold 2–10 keys; a table list can hold hundreds).</summary>
    private const int LinearKeyScanLimit = 16;

    /// <summary>Deepest nesting accepted; the format needs about ten levels. Guards the recursion.</summary>
    internal const int MaxDepth = 64;

    private YamlTreeReader(IParser parser, string file)
    {
        _parser = parser;
        _file = file;
    }

    /// <summary>The root node, or <c>null</c> when the text holds no document (empty or only comments).</summary>
    /// <exception cref="SchemaLoadException">Malformed YAML, several documents, duplicate or complex keys.</exception>
    public static YNode? Read(string yaml, string file)
    {
        RejectNonPrintable(yaml, file);
        var reader = new YamlTreeReader(new Parser(new StringReader(yaml)), file);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException ex)
        {
            throw new SchemaLoadException(reader.Loc(ex.Start), "invalid YAML: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner can fail this way on some malformed input (e.g. a '[' starting a block mapping
            // key); report it as bad YAML at the last node read, never as a crash.
            throw new SchemaLoadException(reader.Loc(reader._last), "invalid YAML: the YAML parser cannot read the text after this point", ex);
        }
    }

    /// <summary>Rejects characters a YAML stream may not contain (YAML 1.2 §5.1: control characters other than
    /// tab, line feed and carriage return; unpaired surrogates; U+FFFE, U+FFFF), naming line and column.</summary>
    private static void RejectNonPrintable(string yaml, string file)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            var printable = c is '\t' or '\n' or '\r' or (>= ' ' and <= '~') or '\u0085' or (>= '\u00A0' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD')
                || (char.IsHighSurrogate(c) && i + 1 < yaml.Length && char.IsLowSurrogate(yaml[i + 1]))
                || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(yaml[i - 1]));
            if (!printable && !(i == 0 && c == '\uFEFF'))
            {
                throw new SchemaLoadException(new SourceLocation(file, line, column), $"invalid YAML: the character U+{(int)c:X4} is not allowed in a YAML file");
            }

            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else if (!char.IsLowSurrogate(c))
            {
                column++;
            }
        }
    }

    private YNode? ReadStream()
    {
        Expect<StreamStart>();
        if (Accept<StreamEnd>(out _))
        {
            return null;
        }

        Expect<DocumentStart>();
        var root = ReadNode();
        Expect<DocumentEnd>();
        if (Accept<DocumentStart>(out var second))
        {
            throw new SchemaLoadException(Loc(second.Start), "only one YAML document is allowed per schema file");
        }

        Expect<StreamEnd>();
        return root;
    }

    private YNode ReadNode()
    {
        var ev = Next();
        if (ev is SequenceStart or MappingStart && ++_depth > MaxDepth)
        {
            throw new SchemaLoadException(Loc(ev.Start), $"the YAML is nested more than {MaxDepth} levels deep");
        }

        try
        {
            return ReadNode(ev);
        }
        finally
        {
            if (ev is SequenceStart or MappingStart)
            {
                _depth--;
            }
        }
    }

    private YNode ReadNode(ParsingEvent ev)
    {
        switch (ev)
        {
            case AnchorAlias alias:
                return _anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target
                    : throw new SchemaLoadException(Loc(alias.Start), $"unknown alias '*{alias.Value.Value}'");
            case Scalar scalar:
                return Remember(scalar.Anchor, new YScalar(Loc(scalar.Start), scalar.Value, scalar.Style == ScalarStyle.Plain));
            case SequenceStart start:
            {
                var items = new List<YNode>();
                while (!Accept<SequenceEnd>(out _))
                {
                    items.Add(ReadNode());
                }

                return Remember(start.Anchor, new YSequence(Loc(start.Start), items));
            }

            case MappingStart start:
            {
                var entries = new List<KeyValuePair<YScalar, YNode>>();
                Dictionary<string, YScalar>? seen = null;
                while (!Accept<MappingEnd>(out _))
                {
                    var keyNode = ReadNode();
                    if (keyNode is not YScalar key)
                    {
                        throw new SchemaLoadException(keyNode.Location, "mapping keys must be plain names, not " + keyNode.KindName);
                    }

                    if (FirstKey(entries, ref seen, key.Value) is { } first)
                    {
                        throw new SchemaLoadException(
                            key.Location,
                            $"duplicate key '{key.Value}' (first defined at line {first.Location.Line}, column {first.Location.Column})");
                    }

                    seen?.Add(key.Value, key);
                    entries.Add(new(key, ReadNode()));
                }

                return Remember(start.Anchor, new YMapping(Loc(start.Start), entries));
            }

            default:
                throw new SchemaLoadException(Loc(ev.Start), "unexpected YAML event " + ev.GetType().Name);
        }
    }

    /// <summary>The earlier key of <paramref name="entries"/> spelled <paramref name="key"/>, or <c>null</c>; past
    /// <see cref="LinearKeyScanLimit"/> entries the keys are indexed in <paramref name="seen"/> (created here, kept
    /// up to date by the caller).</summary>
    private static YScalar? FirstKey(List<KeyValuePair<YScalar, YNode>> entries, ref Dictionary<string, YScalar>? seen, string key)
    {
        if (seen is null && entries.Count >= LinearKeyScanLimit)
        {
            seen = new Dictionary<string, YScalar>(entries.Count * 2, StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                seen.Add(entry.Key.Value, entry.Key);
            }
        }

        if (seen is not null)
        {
            return seen.TryGetValue(key, out var found) ? found : null;
        }

        foreach (var entry in entries)
        {
            if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
            {
                return entry.Key;
            }
        }

        return null;
    }

    private YNode Remember(AnchorName anchor, YNode node)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = node;
        }

        return node;
    }

    private ParsingEvent Next()
    {
        if (_parser.Current is null && !_parser.MoveNext())
        {
            throw new SchemaLoadException(new SourceLocation(_file, 1, 1), "unexpected end of YAML");
        }

        var current = _parser.Current!;
        _last = current.Start;
        _parser.MoveNext();
        return current;
    }

    private void Expect<T>()
        where T : ParsingEvent
    {
        var ev = Next();
        if (ev is not T)
        {
            throw new SchemaLoadException(Loc(ev.Start), "unexpected YAML content");
        }
    }

    private bool Accept<T>(out T ev)
        where T : ParsingEvent
    {
        if (_parser.TryConsume<T>(out var found))
        {
            ev = found;
            return true;
        }

        ev = null!;
        return false;
    }

    private SourceLocation Loc(Mark mark) =>
        new(_file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
}
