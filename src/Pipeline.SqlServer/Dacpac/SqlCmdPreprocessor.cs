using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.SqlServer.Dacpac;

/// <summary>
/// Turns a script written for <c>sqlcmd</c> into plain T-SQL that ScriptDom can parse: lines that are sqlcmd commands
/// (<c>:setvar</c>, <c>:on error exit</c>, <c>:r</c>, …) are removed, and <c>$(name)</c> variables are replaced by the
/// value a <c>:setvar</c> gave them (or by the variable's name when none did). See
/// https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-use-scripting-variables and
/// https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility#sqlcmd-commands.
/// </summary>
public static partial class SqlCmdPreprocessor
{
    /// <summary>The script without sqlcmd command lines and with variables replaced; <paramref name="commands"/>
    /// receives the removed command lines (trimmed), in order. Line numbers are kept (a removed line becomes empty).</summary>
    public static string Apply(string script, out IReadOnlyList<string> commands)
    {
        ArgumentNullException.ThrowIfNull(script);
        var variables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var removed = new List<string>();
        var result = new StringBuilder(script.Length);
        foreach (var line in script.Split('\n'))
        {
            var text = line.TrimEnd('\r');
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith(':') && trimmed.Length > 1 && char.IsLetter(trimmed[1]))
            {
                removed.Add(trimmed.Trim());
                if (SetVar().Match(trimmed) is { Success: true } m)
                {
                    variables[m.Groups["name"].Value] = m.Groups["value"].Value;
                }

                result.Append('\n');
                continue;
            }

            result.Append(Variable().Replace(text, v => variables.TryGetValue(v.Groups[1].Value, out var value) ? value : v.Groups[1].Value))
                .Append('\n');
        }

        commands = removed;
        return result.ToString();
    }

    [GeneratedRegex("""^:setvar\s+(?<name>\w+)\s+"?(?<value>[^"]*)"?\s*$""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SetVar();

    [GeneratedRegex(@"\$\((\w+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();
}
