using System.Globalization;
using System.Text;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// Normalises SQL Server type names and expressions so that equivalent spellings compare equal (for comparison only;
/// what is executed is the text as written).
/// <para>Types are parsed with ScriptDom (<c>TSqlParser.ParseScalarDataType</c>) and written in one canonical,
/// lower-case spelling, per https://learn.microsoft.com/sql/t-sql/data-types/data-types-transact-sql: brackets and
/// case do not matter (<c>[int]</c> = <c>INT</c> = <c>int</c>); synonyms take the base name (<c>integer</c> →
/// <c>int</c>, <c>dec</c>/<c>numeric</c> → <c>decimal</c>, <c>character varying</c> → <c>varchar</c>,
/// <c>national character varying</c> → <c>nvarchar</c>, <c>timestamp</c> → <c>rowversion</c>, <c>sysname</c> →
/// <c>nvarchar(128)</c>, <c>double precision</c> → <c>float</c>); omitted parameters take their defaults:
/// <c>char</c>/<c>varchar</c>/<c>nchar</c>/<c>nvarchar</c>/<c>binary</c>/<c>varbinary</c> without a length are
/// length 1 (https://learn.microsoft.com/sql/t-sql/data-types/char-and-varchar-transact-sql), <c>decimal</c> is
/// <c>decimal(18,0)</c> and <c>decimal(p)</c> is <c>decimal(p,0)</c>
/// (https://learn.microsoft.com/sql/t-sql/data-types/decimal-and-numeric-transact-sql), <c>datetime2</c>,
/// <c>time</c> and <c>datetimeoffset</c> are precision 7, <c>float</c> is <c>float(53)</c> and <c>float(1)</c>…
/// <c>float(24)</c> is <c>real</c> (https://learn.microsoft.com/sql/t-sql/data-types/float-and-real-transact-sql);
/// <c>xml(x)</c> is <c>xml(content x)</c>. User-defined types keep their (lower-cased) qualified name.</para>
/// <para>Expressions (defaults, checks, filter predicates) are compared the way SQL Server stores them in
/// <c>sys.default_constraints.definition</c> / <c>sys.check_constraints.definition</c>, which wraps the whole
/// expression and each constant in parentheses (<c>DEFAULT 0</c> is stored as <c>((0))</c>, <c>getdate()</c> as
/// <c>(getdate())</c>, <c>a &gt;= 0</c> as <c>([a]&gt;=(0))</c>): the text is split into tokens by ScriptDom's T-SQL
/// lexer, identifiers are unquoted and lower-cased (SQL Server's default collations compare names without case),
/// keywords lower-cased, parentheses around a single constant, name or nested parenthesis and around the whole
/// expression are dropped, and whitespace is made canonical. String literals keep their case and their <c>N</c>
/// prefix.</para>
/// </summary>
public sealed class SqlServerNormalizer : ISqlNormalizer
{
    private static readonly Dictionary<SqlDataTypeOption, string> Names = new()
    {
        [SqlDataTypeOption.Int] = "int", [SqlDataTypeOption.BigInt] = "bigint", [SqlDataTypeOption.SmallInt] = "smallint",
        [SqlDataTypeOption.TinyInt] = "tinyint", [SqlDataTypeOption.Bit] = "bit", [SqlDataTypeOption.Decimal] = "decimal",
        [SqlDataTypeOption.Numeric] = "decimal", [SqlDataTypeOption.Money] = "money", [SqlDataTypeOption.SmallMoney] = "smallmoney",
        [SqlDataTypeOption.Float] = "float", [SqlDataTypeOption.Real] = "real", [SqlDataTypeOption.DateTime] = "datetime",
        [SqlDataTypeOption.SmallDateTime] = "smalldatetime", [SqlDataTypeOption.Date] = "date", [SqlDataTypeOption.Time] = "time",
        [SqlDataTypeOption.DateTime2] = "datetime2", [SqlDataTypeOption.DateTimeOffset] = "datetimeoffset",
        [SqlDataTypeOption.Char] = "char", [SqlDataTypeOption.VarChar] = "varchar", [SqlDataTypeOption.NChar] = "nchar",
        [SqlDataTypeOption.NVarChar] = "nvarchar", [SqlDataTypeOption.Binary] = "binary", [SqlDataTypeOption.VarBinary] = "varbinary",
        [SqlDataTypeOption.Text] = "text", [SqlDataTypeOption.NText] = "ntext", [SqlDataTypeOption.Image] = "image",
        [SqlDataTypeOption.Timestamp] = "rowversion", [SqlDataTypeOption.Rowversion] = "rowversion",
        [SqlDataTypeOption.UniqueIdentifier] = "uniqueidentifier", [SqlDataTypeOption.Sql_Variant] = "sql_variant",
    };

    private static readonly HashSet<string> LengthTypes = ["char", "varchar", "nchar", "nvarchar", "binary", "varbinary"];

    /// <summary>Keywords after which a parenthesis opens a sub-expression, not a call or list.</summary>
    private static readonly HashSet<string> OperatorKeywords = ["and", "or", "not", "when", "then", "else", "case", "is", "return", "between"];

    private static readonly HashSet<string> FractionTypes = ["datetime2", "time", "datetimeoffset"];

    /// <inheritdoc />
    public string NormalizeType(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(type);
        var parsed = parser.ParseScalarDataType(reader, out var errors);
        return errors.Count > 0 || parsed is null ? string.Join(' ', type.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)) : Canonical(parsed);
    }

    /// <inheritdoc />
    public string NormalizeExpression(string expression, string? columnType = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(expression);
        var tokens = parser.GetTokenStream(reader, out var errors)
            .Where(t => t.TokenType is not (TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment
                or TSqlTokenType.EndOfFile))
            .Select(Canonical)
            .ToList();
        if (errors.Count > 0)
        {
            return expression.Trim();
        }

        bool changed;
        do
        {
            changed = DropRedundantParentheses(tokens);
        }
        while (changed);

        return Render(tokens);
    }

    private static string Canonical(DataTypeReference type)
    {
        switch (type)
        {
            case SqlDataTypeReference sql:
                {
                    var name = Names.TryGetValue(sql.SqlDataTypeOption, out var known) ? known : sql.SqlDataTypeOption.ToString().ToLowerInvariant();
                    var args = sql.Parameters.Select(p => p is MaxLiteral ? "max" : p.Value.ToLowerInvariant()).ToList();
                    return Canonical(name, args);
                }

            case XmlDataTypeReference xml:
                var style = xml.XmlDataTypeOption == XmlDataTypeOption.Document ? "document" : "content";
                return xml.XmlSchemaCollection is null ? "xml" : $"xml({style} {Qualified(xml.XmlSchemaCollection)})";

            case UserDataTypeReference user:
                {
                    var name = Qualified(user.Name);
                    var args = user.Parameters.Select(p => p is MaxLiteral ? "max" : p.Value.ToLowerInvariant()).ToList();
                    // sysname is nvarchar(128) NOT NULL (https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-types-transact-sql).
                    return name is "sysname" or "sys.sysname" ? "nvarchar(128)" : Canonical(name, args);
                }

            default:
                return type.ToString()!.ToLowerInvariant();
        }
    }

    private static string Canonical(string name, List<string> args)
    {
        if (LengthTypes.Contains(name))
        {
            return $"{name}({(args.Count == 0 ? "1" : args[0])})";
        }

        if (name == "decimal")
        {
            return $"decimal({(args.Count > 0 ? args[0] : "18")},{(args.Count > 1 ? args[1] : "0")})";
        }

        if (FractionTypes.Contains(name))
        {
            return $"{name}({(args.Count == 0 ? "7" : args[0])})";
        }

        if (name == "float")
        {
            var n = args.Count == 0 ? 53 : int.Parse(args[0], CultureInfo.InvariantCulture);
            return n <= 24 ? "real" : "float";
        }

        // "double precision" parses as a user type named "double precision" in some parser versions.
        if (name is "double precision")
        {
            return "float";
        }

        return args.Count == 0 ? name : $"{name}({string.Join(',', args)})";
    }

    private static string Qualified(SchemaObjectName name) =>
        string.Join('.', name.Identifiers.Select(i => i.Value.ToLowerInvariant()));

    /// <summary>One token in its comparison form: names unquoted and lower-cased, keywords lower-cased, literals as
    /// written.</summary>
    private static Token Canonical(TSqlParserToken token) => token.TokenType switch
    {
        TSqlTokenType.QuotedIdentifier => new Token(TokenKind.Name, Unquote(token.Text).ToLowerInvariant()),
        TSqlTokenType.Identifier => new Token(TokenKind.Name, token.Text.ToLowerInvariant()),
        TSqlTokenType.Variable => new Token(TokenKind.Name, token.Text.ToLowerInvariant()),
        TSqlTokenType.AsciiStringLiteral or TSqlTokenType.UnicodeStringLiteral => new Token(TokenKind.Constant, token.Text),
        TSqlTokenType.Integer or TSqlTokenType.Numeric or TSqlTokenType.Real or TSqlTokenType.Money or TSqlTokenType.HexLiteral
            => new Token(TokenKind.Constant, token.Text.ToLowerInvariant()),
        TSqlTokenType.LeftParenthesis => new Token(TokenKind.Open, "("),
        TSqlTokenType.RightParenthesis => new Token(TokenKind.Close, ")"),
        TSqlTokenType.Null => new Token(TokenKind.Constant, "null"),
        _ when token.Text.Length > 0 && (char.IsLetter(token.Text[0]) || token.Text[0] == '_') => new Token(TokenKind.Keyword, token.Text.ToLowerInvariant()),
        _ => new Token(TokenKind.Symbol, token.Text),
    };

    private static string Unquote(string text) => text.Length >= 2 && text[0] == '[' && text[^1] == ']'
        ? text[1..^1].Replace("]]", "]", StringComparison.Ordinal)
        : text.Length >= 2 && text[0] == '"' && text[^1] == '"'
            ? text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
            : text;

    /// <summary>Drops one round of redundant parentheses; <c>true</c> when something was dropped.</summary>
    private static bool DropRedundantParentheses(List<Token> tokens)
    {
        // The whole expression in parentheses.
        if (tokens.Count >= 2 && tokens[0].Kind == TokenKind.Open && Matching(tokens, 0) == tokens.Count - 1)
        {
            tokens.RemoveAt(tokens.Count - 1);
            tokens.RemoveAt(0);
            return true;
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind != TokenKind.Open)
            {
                continue;
            }

            // A call's or IN list's parentheses stay: f(0), x IN (1).
            var afterName = i > 0 && (tokens[i - 1].Kind == TokenKind.Name
                || (tokens[i - 1].Kind == TokenKind.Keyword && !OperatorKeywords.Contains(tokens[i - 1].Text)));
            if (afterName)
            {
                continue;
            }

            var close = Matching(tokens, i);
            if (close < 0)
            {
                return false;
            }

            var inner = close - i - 1;
            var single = inner == 1 && tokens[i + 1].Kind is TokenKind.Constant or TokenKind.Name;
            var negative = inner == 2 && tokens[i + 1].Text is "-" or "+" && tokens[i + 2].Kind == TokenKind.Constant;
            var call = inner >= 3 && tokens[i + 1].Kind is TokenKind.Name or TokenKind.Keyword && tokens[i + 2].Kind == TokenKind.Open
                && Matching(tokens, i + 2) == close - 1;
            var nested = inner >= 2 && tokens[i + 1].Kind == TokenKind.Open && Matching(tokens, i + 1) == close - 1;
            if (single || negative || call || nested)
            {
                tokens.RemoveAt(close);
                tokens.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    private static int Matching(List<Token> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            if (tokens[i].Kind == TokenKind.Open)
            {
                depth++;
            }
            else if (tokens[i].Kind == TokenKind.Close && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Tokens joined with a space only before a word (name, keyword, constant) that follows a word or a
    /// closing parenthesis.</summary>
    private static string Render(List<Token> tokens)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && (IsWord(tokens[i - 1]) || tokens[i - 1].Kind == TokenKind.Close) && IsWord(tokens[i]))
            {
                sb.Append(' ');
            }

            sb.Append(tokens[i].Text);
        }

        return sb.ToString();
    }

    private static bool IsWord(Token t) => t.Kind is TokenKind.Name or TokenKind.Keyword or TokenKind.Constant;

    private enum TokenKind
    {
        Name,
        Keyword,
        Constant,
        Open,
        Close,
        Symbol,
    }

    private readonly record struct Token(TokenKind Kind, string Text);
}
