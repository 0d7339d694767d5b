using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.SqlServer.Dialect;
using Xunit;
using static Pipeline.SqlServer.Tests.Dialect.PlanHarness;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>Realistic changes on a small schema read through DacFx: the phased steps, their T-SQL (expected text
/// written by hand) and their lock impact in SQL Server's terms, per version and edition.</summary>
public sealed class SqlServerDialectPlanTests
{
    private static readonly IndexModel CustomerIndex = new("IX_Orders_Customer", [IndexKeyModel.OfColumn("CustomerId")], Include: ["Total"]);

    private static (Phase, string)[] Steps(MigrationPlan plan) => plan.Steps.Select(s => (s.Phase, s.Sql)).ToArray();

    [Fact]
    public void A_nullable_column_is_one_metadata_step_in_expand()
    {
        var plan = Plan(Change(Actual, "Customer", t => AddColumn(t, new ColumnModel("Phone", "varchar(32)", true))));

        var step = Assert.Single(plan.Steps);
        Assert.Equal((Phase.Expand, "ALTER TABLE [dbo].[Customer] ADD [Phone] varchar(32) NULL;"), (step.Phase, step.Sql));
        Assert.Equal(SqlServerLock.SchemaModification, step.Impact.StrongestMode);
        Assert.Equal((TableWork.CatalogOnly, RiskLevel.Low), (step.Impact.Work, step.Impact.Risk));
    }

    [Fact]
    public void Not_null_with_a_constant_default_is_metadata_only_on_Enterprise()
    {
        var desired = Change(Actual, "Customer", t => AddColumn(t, new ColumnModel("Active", "bit", false, "1")));

        var plan = Plan(desired, version: "2019", edition: "Enterprise");

        var step = Assert.Single(plan.Steps);
        Assert.Equal((Phase.Expand, "ALTER TABLE [dbo].[Customer] ADD [Active] bit NOT NULL CONSTRAINT [DF_Customer_Active] DEFAULT (1);"), (step.Phase, step.Sql));
        Assert.Equal(TableWork.CatalogOnly, step.Impact.Work);
        Assert.Contains("metadata-only", step.Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2019", "Standard", "1")]
    [InlineData("2019", "Enterprise", "newid()")]
    [InlineData(null, null, "1")]
    public void Otherwise_nullable_then_batched_backfill_then_not_null_in_contract(string? version, string? edition, string value)
    {
        var type = value == "1" ? "bit" : "uniqueidentifier";
        var desired = Change(Actual, "Customer", t => AddColumn(t, new ColumnModel("Active", type, false, value)));

        var plan = Plan(desired, version: version, edition: edition);

        Assert.Equal([Phase.Expand, Phase.Backfill, Phase.Contract], plan.Steps.Select(s => s.Phase));
        Assert.Equal($"ALTER TABLE [dbo].[Customer] ADD [Active] {type} NULL CONSTRAINT [DF_Customer_Active] DEFAULT ({value});", plan.Steps[0].Sql);
        var backfill = plan.Steps[1];
        Assert.Equal(StepKind.Backfill, backfill.Kind);
        Assert.False(backfill.Transactional);
        Assert.Contains("SELECT @next = MAX(b.k) FROM (SELECT TOP (1000) [Id] AS k FROM [dbo].[Customer] WHERE @last IS NULL OR [Id] > @last ORDER BY [Id]) AS b;", backfill.Sql, StringComparison.Ordinal);
        Assert.Contains($"UPDATE [dbo].[Customer] SET [Active] = {value} WHERE (@last IS NULL OR [Id] > @last) AND [Id] <= @next AND [Active] IS NULL;", backfill.Sql, StringComparison.Ordinal);
        Assert.Contains("BEGIN TRANSACTION;", backfill.Sql, StringComparison.Ordinal);
        Assert.Equal(SqlServerLock.IntentExclusive, backfill.Impact.StrongestMode);
        Assert.Equal($"ALTER TABLE [dbo].[Customer] ALTER COLUMN [Active] {type} NOT NULL;", plan.Steps[2].Sql);
        Assert.Equal((TableWork.Scan, "Sch-M"), (plan.Steps[2].Impact.Work, plan.Steps[2].Impact.StrongestMode.DisplayName));
    }

    [Theory]
    [InlineData("2022", "Enterprise", " WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON)", "IS")]
    [InlineData("2019", "Developer", " WITH (ONLINE = ON, RESUMABLE = ON)", "IS")]
    [InlineData("2017", "Enterprise", " WITH (ONLINE = ON)", "IS")]
    [InlineData("2016", "Azure SQL Database", " WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON)", "IS")]
    [InlineData("2022", "Standard", "", "S")]
    public void Index_builds_are_online_resumable_and_polite_only_where_the_target_allows(string version, string edition, string options, string mode)
    {
        var plan = Plan(Change(Actual, "Orders", t => t with { Indexes = [CustomerIndex] }), version: version, edition: edition);

        var step = Assert.Single(plan.Steps);
        Assert.Equal($"CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [dbo].[Orders] ([CustomerId]) INCLUDE ([Total]){options};", step.Sql);
        Assert.Equal(mode, step.Impact.StrongestMode.DisplayName);
        Assert.Equal(options.Contains("RESUMABLE", StringComparison.Ordinal), !step.Transactional);
        Assert.Equal(options.Length == 0, plan.Diagnostics.Any(d => d.Code == SqlServerPlanCodes.OfflineIndexBuild));
    }

    [Fact]
    public void An_offline_build_of_unknown_size_says_so_and_is_rated_by_the_statement()
    {
        var plan = Plan(Change(Actual, "Orders", t => t with { Indexes = [CustomerIndex] }));

        var step = Assert.Single(plan.Steps);
        Assert.Equal(RiskLevel.High, step.Impact.Risk);
        Assert.Contains("Table size unknown", step.Why, StringComparison.Ordinal);
        Assert.Contains(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.OfflineIndexBuild && d.Message.Contains("unknown time", StringComparison.Ordinal));
        Assert.Contains(plan.Diagnostics, d => d.Code == DiagnosticCodes.LongBlockingLock);
    }

    [Fact]
    public void With_statistics_the_offline_build_is_estimated_from_the_size()
    {
        var actual = WithStats(1_000_000, 900_000_000);

        var plan = Plan(Change(actual, "Orders", t => t with { Indexes = [CustomerIndex] }), actual, "2022", "Standard");

        var step = Assert.Single(plan.Steps);
        // DurationModel.Default: 5 ms + 900,000,000 bytes / 90,000 bytes per ms (index build) = 10,005 ms.
        Assert.Equal(10_005, step.Impact.EstimatedMs, 0);
        Assert.DoesNotContain("size unknown", step.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Foreign_keys_are_added_with_nocheck_and_validated_in_contract()
    {
        var fk = new ForeignKeyModel("FK_Orders_Customer", ["CustomerId"], "dbo", "Customer", ["Id"]);

        var plan = Plan(Change(Actual, "Orders", t => t with { ForeignKeys = [fk] }));

        Assert.Equal(
            [
                (Phase.Expand, "ALTER TABLE [dbo].[Orders] WITH NOCHECK ADD CONSTRAINT [FK_Orders_Customer] FOREIGN KEY ([CustomerId]) REFERENCES [dbo].[Customer] ([Id]);"),
                (Phase.Contract, "ALTER TABLE [dbo].[Orders] WITH CHECK CHECK CONSTRAINT [FK_Orders_Customer];"),
            ],
            Steps(plan));
        Assert.Contains("optimizer ignores it", plan.Steps[1].Why, StringComparison.Ordinal);
        Assert.Equal(StepKind.Validate, plan.Steps[1].Kind);
    }

    [Fact]
    public void Checks_are_added_with_nocheck_and_validated_in_contract()
    {
        var plan = Plan(Change(Actual, "Orders", t => t with { Checks = [new CheckConstraintModel("CK_Orders_Total", "[Total] >= 0")] }));

        Assert.Equal(
            [
                (Phase.Expand, "ALTER TABLE [dbo].[Orders] WITH NOCHECK ADD CONSTRAINT [CK_Orders_Total] CHECK ([Total] >= 0);"),
                (Phase.Contract, "ALTER TABLE [dbo].[Orders] WITH CHECK CHECK CONSTRAINT [CK_Orders_Total];"),
            ],
            Steps(plan));
    }

    [Fact]
    public void A_converting_type_change_drops_and_recreates_the_index_and_is_reported_as_a_rewrite()
    {
        var plan = Plan(Change(Actual, "Customer", t => SetColumn(t, "Score", c => c with { Type = "bigint" })));

        Assert.Equal(
            [
                (Phase.Expand, "DROP INDEX IF EXISTS [IX_Customer_Score] ON [dbo].[Customer];"),
                (Phase.Expand, "ALTER TABLE [dbo].[Customer] ALTER COLUMN [Score] bigint NULL;"),
                (Phase.Expand, "CREATE NONCLUSTERED INDEX [IX_Customer_Score] ON [dbo].[Customer] ([Score]);"),
            ],
            Steps(plan));
        var alter = plan.Steps[1];
        Assert.Equal((TableWork.Rewrite, RiskLevel.High, "Sch-M"), (alter.Impact.Work, alter.Impact.Risk, alter.Impact.StrongestMode.DisplayName));
        Assert.Contains(plan.Diagnostics, d => d.Code == DiagnosticCodes.LongBlockingLock && d.Message.Contains("rewrites", StringComparison.Ordinal));
    }

    [Fact]
    public void On_Enterprise_an_unindexed_type_change_runs_online_but_is_still_a_rewrite()
    {
        var plan = Plan(Change(Actual, "Orders", t => SetColumn(t, "Note", c => c with { Type = "nvarchar(100)" })), version: "2019", edition: "Enterprise");

        var step = Assert.Single(plan.Steps);
        Assert.Equal("ALTER TABLE [dbo].[Orders] ALTER COLUMN [Note] nvarchar(100) NULL WITH (ONLINE = ON);", step.Sql);
        Assert.Equal((TableWork.Rewrite, RiskLevel.High), (step.Impact.Work, step.Impact.Risk));
    }

    [Fact]
    public void A_type_change_with_a_default_drops_and_restores_the_default()
    {
        var plan = Plan(Change(Actual, "Orders", t => SetColumn(t, "Total", c => c with { Type = "decimal(14, 2)" })));

        Assert.Equal(3, plan.Steps.Count);
        Assert.Contains("FROM sys.default_constraints", plan.Steps[0].Sql, StringComparison.Ordinal);
        Assert.Equal("ALTER TABLE [dbo].[Orders] ALTER COLUMN [Total] decimal(14, 2) NOT NULL;", plan.Steps[1].Sql);
        Assert.StartsWith("ALTER TABLE [dbo].[Orders] ADD CONSTRAINT [DF_Orders_Total] DEFAULT (", plan.Steps[2].Sql, StringComparison.Ordinal);
        Assert.EndsWith(") FOR [Total];", plan.Steps[2].Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Widening_a_varchar_is_metadata_only()
    {
        var plan = Plan(Change(Actual, "Customer", t => SetColumn(t, "Code", c => c with { Type = "varchar(50)" })));

        var step = Assert.Single(plan.Steps);
        Assert.Equal("ALTER TABLE [dbo].[Customer] ALTER COLUMN [Code] varchar(50) NULL;", step.Sql);
        Assert.Equal((TableWork.CatalogOnly, RiskLevel.Low), (step.Impact.Work, step.Impact.Risk));
    }

    [Fact]
    public void A_primary_key_column_type_change_is_refused_not_guessed()
    {
        var plan = Plan(Change(Actual, "Customer", t => SetColumn(t, "Id", c => c with { Type = "bigint" })));

        Assert.Empty(plan.Steps);
        Assert.Contains(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.KeyColumnTypeChange && d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void Drops_are_blocked_unless_allowed_and_drop_the_default_first()
    {
        var desired = Change(Actual, "Orders", t => t with { Columns = t.Columns.Where(c => c.Name != "Total").ToList() });

        var blocked = Plan(desired);
        var allowed = Plan(desired, allowDataLoss: true);

        Assert.All(blocked.Steps, s => Assert.True(s.Blocked));
        Assert.Contains(blocked.Diagnostics, d => d.Code == DiagnosticCodes.DataLossBlocked);
        Assert.Equal([Phase.Contract, Phase.Contract], allowed.Steps.Select(s => s.Phase));
        Assert.Contains("DROP CONSTRAINT ", allowed.Steps[0].Sql, StringComparison.Ordinal);
        Assert.Equal("ALTER TABLE [dbo].[Orders] DROP COLUMN [Total];", allowed.Steps[1].Sql);
    }

    [Fact]
    public void A_new_table_with_SQL_Server_features_and_its_foreign_key()
    {
        var invoice = new TableModel("Invoice",
            [
                new ColumnModel("Id", "int", false, Identity: IdentityKind.Always, IdentitySeed: 100, IdentityIncrement: 5),
                new ColumnModel("OrderId", "bigint", false),
                new ColumnModel("Number", "varchar(20)", false),
                new ColumnModel("Amount", "decimal(12, 2)", false, "0"),
            ],
            new PrimaryKeyModel("PK_Invoice", ["Id"]),
            Uniques: [new UniqueConstraintModel("UQ_Invoice_Number", ["Number"], Clustered: true)],
            ForeignKeys: [new ForeignKeyModel("FK_Invoice_Order", ["OrderId"], "dbo", "Orders", ["Id"], OnDelete: "cascade")],
            Checks: [new CheckConstraintModel("CK_Invoice_Amount", "Amount >= 0")]);
        var desired = Actual with { Server = null, Schemas = Actual.Schemas.Select(s => s with { Tables = [.. s.Tables, invoice] }).ToList() };

        var plan = Plan(desired);

        Assert.Equal(
            [
                (Phase.Expand, """
                    CREATE TABLE [dbo].[Invoice] (
                        [Id] int IDENTITY(100, 5) NOT NULL,
                        [OrderId] bigint NOT NULL,
                        [Number] varchar(20) NOT NULL,
                        [Amount] decimal(12, 2) NOT NULL CONSTRAINT [DF_Invoice_Amount] DEFAULT (0),
                        CONSTRAINT [PK_Invoice] PRIMARY KEY NONCLUSTERED ([Id]),
                        CONSTRAINT [UQ_Invoice_Number] UNIQUE CLUSTERED ([Number]),
                        CONSTRAINT [CK_Invoice_Amount] CHECK (Amount >= 0)
                    );
                    """.Replace("\r\n", "\n", StringComparison.Ordinal)),
                (Phase.Expand, "ALTER TABLE [dbo].[Invoice] ADD CONSTRAINT [FK_Invoice_Order] FOREIGN KEY ([OrderId]) REFERENCES [dbo].[Orders] ([Id]) ON DELETE CASCADE;"),
            ],
            Steps(plan));
        Assert.All(plan.Steps, s => Assert.Equal(RiskLevel.Low, s.Impact.Risk));
    }

    [Fact]
    public void Enum_types_have_no_SQL_Server_equivalent()
    {
        var desired = Actual with
        {
            Server = null,
            Schemas = Actual.Schemas.Select(s => s with { Enums = [new EnumTypeModel("status", ["new", "paid"])] }).ToList(),
        };

        var plan = Plan(desired);

        Assert.Empty(plan.Steps);
        Assert.Contains(plan.Diagnostics, d => d.Code == SqlServerPlanCodes.NoEquivalent && d.Message.Contains("CHECK constraint", StringComparison.Ordinal));
    }

    [Fact]
    public void Scripts_are_sqlcmd_scripts_with_a_lock_timeout_before_each_DDL_and_GO_after_each_statement()
    {
        var dialect = new SqlServerDialect();
        var plan = Plan(Change(Actual, "Customer", t => AddColumn(t, new ColumnModel("Phone", "varchar(32)", true))));

        var script = ScriptWriter.Write(plan, Phase.Expand, dialect).Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.Contains(":on error exit\nSET XACT_ABORT ON;", script, StringComparison.Ordinal);
        Assert.Contains("SET LOCK_TIMEOUT 2000;\nALTER TABLE [dbo].[Customer] ADD [Phone] varchar(32) NULL;\nGO\n", script, StringComparison.Ordinal);
        Assert.Equal("sqlcmd -b -i 01-expand.sql", dialect.Scripts.RunCommand("01-expand.sql"));
        Assert.Equal("dbo", ((IMigrationDialect)dialect).DefaultSchema);
    }

    [Fact]
    public void Change_dependencies_put_drops_before_and_creations_after_an_ALTER_COLUMN()
    {
        var actual = Actual.FindTable("dbo", "Customer")!;
        var table = new QualifiedName("dbo", "Customer");
        var score = actual.FindColumn("Score")!;
        var alter = new AlterColumnType(table, score, score with { Type = "bigint" }, null, actual);
        var drop = new DropIndex(table, actual.Indexes[0], null);
        var create = new CreateIndex(table, new IndexModel("IX_Customer_Score2", [IndexKeyModel.OfColumn("Score")]), actual);
        var unrelated = new CreateIndex(table, new IndexModel("IX_Customer_Email", [IndexKeyModel.OfColumn("Email")]), actual);
        var notNull = new SetNotNull(table, score with { Type = "bigint", Nullable = false }, actual);

        var pairs = new SqlServerDialect().ChangeDependencies([alter, drop, create, unrelated, notNull]).ToList();

        Assert.Equal(5, pairs.Count);
        Assert.Contains(((SchemaChange)notNull, (SchemaChange)create), pairs);
        Assert.Contains(((SchemaChange)drop, (SchemaChange)alter), pairs);
        Assert.Contains(((SchemaChange)alter, (SchemaChange)create), pairs);
        Assert.Contains(((SchemaChange)alter, (SchemaChange)notNull), pairs);
        Assert.Contains(((SchemaChange)drop, (SchemaChange)notNull), pairs);
        Assert.DoesNotContain(pairs, p => ReferenceEquals(p.After, unrelated) || ReferenceEquals(p.Before, unrelated));
    }

    [Fact]
    public void A_plain_index_drop_moves_from_contract_into_expand_before_the_type_change_that_needs_it_gone()
    {
        var desired = Change(Actual, "Customer", t => SetColumn(t, "Score", c => c with { Type = "bigint" }) with { Indexes = [] });

        var plan = Plan(desired, version: "2022", edition: "Enterprise");

        Assert.Equal(
            [
                (Phase.Expand, "DROP INDEX [IX_Customer_Score] ON [dbo].[Customer];"),
                (Phase.Expand, "ALTER TABLE [dbo].[Customer] ALTER COLUMN [Score] bigint NULL WITH (ONLINE = ON);"),
            ],
            plan.Steps.Select(s => (s.Phase, s.Sql)));
        var moved = Assert.Single(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentReordered);
        Assert.Contains("drop index IX_Customer_Score on dbo.Customer runs in expand instead of contract: the type change of dbo.Customer.Score", moved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drop_beside_a_widening_stays_in_contract()
    {
        var actual = Change(Actual, "Customer", t => t with { Indexes = [.. t.Indexes, new IndexModel("IX_Customer_Code", [IndexKeyModel.OfColumn("Code")])] });
        var desired = Change(Actual, "Customer", t => SetColumn(t, "Code", c => c with { Type = "varchar(50)" }));

        var plan = Plan(desired, actual, "2022", "Enterprise");

        Assert.Contains(plan.Steps, s => s.Phase == Phase.Contract && s.Sql == "DROP INDEX [IX_Customer_Code] ON [dbo].[Customer];");
        Assert.DoesNotContain(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentReordered);
    }
}
