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
    [InlineData(PgStatementKind.ValidateCheck, LockMode.ShareUpdateExclusive, LockMode.None)]
    [InlineData(PgStatementKind.ValidateForeignKey, LockMode.ShareUpdateExclusive, LockMode.RowShare)]
    [InlineData(PgStatementKind.AddForeignKeyNotValid, LockMode.ShareRowExclusive, LockMode.ShareRowExclusive)]
    [InlineData(PgStatementKind.DropForeignKey, LockMode.AccessExclusive, LockMode.AccessExclusive)]
    [InlineData(PgStatementKind.CreateIndexConcurrently, LockMode.ShareUpdateExclusive, LockMode.None)]
    [InlineData(PgStatementKind.DropIndexConcurrently, LockMode.ShareUpdateExclusive, LockMode.None)]
    [InlineData(PgStatementKind.CreateIndex, LockMode.Share, LockMode.None)]
    [InlineData(PgStatementKind.Comment, LockMode.ShareUpdateExclusive, LockMode.None)]
    [InlineData(PgStatementKind.BackfillBatch, LockMode.RowExclusive, LockMode.None)]
    [InlineData(PgStatementKind.AlterColumnTypeRewrite, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.AddExclusionConstraint, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.AlterConstraintDeferrability, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.AddGeneratedColumn, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.ReplaceGeneratedColumn, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.DropGeneratedExpression, LockMode.AccessExclusive, LockMode.None)]
    [InlineData(PgStatementKind.CreateIndexOnOnlyParent, LockMode.Share, LockMode.None)]
    [InlineData(PgStatementKind.AttachIndexPartition, LockMode.AccessShare, LockMode.AccessShare)]
    public void Observed_modes(PgStatementKind kind, LockMode mode, LockMode referenced)
    {
        var rule = PostgresLockRules.For(kind, 15);
        Assert.Equal(mode, rule.Mode);
        Assert.Equal(referenced, rule.ReferencedMode);
    }

    [Fact]
    public void Unknown_server_is_planned_as_pg12()
    {
        Assert.Equal(12, PostgresLockRules.MajorOf(null));
        Assert.Equal(15, PostgresLockRules.MajorOf(new Pipeline.Core.Model.ServerInfo("postgres", 150018, "15.18")));
    }
}
