using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// Whether a default expression is a runtime constant: "an expression that produces the same value at runtime for each
/// row in the table regardless of its specific characteristics" (constants, <c>GETDATE()</c>, <c>SYSUTCDATETIME()</c>,
/// …; not <c>NEWID()</c> or <c>NEWSEQUENTIALID()</c>), which makes adding a NOT NULL column with it metadata-only on
/// Enterprise (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql, "Add NOT NULL columns as an
/// online operation"). Conservative: any function not on the allow-list, any user-defined function, subquery or
/// column reference makes it "not a runtime constant".
/// </summary>
public static class RuntimeConstant
{
    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "GETDATE", "GETUTCDATE", "SYSDATETIME", "SYSUTCDATETIME", "SYSDATETIMEOFFSET", "CURRENT_TIMESTAMP",
        "DATEADD", "DATEFROMPARTS", "DATETIME2FROMPARTS", "EOMONTH", "SUSER_SNAME", "SUSER_NAME", "USER_NAME",
        "SUSER_SID", "HOST_NAME", "APP_NAME", "DB_NAME", "ORIGINAL_LOGIN", "ABS", "UPPER", "LOWER", "LEN",
        "CONVERT", "CAST", "TRY_CAST", "TRY_CONVERT", "ISNULL", "COALESCE", "CONCAT",
    };

    /// <summary>Whether <paramref name="expression"/> (T-SQL) is a runtime constant; <c>false</c> when it does not
    /// parse.</summary>
    public static bool Is(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parser = TSqlParsers.Create();
        using var reader = new StringReader(expression);
        var parsed = parser.ParseExpression(reader, out var errors);
        if (errors.Count > 0 || parsed is null)
        {
            return false;
        }

        var visitor = new Visitor();
        parsed.Accept(visitor);
        return visitor.Constant;
    }

    private sealed class Visitor : TSqlFragmentVisitor
    {
        public bool Constant { get; private set; } = true;

        public override void Visit(FunctionCall node)
        {
            if (node.CallTarget is not null || !Functions.Contains(node.FunctionName.Value))
            {
                Constant = false;
            }
        }

        public override void Visit(ColumnReferenceExpression node) => Constant = false;

        public override void Visit(ScalarSubquery node) => Constant = false;

        public override void Visit(VariableReference node) => Constant = false;
    }
}

/// <summary>The T-SQL parser the dialect uses everywhere (validation, default analysis, tests): ScriptDom's
/// <see cref="TSql170Parser"/> (SQL Server 2025 grammar, a superset of older versions' syntax), quoted identifiers on.</summary>
public static class TSqlParsers
{
    /// <summary>A new parser (parsers are cheap and not thread-safe).</summary>
    public static TSqlParser Create() => new TSql170Parser(initialQuotedIdentifiers: true);
}
