using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pipeline.Core.Yaml;

/// <summary>
/// A thin layer over YamlDotNet's <see cref="Emitter"/>: block or flow collections and scalars, with a quoting
/// policy that keeps every string a string for any YAML reader. The emitter does the escaping; this class only
/// decides the style: double-quoted when the text holds control or line-break characters; quoted when it would
/// otherwise read as null, a boolean or a number (YAML 1.1 and 1.2) or holds a YAML indicator character
/// (double-quoted if it contains a single quote, so SQL literals stay readable); otherwise plain when the emitter
/// allows it.
/// </summary>
internal sealed partial class YamlEventWriter
{
    private readonly Emitter _emitter;

    /// <summary>Starts a single-document stream on <paramref name="output"/>, with <c>\n</c> line ends, two-space
    /// indentation, indented sequences and no line folding.</summary>
    public YamlEventWriter(TextWriter output)
    {
        var settings = new EmitterSettings(2, int.MaxValue, false, 1024, false, true, "\n", false);
        _emitter = new Emitter(output, settings);
        _emitter.Emit(new StreamStart());
        _emitter.Emit(new DocumentStart(null, null, true));
    }

    /// <summary>Ends the document and the stream.</summary>
    public void Finish()
    {
        _emitter.Emit(new DocumentEnd(true));
        _emitter.Emit(new StreamEnd());
    }

    /// <summary>Starts a mapping.</summary>
    public void BeginMapping(bool flow = false) =>
        _emitter.Emit(new MappingStart(null, null, true, flow ? MappingStyle.Flow : MappingStyle.Block));

    /// <summary>Ends a mapping.</summary>
    public void EndMapping() => _emitter.Emit(new MappingEnd());

    /// <summary>Starts a sequence.</summary>
    public void BeginSequence(bool flow = false) =>
        _emitter.Emit(new SequenceStart(null, null, true, flow ? SequenceStyle.Flow : SequenceStyle.Block));

    /// <summary>Ends a sequence.</summary>
    public void EndSequence() => _emitter.Emit(new SequenceEnd());

    /// <summary>A string scalar (also used for keys).</summary>
    public void String(string value) =>
        _emitter.Emit(new Scalar(null, null, value, StyleFor(value), true, true));

    /// <summary>A literal scalar written plain: a boolean or a number.</summary>
    public void Literal(string text) => _emitter.Emit(new Scalar(null, null, text, ScalarStyle.Plain, true, false));

    /// <summary><c>key: "value"</c>.</summary>
    public void Entry(string key, string value)
    {
        String(key);
        String(value);
    }

    /// <summary><c>key: [a, b]</c>.</summary>
    public void FlowList(string key, IEnumerable<string> values)
    {
        String(key);
        BeginSequence(flow: true);
        foreach (var value in values)
        {
            String(value);
        }

        EndSequence();
    }

    /// <summary>The scalar style that keeps <paramref name="value"/> a string.</summary>
    internal static ScalarStyle StyleFor(string value)
    {
        if (value.AsSpan().ContainsAny(Escaped))
        {
            return ScalarStyle.DoubleQuoted;
        }

        if (value.Length == 0 || (NonStringStarts.Contains(value[0]) && NonStringPlain().IsMatch(value)) || value.AsSpan().ContainsAny(Indicators))
        {
            return value.Contains('\'') ? ScalarStyle.DoubleQuoted : ScalarStyle.SingleQuoted;
        }

        return ScalarStyle.Any;
    }

    /// <summary>Characters that YAML gives a meaning in some position (aliases, anchors, tags, comments, keys,
    /// block scalars, directives, reserved, quotes, escapes). Texts holding one are always quoted: plain would be
    /// legal in many positions, but quoting is simpler to read and immune to parser differences.</summary>
    private static readonly System.Buffers.SearchValues<char> Indicators =
        System.Buffers.SearchValues.Create("*&!#:|>%@`?\"'\\");

    /// <summary>Characters written escaped, so in double quotes: C0 and C1 controls, DEL, the Unicode line and
    /// paragraph separators, the byte order mark, surrogates.</summary>
    private static readonly System.Buffers.SearchValues<char> Escaped = System.Buffers.SearchValues.Create(EscapedChars());

    /// <summary>The first characters of every text <see cref="NonStringPlain"/> matches (texts starting otherwise skip
    /// the expression).</summary>
    private static readonly System.Buffers.SearchValues<char> NonStringStarts = System.Buffers.SearchValues.Create("~nNyYtTfFoO<=-+.0123456789");

    private static string EscapedChars()
    {
        var chars = new System.Text.StringBuilder();
        for (var c = 0; c <= 0xFFFF; c++)
        {
            var ch = (char)c;
            if (ch < ' ' || ch is '\u007F' or '\u2028' or '\u2029' or '\uFEFF' || (ch >= '\u0080' && ch <= '\u009F') || char.IsSurrogate(ch))
            {
                chars.Append(ch);
            }
        }

        return chars.ToString();
    }

    /// <summary>Plain texts a YAML 1.1 or 1.2 reader would not read as a string: null, booleans, numbers,
    /// sexagesimal numbers, timestamps, the merge key.</summary>
    [GeneratedRegex(
        @"^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|<<|=|"
        + @"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+|"
        + @"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|"
        + @"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)$")]
    private static partial Regex NonStringPlain();
}
