using Pipeline.SqlServer.Dialect;
using Xunit;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>Expected values written by hand from the SQL Server data type and constraint documentation.</summary>
public sealed class SqlServerNormalizerTests
{
    private readonly SqlServerNormalizer _normalizer = new();

    [Theory]
    [InlineData("int", "int")]
    [InlineData("INT", "int")]
    [InlineData("[int]", "int")]
    [InlineData("integer", "int")]
    [InlineData("\"int\"", "int")]
    [InlineData("nvarchar(max)", "nvarchar(max)")]
    [InlineData("NVARCHAR(MAX)", "nvarchar(max)")]
    [InlineData("[nvarchar] (40)", "nvarchar(40)")]
    [InlineData("national character varying(40)", "nvarchar(40)")]
    [InlineData("character varying(10)", "varchar(10)")]
    [InlineData("varchar", "varchar(1)")]
    [InlineData("char", "char(1)")]
    [InlineData("nchar", "nchar(1)")]
    [InlineData("varbinary", "varbinary(1)")]
    [InlineData("varbinary(max)", "varbinary(max)")]
    [InlineData("datetime2", "datetime2(7)")]
    [InlineData("datetime2(7)", "datetime2(7)")]
    [InlineData("datetime2(3)", "datetime2(3)")]
    [InlineData("time", "time(7)")]
    [InlineData("datetimeoffset", "datetimeoffset(7)")]
    [InlineData("decimal", "decimal(18,0)")]
    [InlineData("numeric", "decimal(18,0)")]
    [InlineData("dec(10)", "decimal(10,0)")]
    [InlineData("decimal(18, 0)", "decimal(18,0)")]
    [InlineData("numeric(10,2)", "decimal(10,2)")]
    [InlineData("float", "float")]
    [InlineData("float(53)", "float")]
    [InlineData("float(25)", "float")]
    [InlineData("float(24)", "real")]
    [InlineData("real", "real")]
    [InlineData("rowversion", "rowversion")]
    [InlineData("timestamp", "rowversion")]
    [InlineData("sysname", "nvarchar(128)")]
    [InlineData("money", "money")]
    [InlineData("uniqueidentifier", "uniqueidentifier")]
    [InlineData("[dbo].[Flag]", "dbo.flag")]
    [InlineData("dbo.Flag", "dbo.flag")]
    [InlineData("xml", "xml")]
    [InlineData("xml(Person.AdditionalContactInfoSchemaCollection)", "xml(content person.additionalcontactinfoschemacollection)")]
    [InlineData("xml(CONTENT [Person].[AdditionalContactInfoSchemaCollection])", "xml(content person.additionalcontactinfoschemacollection)")]
    [InlineData("xml(DOCUMENT dbo.S)", "xml(document dbo.s)")]
    public void Types_take_one_spelling(string type, string expected) =>
        Assert.Equal(expected, _normalizer.NormalizeType(type));

    [Fact]
    public void Different_types_stay_different()
    {
        Assert.NotEqual(_normalizer.NormalizeType("varchar(10)"), _normalizer.NormalizeType("nvarchar(10)"));
        Assert.NotEqual(_normalizer.NormalizeType("datetime2(3)"), _normalizer.NormalizeType("datetime2"));
        Assert.NotEqual(_normalizer.NormalizeType("decimal(18,2)"), _normalizer.NormalizeType("decimal"));
        Assert.NotEqual(_normalizer.NormalizeType("datetime"), _normalizer.NormalizeType("datetime2"));
        Assert.NotEqual(_normalizer.NormalizeType("varchar(max)"), _normalizer.NormalizeType("varchar(8000)"));
    }

    [Theory]
    // sys.default_constraints.definition: DEFAULT 0 is stored as ((0)), DEFAULT getdate() as (getdate()).
    [InlineData("((0))", "0")]
    [InlineData("(0)", "0")]
    [InlineData("0", "0")]
    [InlineData("((-1))", "-1")]
    [InlineData("(getdate())", "getdate()")]
    [InlineData("GETDATE()", "getdate()")]
    [InlineData("(newid())", "newid()")]
    [InlineData("(N'pending')", "N'pending'")]
    [InlineData("('Pending')", "'Pending'")]
    [InlineData("(CURRENT_TIMESTAMP)", "current_timestamp")]
    [InlineData("(dateadd(day,(1),getdate()))", "dateadd(day,1,getdate())")]
    // sys.check_constraints.definition: a >= 0 is stored as ([a]>=(0)).
    [InlineData("([UnitPrice]>=(0))", "unitprice>=0")]
    [InlineData("UnitPrice >= 0", "unitprice>=0")]
    [InlineData("[Discount] >= 0 AND [Discount] <= 1", "discount>=0 and discount<=1")]
    [InlineData("([Discount]>=(0) AND [Discount]<=(1))", "discount>=0 and discount<=1")]
    [InlineData("[EndDate] IS NULL OR [EndDate] >= [StartDate]", "enddate is null or enddate>=startdate")]
    [InlineData("upper([Gender]) IN ('M', 'F')", "upper(gender) in('M','F')")]
    [InlineData("(upper([Gender])='F' OR upper([Gender])='M')", "upper(gender)='F' or upper(gender)='M'")]
    public void Expressions_compare_as_SQL_Server_stores_them(string expression, string expected) =>
        Assert.Equal(expected, _normalizer.NormalizeExpression(expression));

    [Fact]
    public void Meaningful_parentheses_literals_and_case_in_strings_stay()
    {
        Assert.Equal("(a+b)*2", _normalizer.NormalizeExpression("([a]+[b])*(2)"));
        Assert.Equal("a>0 and(b>0 or c>0)", _normalizer.NormalizeExpression("[a]>0 AND ([b]>0 OR [c]>0)"));
        Assert.NotEqual(_normalizer.NormalizeExpression("'Pending'"), _normalizer.NormalizeExpression("'pending'"));
        Assert.NotEqual(_normalizer.NormalizeExpression("N'x'"), _normalizer.NormalizeExpression("'x'"));
        Assert.NotEqual(_normalizer.NormalizeExpression("(0)"), _normalizer.NormalizeExpression("(0.0)"));
    }
}
