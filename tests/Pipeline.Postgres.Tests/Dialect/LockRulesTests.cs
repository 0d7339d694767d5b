using Pipeline.Core.Locking;
using Pipeline.Postgres.Dialect;
using Xunit;

namespace Pipeline.Postgres.Tests.Dialect;

public class LockRulesTests
{
    [Fact]
    public void Every_statement_kind_has_a_rule_with_a_docs_source()
    {
        foreach (var major in new[] { 10, 11, 12, 15 })
        {
            var rules = PostgresLockRules.All(major);
            Assert.Equal(Enum.GetValues<PgStatementKind>().Length, rules.Count);
            Assert.All(rules, r => Assert.StartsWith("https://www.postgresql.org/docs/current/", r.Source));
            Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Notes)));
        }
    }

    [Theory]
    [InlineData(PgStatementKind.AddColumnNonVolatileDefault, 10, TableWork.Rewrite)]
    [InlineData(PgStatementKind.AddColumnNonVolatileDefault, 11, TableWork.CatalogOnly)]
    [InlineData(PgStatementKind.SetNotNullWithValidCheck, 11, TableWork.Scan)]
    [InlineData(PgStatementKind.SetNotNullWithValidCheck, 12, TableWork.CatalogOnly)]
    [InlineData(PgStatementKind.SetNotNull, 15, TableWork.Scan)]
    [InlineData(PgStatementKind.AddExclusionConstraint, 15, TableWork.IndexBuild)]
    [InlineData(PgStatementKind.AddGeneratedColumn, 15, TableWork.Rewrite)]
    [InlineData(PgStatementKind.ReplaceGeneratedColumn, 15, TableWork.Rewrite)]
    [InlineData(PgStatementKind.DropGeneratedExpression, 15, TableWork.CatalogOnly)]
    public void Version_dependent_work(PgStatementKind kind, int major, TableWork expected) =>
        Assert.Equal(expected, PostgresLockRules.For(kind, major).Work);

    [Theory]
    [InlineData(PgStatementKind.ValidateCheck, "ShareUpdateExclusive", "None")]
    [InlineData(PgStatementKind.ValidateForeignKey, "ShareUpdateExclusive", "RowShare")]
    [InlineData(PgStatementKind.AddForeignKeyNotValid, "ShareRowExclusive", "ShareRowExclusive")]
    [InlineData(PgStatementKind.DropForeignKey, "AccessExclusive", "AccessExclusive")]
    [InlineData(PgStatementKind.CreateIndexConcurrently, "ShareUpdateExclusive", "None")]
    [InlineData(PgStatementKind.DropIndexConcurrently, "ShareUpdateExclusive", "None")]
    [InlineData(PgStatementKind.CreateIndex, "Share", "None")]
    [InlineData(PgStatementKind.Comment, "ShareUpdateExclusive", "None")]
    [InlineData(PgStatementKind.BackfillBatch, "RowExclusive", "None")]
    [InlineData(PgStatementKind.AlterColumnTypeRewrite, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.AddExclusionConstraint, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.AlterConstraintDeferrability, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.AddGeneratedColumn, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.ReplaceGeneratedColumn, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.DropGeneratedExpression, "AccessExclusive", "None")]
    [InlineData(PgStatementKind.CreateIndexOnOnlyParent, "Share", "None")]
    [InlineData(PgStatementKind.AttachIndexPartition, "AccessShare", "AccessShare")]
    public void Observed_modes(PgStatementKind kind, string mode, string referenced)
    {
        var rule = PostgresLockRules.For(kind, 15);
        Assert.Equal(PgLock.Parse(mode), rule.Mode);
        Assert.Equal(PgLock.Parse(referenced), rule.ReferencedMode);
    }

    [Fact]
    public void Unknown_server_is_planned_as_pg12()
    {
        Assert.Equal(12, PostgresLockRules.MajorOf(null));
        Assert.Equal(15, PostgresLockRules.MajorOf(new Pipeline.Core.Model.ServerInfo("postgres", 150018, "15.18")));
    }
}
