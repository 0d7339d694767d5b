using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.SqlServer.Dialect;
using Xunit;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>YAML fragments must be exactly one T-SQL element of their kind.</summary>
public sealed class SqlServerFragmentValidatorTests
{
    private static IReadOnlyList<SqlFragmentProblem> Check(SqlFragmentKind kind, string text) =>
        new SqlServerFragmentValidator().Validate(new SqlFragment(kind, text, new SourceLocation("t.yaml", 1, 1), "field"));

    [Theory]
    [InlineData(SqlFragmentKind.Type, "nvarchar(200)")]
    [InlineData(SqlFragmentKind.Type, "decimal(12, 2)")]
    [InlineData(SqlFragmentKind.Type, "varchar(max)")]
    [InlineData(SqlFragmentKind.Expression, "(0)")]
    [InlineData(SqlFragmentKind.Expression, "sysutcdatetime()")]
    [InlineData(SqlFragmentKind.Expression, "N'it''s'")]
    [InlineData(SqlFragmentKind.Expression, "[Total] >= 0 AND [Status] IN (1, 2)")]
    [InlineData(SqlFragmentKind.Expression, "LEFT(Email, CHARINDEX('@', Email) - 1)")]
    [InlineData(SqlFragmentKind.IndexKey, "CustomerId DESC")]
    [InlineData(SqlFragmentKind.IndexKey, "[Order Date]")]
    [InlineData(SqlFragmentKind.Identifier, "Orders")]
    [InlineData(SqlFragmentKind.QualifiedName, "sales.Customer")]
    [InlineData(SqlFragmentKind.OptionValue, "80")]
    public void One_element_passes(SqlFragmentKind kind, string text) => Assert.Empty(Check(kind, text));

    [Theory]
    [InlineData(SqlFragmentKind.Expression, "0); DROP TABLE dbo.Customer; --", "PIPE5020")]
    [InlineData(SqlFragmentKind.Expression, "0; DROP TABLE dbo.Customer", "PIPE5020")]
    [InlineData(SqlFragmentKind.Expression, "1\nGO\nDROP TABLE t", "PIPE5021")]
    [InlineData(SqlFragmentKind.Expression, "'$(Password)'", "PIPE5021")]
    [InlineData(SqlFragmentKind.Expression, "1\n:r evil.sql", "PIPE5021")]
    [InlineData(SqlFragmentKind.Expression, "1 /* hidden */", "PIPE5021")]
    [InlineData(SqlFragmentKind.Expression, "1 2", "PIPE5020")]
    [InlineData(SqlFragmentKind.Expression, "(1", "PIPE5020")]
    [InlineData(SqlFragmentKind.Expression, "1) DROP TABLE t --", "PIPE5021")]
    [InlineData(SqlFragmentKind.Expression, "1) SELECT (1", "PIPE5020")]
    [InlineData(SqlFragmentKind.Type, "int NOT NULL", "PIPE5020")]
    [InlineData(SqlFragmentKind.Type, "int, b int", "PIPE5020")]
    [InlineData(SqlFragmentKind.IndexKey, "lower(Email)", "PIPE5020")]
    [InlineData(SqlFragmentKind.Identifier, "a b", "PIPE5020")]
    [InlineData(SqlFragmentKind.Operator, "&&", "PIPE5020")]
    public void Anything_more_is_refused(SqlFragmentKind kind, string text, string code) =>
        Assert.Equal(code, Check(kind, text)[0].Code);
}
