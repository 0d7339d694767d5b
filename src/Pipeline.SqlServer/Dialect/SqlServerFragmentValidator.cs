using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Pipeline.Core.Fragments;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// The SQL Server fragment validator, built on ScriptDom (<see cref="TSqlParsers"/>): every SQL fragment from YAML must
/// be exactly one element of its kind, so that no YAML value can end a statement, start another, or hide text from the
/// reader of a script.
/// <list type="number">
/// <item>sqlcmd first (PIPE5021): no <c>GO</c> line (batch separator), no line starting with <c>:</c> (a sqlcmd command
/// such as <c>:r</c> or <c>!!</c>), no <c>$(</c> (sqlcmd substitutes variables even inside strings), no comment
/// (https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility).</item>
/// <item>Then the parser (PIPE5020): no <c>;</c> token; a type parses as one scalar data type, an expression as one
/// scalar or boolean expression, a qualified name as one schema object name, an option value as one literal or
/// keyword; an index key is one column with optional ASC/DESC; an identifier is one (possibly bracketed) name.</item>
/// </list>
/// </summary>
public sealed partial class SqlServerFragmentValidator : ISqlFragmentValidator
{
    [GeneratedRegex(@"^\s*GO(\s+\d+)?\s*$", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex BatchSeparator();

    [GeneratedRegex(@"^\s*(:|!!)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex SqlcmdCommand();

    [GeneratedRegex(@"^\s*(\[(?:[^\]]|\]\])+\]|""(?:[^""]|"""")+""|[\p{L}_@#][\p{L}\p{Nd}_@#$]*)(\s+(ASC|DESC))?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ColumnKey();

    [GeneratedRegex(@"^\s*(\[(?:[^\]]|\]\])+\]|""(?:[^""]|"""")+""|[\p{L}_@#][\p{L}\p{Nd}_@#$]*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex OneIdentifier();

    /// <inheritdoc />
    public IReadOnlyList<SqlFragmentProblem> Validate(SqlFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        var text = fragment.Text;
        if (string.IsNullOrWhiteSpace(text))
        {
            return [new(SqlServerPlanCodes.FragmentNotOneElement, "is empty", 0)];
        }

        if (BatchSeparator().Match(text) is { Success: true } go)
        {
            return [new(SqlServerPlanCodes.FragmentSqlcmd, "holds a GO line, which ends the batch in sqlcmd", go.Index)];
        }

        if (SqlcmdCommand().Match(text) is { Success: true } cmd)
        {
            return [new(SqlServerPlanCodes.FragmentSqlcmd, "holds a line starting with a sqlcmd command (: or !!)", cmd.Index)];
        }

        var variable = text.IndexOf("$(", StringComparison.Ordinal);
        if (variable >= 0)
        {
            return [new(SqlServerPlanCodes.FragmentSqlcmd, "holds $( , which sqlcmd replaces with a scripting variable", variable)];
        }

        var parser = TSqlParsers.Create();
        using (var reader = new StringReader(text))
        {
            var tokens = parser.GetTokenStream(reader, out var lexErrors);
            if (lexErrors.Count > 0)
            {
                return [new(SqlServerPlanCodes.FragmentNotOneElement, lexErrors[0].Message, Math.Clamp(lexErrors[0].Offset, 0, text.Length))];
            }

            foreach (var token in tokens)
            {
                if (token.TokenType is TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment)
                {
                    return [new(SqlServerPlanCodes.FragmentSqlcmd, "holds a comment, which would hide text from the reader of the script", token.Offset)];
                }

                if (token.TokenType == TSqlTokenType.Semicolon)
                {
                    return [new(SqlServerPlanCodes.FragmentNotOneElement, "holds ';', which ends the statement", token.Offset)];
                }
            }
        }

        return fragment.Kind switch
        {
            SqlFragmentKind.Type => Parsed(text, (p, r) => (p.ParseScalarDataType(r, out var e), e), "is not one SQL Server data type"),
            SqlFragmentKind.Expression => Expression(text),
            SqlFragmentKind.QualifiedName => Parsed(text, (p, r) => (p.ParseSchemaObjectName(r, out var e), e), "is not one name (schema.object)"),
            SqlFragmentKind.IndexKey => ColumnKey().IsMatch(text)
                ? []
                : [new(SqlServerPlanCodes.FragmentNotOneElement, "is not one column with optional ASC/DESC (SQL Server index keys are columns; index a computed column for an expression)", 0)],
            SqlFragmentKind.Identifier => OneIdentifier().IsMatch(text)
                ? []
                : [new(SqlServerPlanCodes.FragmentNotOneElement, "is not one identifier", 0)],
            SqlFragmentKind.OptionValue => OptionValue(text),
            SqlFragmentKind.Operator => [new(SqlServerPlanCodes.FragmentNotOneElement, "SQL Server has no exclusion operators", 0)],
            _ => [new(SqlServerPlanCodes.FragmentNotOneElement, $"the SQL Server dialect has no rule for fragments of kind {fragment.Kind}", 0)],
        };
    }

    private static IReadOnlyList<SqlFragmentProblem> Expression(string text)
    {
        var scalar = Parsed(text, (p, r) => (p.ParseExpression(r, out var e), e), "is not one T-SQL expression");
        if (scalar.Count == 0)
        {
            return [];
        }

        var boolean = Parsed(text, (p, r) => (p.ParseBooleanExpression(r, out var e), e), "is not one T-SQL expression");
        return boolean.Count == 0 ? [] : scalar;
    }

    private static IReadOnlyList<SqlFragmentProblem> OptionValue(string text)
    {
        if (OneIdentifier().IsMatch(text))
        {
            return [];
        }

        var problems = Parsed(text, (p, r) => (p.ParseExpression(r, out var e), e), "is not one option value");
        return problems.Count > 0 ? problems : [];
    }

    private static IReadOnlyList<SqlFragmentProblem> Parsed(string text, Func<TSqlParser, TextReader, (TSqlFragment? Result, IList<ParseError> Errors)> parse, string message)
    {
        var parser = TSqlParsers.Create();
        using var reader = new StringReader(text);
        var (result, errors) = parse(parser, reader);
        if (errors.Count > 0)
        {
            var e = errors[0];
            return [new(SqlServerPlanCodes.FragmentNotOneElement, $"{message}: {e.Message}", Math.Clamp(e.Offset, 0, text.Length))];
        }

        return result is null ? [new(SqlServerPlanCodes.FragmentNotOneElement, message, 0)] : [];
    }
}
