using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Pipeline.Core.Tests;

/// <summary>
/// A canonical text of a model for structural comparison: every public property, recursively, except the ones
/// named in <c>ignored</c> (by default Location, Stats and Server) and computed conveniences.
/// </summary>
internal static class ModelDump
{
    private static readonly string[] DefaultIgnored = ["Location", "Stats", "Server"];
    private static readonly string[] Computed = ["HeapBytes", "Major", "EqualityContract"];

    public static string Of(object? value, params string[] ignored)
    {
        var sb = new StringBuilder();
        Write(sb, value, ignored.Length == 0 ? DefaultIgnored : ignored, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, string[] ignored, int depth)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append('"').Append(s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r")).Append('"');
                return;
            case bool or int or long or Enum:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case IEnumerable list:
                sb.Append('[');
                foreach (var item in list)
                {
                    sb.Append('\n').Append(' ', (depth + 1) * 2);
                    Write(sb, item, ignored, depth + 1);
                }

                sb.Append(']');
                return;
        }

        sb.Append(value.GetType().Name).Append(" {");
        foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (ignored.Contains(p.Name) || Computed.Contains(p.Name) || p.GetIndexParameters().Length > 0)
            {
                continue;
            }

            sb.Append('\n').Append(' ', (depth + 1) * 2).Append(p.Name).Append(": ");
            Write(sb, p.GetValue(value), ignored, depth + 1);
        }

        sb.Append('}');
    }
}
