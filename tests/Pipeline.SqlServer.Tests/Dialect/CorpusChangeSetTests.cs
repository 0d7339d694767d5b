using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;
using Pipeline.SqlServer.Tests.Fixtures;
using Xunit;
using static Pipeline.SqlServer.Tests.Dialect.PlanHarness;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>Realistic change sets on the corpora (schemas nobody here wrote, built into dacpacs and read back): the
/// expected phased steps, written by hand.</summary>
public sealed class CorpusChangeSetTests
{
    [Fact]
    public void Northwind_on_Standard_new_not_null_column_index_and_freight_made_not_null()
    {
        var actual = SqlServerCorpus.Get("northwind").Model;
        var desired = Change(actual, "Orders", t => AddColumn(SetColumn(t, "Freight", c => c with { Nullable = false, Backfill = "0" }),
            new ColumnModel("Priority", "tinyint", false, "0")) with
        {
            Indexes = [.. t.Indexes, new IndexModel("IX_Orders_ShipCountry", [IndexKeyModel.OfColumn("ShipCountry")])],
        });

        var plan = Plan(desired, actual, "2019", "Standard");

        Assert.Equal(
            [
                (Phase.Expand, "add column dbo.Orders.Priority (nullable first)"),
                (Phase.Expand, "create index IX_Orders_ShipCountry on dbo.Orders (offline: blocks writes)"),
                (Phase.Backfill, "backfill dbo.Orders.Priority in batches of 1000"),
                (Phase.Backfill, "backfill NULLs of dbo.Orders.Freight in batches of 1000"),
                (Phase.Contract, "set not null on dbo.Orders.Priority"),
                (Phase.Contract, "set not null on dbo.Orders.Freight"),
            ],
            plan.Steps.Select(s => (s.Phase, s.Summary)));
        Assert.Contains(plan.Steps, s => s.Sql == "ALTER TABLE [dbo].[Orders] ADD [Priority] tinyint NULL CONSTRAINT [DF_Orders_Priority] DEFAULT (0);");
        Assert.Contains(plan.Steps, s => s.Sql == "CREATE NONCLUSTERED INDEX [IX_Orders_ShipCountry] ON [dbo].[Orders] ([ShipCountry]);");
        Assert.Contains(plan.Steps, s => s.Sql.Contains("UPDATE [dbo].[Orders] SET [Freight] = 0 WHERE (@last IS NULL OR [OrderID] > @last) AND [OrderID] <= @next AND [Freight] IS NULL;", StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Sql == "ALTER TABLE [dbo].[Orders] ALTER COLUMN [Freight] money NOT NULL;");
        Assert.Contains(plan.Steps, s => s.Sql == "ALTER TABLE [dbo].[Orders] ALTER COLUMN [Priority] tinyint NOT NULL;");
        Assert.Contains(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.OfflineIndexBuild);
    }

    [Fact]
    public void Northwind_on_Enterprise_2019_the_same_column_is_one_metadata_step_and_the_index_is_online()
    {
        var actual = SqlServerCorpus.Get("northwind").Model;
        var desired = Change(actual, "Orders", t => AddColumn(t, new ColumnModel("Priority", "tinyint", false, "0")) with
        {
            Indexes = [.. t.Indexes, new IndexModel("IX_Orders_ShipCountry", [IndexKeyModel.OfColumn("ShipCountry")])],
        });

        var plan = Plan(desired, actual, "2019", "Enterprise");

        Assert.Equal(
            [
                "ALTER TABLE [dbo].[Orders] ADD [Priority] tinyint NOT NULL CONSTRAINT [DF_Orders_Priority] DEFAULT (0);",
                "CREATE NONCLUSTERED INDEX [IX_Orders_ShipCountry] ON [dbo].[Orders] ([ShipCountry]) WITH (ONLINE = ON, RESUMABLE = ON);",
            ],
            plan.Steps.Select(s => s.Sql));
        Assert.All(plan.Steps, s => Assert.Equal(Phase.Expand, s.Phase));
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.OfflineIndexBuild || d.Code == SqlServerPlanCodes.TargetAssumed);
    }

    [Fact]
    public void Chinook_nullable_column_and_foreign_key_with_the_dacpac_target_and_edition_unknown()
    {
        var actual = SqlServerCorpus.Get("chinook").Model;
        var desired = Change(actual, "Track", t => AddColumn(t, new ColumnModel("Rating", "tinyint", true)) with
        {
            Checks = [.. t.Checks, new CheckConstraintModel("CK_Track_Rating", "[Rating] BETWEEN 1 AND 5")],
        });

        var plan = Plan(desired, actual);

        Assert.Equal(
            [
                (Phase.Expand, "ALTER TABLE [dbo].[Track] ADD [Rating] tinyint NULL;"),
                (Phase.Expand, "ALTER TABLE [dbo].[Track] WITH NOCHECK ADD CONSTRAINT [CK_Track_Rating] CHECK ([Rating] BETWEEN 1 AND 5);"),
                (Phase.Contract, "ALTER TABLE [dbo].[Track] WITH CHECK CHECK CONSTRAINT [CK_Track_Rating];"),
            ],
            plan.Steps.Select(s => (s.Phase, s.Sql)));
        var assumed = Assert.Single(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.TargetAssumed);
        Assert.Contains("SQL Server 2022 (16.x), edition unknown", assumed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdventureWorks_index_on_Azure_is_online_resumable_and_waits_at_low_priority()
    {
        var actual = SqlServerCorpus.Get("adventureworks").Model;
        var header = actual.FindTable("Sales", "SalesOrderHeader")!;
        var desired = actual with
        {
            Server = null,
            Schemas = actual.Schemas.Select(s => s.Name != "Sales" ? s : s with
            {
                Tables = s.Tables.Select(t => t.Name != "SalesOrderHeader" ? t : t with
                {
                    Indexes = [.. header.Indexes, new IndexModel("IX_SalesOrderHeader_ShipDate", [IndexKeyModel.OfColumn("ShipDate")], Include: ["Status"])],
                }).ToList(),
            }).ToList(),
        };

        var plan = Plan(desired, actual, edition: "Azure SQL Database");

        var step = Assert.Single(plan.Steps);
        Assert.Equal("CREATE NONCLUSTERED INDEX [IX_SalesOrderHeader_ShipDate] ON [Sales].[SalesOrderHeader] ([ShipDate]) INCLUDE ([Status]) WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON);", step.Sql);
        Assert.Equal("IS", step.Impact.StrongestMode.DisplayName);
    }

    [Fact]
    public void A_nullability_change_keeps_the_column_collation()
    {
        using var model = DacpacBuilder.BuildModel("""
            CREATE TABLE dbo.Tag (Id int NOT NULL CONSTRAINT PK_Tag PRIMARY KEY, Code varchar(20) COLLATE Latin1_General_BIN2 NULL);
            GO
            """);
        var actual = DacpacReader.Read(model);
        var desired = Change(actual, "Tag", t => SetColumn(t, "Code", c => c with { Nullable = false, Backfill = "'?'" }));

        var plan = Plan(desired, actual);

        Assert.Equal("ALTER TABLE [dbo].[Tag] ALTER COLUMN [Code] varchar(20) COLLATE Latin1_General_BIN2 NOT NULL;", plan.Steps[^1].Sql);
    }

    [Fact]
    public void An_index_including_a_LOB_column_is_online_but_not_resumable()
    {
        using var model = DacpacBuilder.BuildModel("""
            CREATE TABLE dbo.Doc (Id int NOT NULL CONSTRAINT PK_Doc PRIMARY KEY, Kind tinyint NOT NULL, Body nvarchar(max) NULL);
            GO
            """);
        var actual = DacpacReader.Read(model);
        var desired = Change(actual, "Doc", t => t with { Indexes = [new IndexModel("IX_Doc_Kind", [IndexKeyModel.OfColumn("Kind")], Include: ["Body"])] });

        var plan = Plan(desired, actual, "2019", "Enterprise");

        Assert.Equal("CREATE NONCLUSTERED INDEX [IX_Doc_Kind] ON [dbo].[Doc] ([Kind]) INCLUDE ([Body]) WITH (ONLINE = ON);", Assert.Single(plan.Steps).Sql);
        Assert.True(plan.Steps[0].Transactional);
    }

    [Fact]
    public void Northwind_order_details_composite_key_backfill_walks_the_key_in_keyset_batches()
    {
        var actual = SqlServerCorpus.Get("northwind").Model;
        var desired = Change(actual, "Order Details", t => AddColumn(t, new ColumnModel("LineTotal", "money", false, Backfill: "[UnitPrice] * [Quantity]")));

        var plan = Plan(desired, actual, "2019", "Standard");

        Assert.Equal(
            [
                (Phase.Expand, "add column dbo.Order Details.LineTotal (nullable first)"),
                (Phase.Backfill, "backfill dbo.Order Details.LineTotal in batches of 1000"),
                (Phase.Contract, "set not null on dbo.Order Details.LineTotal"),
            ],
            plan.Steps.Select(s => (s.Phase, s.Summary)));
        Assert.Equal("""
            SET NOCOUNT ON;
            DECLARE @l1 int, @n1 int, @l2 int, @n2 int, @started bit = 0, @done bit = 0;
            WHILE @done = 0
            BEGIN
                SELECT TOP (1) @n1 = b.k1, @n2 = b.k2 FROM (SELECT TOP (1000) [OrderID] AS k1, [ProductID] AS k2 FROM [dbo].[Order Details] WHERE @started = 0 OR ([OrderID] > @l1 OR ([OrderID] = @l1 AND [ProductID] > @l2)) ORDER BY [OrderID], [ProductID]) AS b ORDER BY b.k1 DESC, b.k2 DESC;
                IF @@ROWCOUNT = 0
                    SET @done = 1;
                ELSE
                BEGIN
                    BEGIN TRANSACTION;
                    UPDATE [dbo].[Order Details] SET [LineTotal] = [UnitPrice] * [Quantity] WHERE (@started = 0 OR ([OrderID] > @l1 OR ([OrderID] = @l1 AND [ProductID] > @l2))) AND ([OrderID] < @n1 OR ([OrderID] = @n1 AND [ProductID] <= @n2)) AND [LineTotal] IS NULL;
                    COMMIT TRANSACTION;
                    SELECT @l1 = @n1, @l2 = @n2, @started = 1;
                END;
            END;
            """, plan.Steps[1].Sql);
        Assert.Equal(["OrderID", "ProductID"], plan.Steps[1].Backfill!.KeyColumns);
        using var reader = new StringReader(plan.Steps[1].Sql);
        TSqlParsers.Create().Parse(reader, out var errors);
        Assert.Empty(errors);
    }
}
