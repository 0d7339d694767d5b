using Pipeline.Core.Model;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Tests.Fixtures;
using Xunit;

namespace Pipeline.SqlServer.Tests.Reading;

/// <summary>Facts read from the corpora's T-SQL by hand (line numbers of the scripts in comments), checked against
/// what <see cref="Pipeline.SqlServer.Reading.DacpacReader"/> reads from the dacpac DacFx built.</summary>
public sealed class CorpusFactTests
{
    private static readonly SqlServerNormalizer Normalizer = new();

    [Fact]
    public void Northwind_statements_that_define_no_schema_are_skipped_and_counted()
    {
        var skipped = SqlServerCorpus.Get("northwind").Script.SkippedByKind;

        // instnwnd.sql: 3308 lines start with INSERT, 12 with "set identity_insert", 40 with "if exists ... drop".
        Assert.Equal(3308, skipped["Insert"]);
        Assert.Equal(12, skipped["SetIdentityInsert"]);
        Assert.Equal(40, skipped["If"]);
    }

    [Fact]
    public void Chinook_and_AdventureWorks_skip_database_and_data_statements()
    {
        var chinook = SqlServerCorpus.Get("chinook").Script.SkippedByKind;
        Assert.Equal(1, chinook["CreateDatabase"]);
        Assert.Equal(1, chinook["Use"]);
        Assert.Equal(24, chinook["Insert"]);

        var aw = SqlServerCorpus.Get("adventureworks").Script;
        Assert.Equal(68, aw.SkippedByKind["BulkInsert"]);
        Assert.Equal(1, aw.SkippedByKind["CreateDatabase"]);
        Assert.Equal(2, aw.SkippedByKind["Use"]);
        Assert.Contains(aw.SqlCmdCommands, c => c.StartsWith(":setvar DatabaseName", StringComparison.Ordinal));
    }

    [Fact]
    public void Northwind_Orders_has_an_identity_key_a_named_default_and_a_foreign_key_to_Customers()
    {
        var orders = SqlServerCorpus.Get("northwind").Model.FindTable("dbo", "Orders")!;

        // instnwnd.sql line 245: "OrderID" "int" IDENTITY (1, 1) NOT NULL
        var id = orders.FindColumn("OrderID")!;
        Assert.Equal("int", Normalizer.NormalizeType(id.Type));
        Assert.Equal(IdentityKind.Always, id.Identity);
        Assert.Null(id.IdentitySeed);
        Assert.Null(id.IdentityIncrement);
        Assert.False(id.Nullable);
        // line 252: "Freight" "money" NULL CONSTRAINT "DF_Orders_Freight" DEFAULT (0)
        var freight = orders.FindColumn("Freight")!;
        Assert.Equal("DF_Orders_Freight", freight.DefaultName);
        Assert.Equal("0", Normalizer.NormalizeExpression(freight.Default!));
        Assert.True(freight.Nullable);
        // line 259: CONSTRAINT "PK_Orders" PRIMARY KEY CLUSTERED ("OrderID")
        Assert.Equal("PK_Orders", orders.PrimaryKey!.Name);
        Assert.True(orders.PrimaryKey.Clustered);
        Assert.Equal(["OrderID"], orders.PrimaryKey!.Columns);
        // line 263: CONSTRAINT "FK_Orders_Customers" FOREIGN KEY ("CustomerID") REFERENCES "dbo"."Customers" ("CustomerID")
        var fk = Assert.Single(orders.ForeignKeys, f => f.Name == "FK_Orders_Customers");
        Assert.Equal(("dbo", "Customers"), (fk.ReferencedSchema, fk.ReferencedTable));
        Assert.Equal(["CustomerID"], fk.Columns);
        Assert.Equal(["CustomerID"], fk.ReferencedColumns);
        Assert.Equal("no action", fk.OnDelete);
    }

    [Fact]
    public void Northwind_nonclustered_keys_and_per_table_index_names()
    {
        var model = SqlServerCorpus.Get("northwind").Model;

        // line 9303: ADD CONSTRAINT [PK_Region] PRIMARY KEY NONCLUSTERED
        Assert.False(model.FindTable("dbo", "Region")!.PrimaryKey!.Clustered);
        // lines 166, 205, 241: an index named "PostalCode" on Employees, Customers and Suppliers
        foreach (var table in new[] { "Employees", "Customers", "Suppliers" })
        {
            Assert.Contains(model.FindTable("dbo", table)!.Indexes, i => i.Name == "PostalCode" && !i.Clustered && i.Keys.Single().Column == "PostalCode");
        }
    }

    [Fact]
    public void Northwind_views_are_dependents_of_the_columns_they_use()
    {
        var orders = SqlServerCorpus.Get("northwind").Model.FindTable("dbo", "Orders")!;

        // "create view Invoices AS SELECT Orders.ShipName, ..." uses Orders.ShipName.
        Assert.Contains(orders.Dependents, d => d.Kind == "view" && d.Identity == "dbo.Invoices" && d.Column == "ShipName");
        Assert.All(orders.Dependents, d => Assert.False(d.Modelled));
    }

    [Fact]
    public void Chinook_Track_key_column_and_foreign_key()
    {
        var track = SqlServerCorpus.Get("chinook").Model.FindTable("dbo", "Track")!;

        // Chinook_SqlServer.sql line 152: [Composer] NVARCHAR(220), (nullable by default)
        var composer = track.FindColumn("Composer")!;
        Assert.Equal("nvarchar(220)", Normalizer.NormalizeType(composer.Type));
        Assert.True(composer.Nullable);
        // line 156: CONSTRAINT [PK_Track] PRIMARY KEY CLUSTERED ([TrackId])
        Assert.Equal("PK_Track", track.PrimaryKey!.Name);
        Assert.True(track.PrimaryKey.Clustered);
        // line 208: FK_TrackAlbumId FOREIGN KEY ([AlbumId]) REFERENCES [dbo].[Album] ([AlbumId])
        Assert.Contains(track.ForeignKeys, f => f.Name == "FK_TrackAlbumId" && f.ReferencedTable == "Album" && f.ReferencedColumns.SequenceEqual(["AlbumId"]));
    }

    [Fact]
    public void AdventureWorks_schemas_user_types_computed_columns_triggers_and_comments()
    {
        var model = SqlServerCorpus.Get("adventureworks").Model;

        // Five CREATE SCHEMA statements plus dbo (DatabaseLog, ErrorLog, AWBuildVersion).
        Assert.Equal(["HumanResources", "Person", "Production", "Purchasing", "Sales", "dbo"], model.Schemas.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["AWBuildVersion", "DatabaseLog", "ErrorLog"], model.FindSchema("dbo")!.Tables.Select(t => t.Name).Order(StringComparer.Ordinal));

        var header = model.FindTable("Sales", "SalesOrderHeader")!;
        // line 1513: [OnlineOrderFlag] [Flag] NOT NULL CONSTRAINT [DF_SalesOrderHeader_OnlineOrderFlag] DEFAULT (1)
        var flag = header.FindColumn("OnlineOrderFlag")!;
        Assert.Equal("dbo.flag", Normalizer.NormalizeType(flag.Type));
        Assert.Equal("DF_SalesOrderHeader_OnlineOrderFlag", flag.DefaultName);
        // line 6413: MS_Description of the column
        Assert.Equal("0 = Order placed by sales person. 1 = Order placed online by customer.", flag.Comment);
        // line 1514: [SalesOrderNumber] AS ISNULL(N'SO' + CONVERT(nvarchar(23), [SalesOrderID]), N'*** ERROR ***')
        Assert.Null(header.FindColumn("SalesOrderNumber"));
        var computed = Assert.Single(header.Unmodelled, u => u.Kind == UnmodelledKind.ComputedColumn && u.Name == "SalesOrderNumber");
        Assert.Equal(["SalesOrderID"], computed.Columns);
        // line 4510: CREATE TRIGGER [Sales].[uSalesOrderHeader] ON [Sales].[SalesOrderHeader]
        Assert.Contains(header.Unmodelled, u => u.Kind == UnmodelledKind.Trigger && u.Name == "uSalesOrderHeader");
        // line 3995: FK_SalesOrderHeader_Customer_CustomerID REFERENCES [Sales].[Customer]
        Assert.Contains(header.ForeignKeys, f => f.Name == "FK_SalesOrderHeader_Customer_CustomerID" && f.ReferencedSchema == "Sales" && f.ReferencedTable == "Customer");
    }

    [Fact]
    public void AdventureWorks_included_columns_and_a_unique_clustered_index_beside_a_nonclustered_key()
    {
        var model = SqlServerCorpus.Get("adventureworks").Model;

        // line 3339: CREATE NONCLUSTERED INDEX [IX_ProductReview_ProductID_Name] ON ...([ProductID], [ReviewerName]) INCLUDE ([Comments])
        var review = Assert.Single(model.FindTable("Production", "ProductReview")!.Indexes, i => i.Name == "IX_ProductReview_ProductID_Name");
        Assert.Equal(["ProductID", "ReviewerName"], review.Keys.Select(k => k.Column));
        Assert.Equal(["Comments"], review.Include);
        Assert.False(review.Clustered);
        // line 3248: CREATE UNIQUE CLUSTERED INDEX [AK_BillOfMaterials_...]; line 2730: PK ... PRIMARY KEY NONCLUSTERED
        var bom = model.FindTable("Production", "BillOfMaterials")!;
        Assert.Contains(bom.Indexes, i => i.Name == "AK_BillOfMaterials_ProductAssemblyID_ComponentID_StartDate" && i.Clustered && i.Unique);
        Assert.False(bom.PrimaryKey!.Clustered);
    }
}
