using Pipeline.Core.Diff;
using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;
using Xunit;

namespace Pipeline.SqlServer.Tests.Reading;

/// <summary>What <see cref="DacpacReader"/> reads from T-SQL written here for each feature (expected values by hand).</summary>
public sealed class DacpacReaderTests
{
    private const string Script = """
        CREATE SCHEMA sales;
        GO
        CREATE TABLE sales.Customer (
            Id int NOT NULL CONSTRAINT PK_Customer PRIMARY KEY NONCLUSTERED,
            Code varchar(20) COLLATE Latin1_General_BIN2 NOT NULL,
            Email nvarchar(200) NULL,
            Created datetime2 NOT NULL DEFAULT (sysutcdatetime()),
            CONSTRAINT UQ_Customer_Code UNIQUE CLUSTERED (Code)
        );
        GO
        CREATE TABLE sales.[Order] (
            OrderId bigint IDENTITY(1000, 10) NOT NULL,
            CustomerId int NULL,
            Total decimal(12, 2) NOT NULL CONSTRAINT DF_Order_Total DEFAULT ((0)),
            Status tinyint NOT NULL,
            Note nvarchar(max) NULL,
            Doubled AS (Total * 2) PERSISTED,
            PRIMARY KEY (OrderId),
            CHECK (Total >= 0),
            CONSTRAINT FK_Order_Customer FOREIGN KEY (CustomerId) REFERENCES sales.Customer (Id) ON DELETE SET NULL ON UPDATE CASCADE
        );
        GO
        CREATE NONCLUSTERED INDEX IX_Order_Open ON sales.[Order] (CustomerId ASC, Status DESC) INCLUDE (Total) WHERE Status = 1;
        GO
        CREATE VIEW sales.OpenOrders AS SELECT o.OrderId, o.Total FROM sales.[Order] AS o WHERE o.Status = 1;
        GO
        CREATE TRIGGER sales.Order_Audit ON sales.[Order] AFTER UPDATE AS SET NOCOUNT ON;
        GO
        EXEC sp_addextendedproperty N'MS_Description', N'People who buy; it''s quoted', N'SCHEMA', N'sales', N'TABLE', N'Customer';
        GO
        """;

    private static DatabaseModel Read()
    {
        using var model = DacpacBuilder.BuildModel(Script);
        return DacpacReader.Read(model);
    }

    [Fact]
    public void Keys_clustering_identity_defaults_and_comments()
    {
        var model = Read();
        var customer = model.FindTable("sales", "Customer")!;
        var order = model.FindTable("sales", "Order")!;

        Assert.Equal("sqlserver", model.Dialect);
        Assert.False(customer.PrimaryKey!.Clustered);
        Assert.True(Assert.Single(customer.Uniques).Clustered);
        Assert.Equal("People who buy; it's quoted", customer.Comment);
        var created = customer.FindColumn("Created")!;
        Assert.Equal("datetime2(7)", new SqlServerNormalizer().NormalizeType(created.Type));
        Assert.Null(created.DefaultName);
        Assert.Equal("sysutcdatetime()", new SqlServerNormalizer().NormalizeExpression(created.Default!));

        var id = order.FindColumn("OrderId")!;
        Assert.Equal((IdentityKind.Always, 1000L, 10L), (id.Identity, id.IdentitySeed, id.IdentityIncrement));
        Assert.Equal("PK_Order", order.PrimaryKey!.Name);
        Assert.True(order.PrimaryKey.Clustered);
        Assert.Equal("DF_Order_Total", order.FindColumn("Total")!.DefaultName);
        Assert.Equal("decimal(12,2)", new SqlServerNormalizer().NormalizeType(order.FindColumn("Total")!.Type));
        Assert.Equal("nvarchar(max)", new SqlServerNormalizer().NormalizeType(order.FindColumn("Note")!.Type));
        Assert.Equal("total>=0", new SqlServerNormalizer().NormalizeExpression(Assert.Single(order.Checks).Expression));
        Assert.Equal("CK_Order_1", order.Checks[0].Name);
    }

    [Fact]
    public void Foreign_key_actions_and_a_filtered_index_with_included_columns()
    {
        var order = Read().FindTable("sales", "Order")!;

        var fk = Assert.Single(order.ForeignKeys);
        Assert.Equal(("set null", "cascade"), (fk.OnDelete, fk.OnUpdate));
        Assert.Equal(("sales", "Customer"), (fk.ReferencedSchema, fk.ReferencedTable));
        var index = Assert.Single(order.Indexes);
        Assert.Equal("IX_Order_Open", index.Name);
        Assert.Equal([("CustomerId", false), ("Status", true)], index.Keys.Select(k => (k.Column!, k.Descending)));
        Assert.Equal(["Total"], index.Include);
        Assert.Equal("status=1", new SqlServerNormalizer().NormalizeExpression(index.Where!));
        Assert.False(index.Clustered);
    }

    [Fact]
    public void Unmodelled_facts_and_dependents_are_recorded()
    {
        var model = Read();
        var order = model.FindTable("sales", "Order")!;

        Assert.Null(order.FindColumn("Doubled"));
        var computed = Assert.Single(order.Unmodelled, u => u.Kind == UnmodelledKind.ComputedColumn);
        Assert.Equal("Doubled", computed.Name);
        Assert.Equal(["Total"], computed.Columns);
        Assert.Contains(order.Unmodelled, u => u.Kind == UnmodelledKind.Trigger && u.Name == "Order_Audit" && u.Detail == "AFTER UPDATE");
        Assert.Contains(order.Dependents, d => d.Kind == "view" && d.Identity == "sales.OpenOrders" && d.Column == "Total");
        var collation = Assert.Single(model.FindTable("sales", "Customer")!.Unmodelled);
        Assert.Equal((UnmodelledKind.ColumnCollation, "Latin1_General_BIN2"), (collation.Kind, collation.Detail));
        Assert.Equal(["Code"], collation.Columns);
    }

    [Fact]
    public void The_model_round_trips_through_YAML()
    {
        var model = Read();
        var yaml = SchemaYamlWriter.Write(model);
        var loaded = SchemaYamlLoader.Load(yaml, "t.yaml");

        Assert.Empty(SchemaDiffer.Diff(loaded, model, new SqlServerNormalizer()));
        Assert.Contains("identity: {seed: 1000, increment: 10}", yaml, StringComparison.Ordinal);
        Assert.Contains("defaultName: DF_Order_Total", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_clustering_seed_or_default_name_is_a_change()
    {
        var model = Read();
        var order = model.FindTable("sales", "Order")!;
        var changed = order with
        {
            Columns = order.Columns.Select(c => c.Name switch
            {
                "OrderId" => c with { IdentitySeed = 1 },
                "Total" => c with { DefaultName = "DF_Total" },
                _ => c,
            }).ToList(),
            Indexes = [order.Indexes[0] with { Clustered = true }],
        };
        var desired = model with
        {
            Schemas = model.Schemas.Select(x => x with { Tables = x.Tables.Select(t => t.Name == "Order" ? changed : t).ToList() }).ToList(),
        };

        var changes = SchemaDiffer.Diff(desired, model, new SqlServerNormalizer());

        Assert.Contains(changes, c => c is AlterColumnIdentity { Column: "OrderId" });
        Assert.Contains(changes, c => c is AlterColumnDefault { Column: "Total" });
        Assert.Contains(changes, c => c is CreateIndex { Index.Name: "IX_Order_Open" });
    }

    [Fact]
    public async Task A_file_that_is_not_a_dacpac_is_a_clear_error()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "not a zip", TestContext.Current.CancellationToken);
        try
        {
            var e = await Assert.ThrowsAsync<DialectSourceException>(() =>
                SqlServerProvider.Instance.FileSource!.ReadAsync(path, [], TestContext.Current.CancellationToken));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            var missing = await Assert.ThrowsAsync<DialectSourceException>(() =>
                SqlServerProvider.Instance.FileSource!.ReadAsync(path + ".missing", [], TestContext.Current.CancellationToken));
            Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
