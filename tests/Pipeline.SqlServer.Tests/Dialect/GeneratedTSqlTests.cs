using Microsoft.SqlServer.TransactSql.ScriptDom;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Tests.Fixtures;
using Xunit;
using static Pipeline.SqlServer.Tests.Dialect.PlanHarness;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>
/// Offline oracles for the generated T-SQL: every statement of a broad set of change sets, on every target, parses with
/// ScriptDom's newest parser with zero errors; the desired model rendered as CREATE statements loads into a DacFx
/// <c>TSqlModel</c> and validates with no error.
/// </summary>
public sealed class GeneratedTSqlTests(ITestOutputHelper output)
{
    private static readonly (string? Version, string? Edition)[] Targets =
        [(null, null), ("2016", "Standard"), ("2017", "Enterprise"), ("2019", "Enterprise"), ("2022", "Developer"), ("2025", "Enterprise"), (null, "Azure")];

    /// <summary>A desired model that exercises every statement kind the dialect writes for an existing schema.</summary>
    private static DatabaseModel BroadChange()
    {
        var desired = Change(Actual, "Customer", t => AddColumn(AddColumn(AddColumn(SetColumn(SetColumn(t,
                "Score", c => c with { Type = "bigint" }),
                "Code", c => c with { Type = "varchar(50)", Default = "'none'", Comment = "Customer's code" }),
            new ColumnModel("Phone", "varchar(32)", true, Backfill: "N'unknown'")),
            new ColumnModel("Active", "bit", false, "1")),
            new ColumnModel("Token", "uniqueidentifier", false, "newid()")) with
        {
            Comment = "People who buy",
            Uniques = [new UniqueConstraintModel("UQ_Customer_Email", ["Email"])],
            Checks = [new CheckConstraintModel("CK_Customer_Score", "[Score] >= 0")],
        });
        desired = Change(desired, "Orders", t => SetColumn(t, "Note", c => c with { Type = "nvarchar(100)", Nullable = false, Backfill = "N''" }) with
        {
            Columns = t.Columns.Where(c => c.Name != "Status").Select(c => c.Name == "Note" ? c with { Type = "nvarchar(100)", Nullable = false, Backfill = "N''" } : c).ToList(),
            Indexes = [new IndexModel("IX_Orders_Customer", [IndexKeyModel.OfColumn("CustomerId"), new IndexKeyModel("Total", Descending: true)], Include: ["Note"], Where: "[Total] > 0")],
            ForeignKeys = [new ForeignKeyModel("FK_Orders_Customer", ["CustomerId"], "dbo", "Customer", ["Id"], OnDelete: "cascade")],
        });
        var invoice = new TableModel("Invoice",
            [new ColumnModel("Id", "int", false, Identity: IdentityKind.Always, IdentitySeed: 10, IdentityIncrement: 10), new ColumnModel("OrderId", "bigint", false), new ColumnModel("Amount", "money", false, "0")],
            new PrimaryKeyModel("PK_Invoice", ["Id"], Clustered: true),
            Indexes: [new IndexModel("IX_Invoice_Order", [IndexKeyModel.OfColumn("OrderId")])],
            ForeignKeys: [new ForeignKeyModel("FK_Invoice_Order", ["OrderId"], "dbo", "Orders", ["Id"])],
            Comment: "Bills; it's new");
        return desired with
        {
            Schemas = [.. desired.Schemas.Select(s => s with { Tables = [.. s.Tables, invoice] }), new SchemaModel("billing", [], [])],
        };
    }

    [Fact]
    public void Every_generated_statement_parses_with_TSql170Parser()
    {
        var dialect = new SqlServerDialect();
        var statements = 0;
        foreach (var (version, edition) in Targets)
        {
            foreach (var allow in new[] { false, true })
            {
                var plan = Plan(BroadChange(), version: version, edition: edition, allowDataLoss: allow);
                Assert.True(plan.Steps.Count >= 20, $"{version}/{edition}: only {plan.Steps.Count} steps");
                foreach (var sql in plan.Steps.Select(s => s.Sql).Append(dialect.LockTimeoutStatement(2000)))
                {
                    var parser = TSqlParsers.Create();
                    using var reader = new StringReader(sql);
                    parser.Parse(reader, out var errors);
                    Assert.True(errors.Count == 0, $"{version}/{edition}: {string.Join("; ", errors.Select(e => $"{e.Line}:{e.Column} {e.Message}"))}\n{sql}");
                    statements++;
                }
            }
        }

        output.WriteLine($"{statements} statements parsed with zero errors over {Targets.Length} targets");
    }

    [Fact]
    public void The_broad_change_set_is_phased_and_labelled_in_SQL_Server_terms()
    {
        var plan = Plan(BroadChange(), version: "2022", edition: "Enterprise", allowDataLoss: true);

        foreach (var s in plan.Steps)
        {
            output.WriteLine($"{s.Ordinal,3} {s.Phase,-8} {s.Impact.StrongestMode,-6} {s.Impact.Work,-12} {s.Impact.Risk,-6} {s.Summary}");
        }

        Assert.All(plan.Steps.SelectMany(s => s.Impact.Locks), l => Assert.Equal(SqlServerLock.Dialect, l.Mode.Dialect));
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Backfill && s.Summary.Contains("Phone", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Sql == "ALTER TABLE [dbo].[Orders] DROP COLUMN [Status];");
        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Sql == "ALTER TABLE [dbo].[Orders] WITH CHECK CHECK CONSTRAINT [FK_Orders_Customer];");
        Assert.Contains(plan.Steps, s => s.Sql.StartsWith("IF SCHEMA_ID(N'billing') IS NULL", StringComparison.Ordinal));
        // The default travels with the type change (no separate AlterColumnDefault): widening replaces it too.
        Assert.Contains(plan.Steps, s => s.Sql == "ALTER TABLE [dbo].[Customer] ADD CONSTRAINT [DF_Customer_Code] DEFAULT ('none') FOR [Code];");
        Assert.DoesNotContain(plan.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_desired_model_renders_to_T_SQL_that_DacFx_validates()
    {
        var script = SqlServerDialect.RenderDesiredModel(BroadChange());

        using var model = DacpacBuilder.BuildModel(script);

        Assert.NotEmpty(model.GetObjects(Microsoft.SqlServer.Dac.Model.DacQueryScopes.UserDefined, Microsoft.SqlServer.Dac.Model.Table.TypeClass));
    }

    [Theory]
    [InlineData("northwind")]
    [InlineData("chinook")]
    [InlineData("adventureworks")]
    public void A_corpus_inspected_to_YAML_renders_back_to_T_SQL_that_DacFx_validates(string corpus)
    {
        var built = SqlServerCorpus.Get(corpus);
        var desired = SchemaYamlLoader.Load(SchemaYamlWriter.Write(built.Model), corpus + ".schema.yaml");

        // Alias types (CREATE TYPE dbo.Name FROM nvarchar(50)) and XML schema collections are not modelled: the corpus's
        // own statements for them come first.
        var types = built.Script.Kept.Where(s => s.Kind is "CreateTypeUddt" or "CreateXmlSchemaCollection").Select(s => s.Text + "\nGO\n");
        var script = string.Concat(types) + SqlServerDialect.RenderDesiredModel(desired);
        using var model = DacpacBuilder.BuildModel(script);

        var tables = model.GetObjects(Microsoft.SqlServer.Dac.Model.DacQueryScopes.UserDefined, Microsoft.SqlServer.Dac.Model.Table.TypeClass).Count();
        Assert.Equal(desired.Schemas.Sum(s => s.Tables.Count), tables);
        output.WriteLine($"{corpus}: {tables} tables rendered ({script.Length} chars) and validated by DacFx");
    }
}
