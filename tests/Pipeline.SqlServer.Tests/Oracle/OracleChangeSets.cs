using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>
/// The realistic change sets compared with DacFx: each is an edit of a corpus's own T-SQL (what a developer would
/// change in an SQL project), what YAML would add to it (a backfill), the target, and every deliberate difference
/// between our plan's objects and DacFx's deploy report, with its reason.
/// </summary>
internal static class OracleChangeSets
{
    /// <summary>A change set on <paramref name="Corpus"/>.</summary>
    public sealed record ChangeSet(
        string Corpus,
        string Name,
        Func<TSqlEdit, TSqlEdit> Edit,
        Func<DatabaseModel, DatabaseModel>? Annotate,
        PlanOptions Options,
        IReadOnlyList<Deliberate> Differences,
        IReadOnlyList<string>? Errors = null)
    {
        /// <summary>The error codes our plan reports (each a deliberate difference: DacFx has no refusals), none by
        /// default.</summary>
        public IReadOnlyList<string> Errors { get; init; } = Errors ?? [];

        /// <summary>The name shown by the test runner.</summary>
        public override string ToString() => $"{Corpus}/{Name}";
    }

    private static readonly PlanOptions Standard2019 = new(AllowDataLoss: true) { TargetVersion = "2019", TargetEdition = "Standard" };
    private static readonly PlanOptions Enterprise2022 = new(AllowDataLoss: true) { TargetVersion = "2022", TargetEdition = "Enterprise" };

    /// <summary>Every change set, by <see cref="ChangeSet.ToString"/>.</summary>
    public static readonly IReadOnlyDictionary<string, ChangeSet> All = new ChangeSet[]
    {
        new("northwind", "orders-column-index-not-null",
            e => e.AddColumn("Orders", "\"Priority\" tinyint NOT NULL CONSTRAINT \"DF_Orders_Priority\" DEFAULT (0)")
                .ReplaceColumn("Orders", "Freight", "\"Freight\" \"money\" NOT NULL CONSTRAINT \"DF_Orders_Freight\" DEFAULT (0)")
                .Append("CREATE INDEX \"IX_Orders_ShipCountry\" ON \"dbo\".\"Orders\"(\"ShipCountry\")"),
            m => Column(m, "dbo", "Orders", "Freight", c => c with { Backfill = "0" }),
            Standard2019,
            [
                new(Op("Drop", "SqlDefaultConstraint", "[dbo].[DF_Orders_Freight]"), false, KeepsDefault),
                new(Op("Create", "SqlDefaultConstraint", "[dbo].[DF_Orders_Freight]"), false, KeepsDefault),
            ]),
        new("northwind", "products-widen-check-fk-drop-index",
            e => e.ReplaceColumn("Products", "ProductName", "\"ProductName\" nvarchar (80) NOT NULL")
                .Append("ALTER TABLE \"dbo\".\"Products\" ADD CONSTRAINT \"CK_Products_UnitsOnOrder\" CHECK (UnitsOnOrder >= 0)")
                .Remove("CREATE  INDEX \"CategoriesProducts\""),
            null, Enterprise2022,
            [
                new(Op("Drop", "SqlIndex", "[dbo].[Products].[ProductName]"), false, WideningKeepsIndexes),
                new(Op("Create", "SqlIndex", "[dbo].[Products].[ProductName]"), false, WideningKeepsIndexes),
            ],
            [BlockedByModules]),
        new("northwind", "order-details-quantity-smallint-to-int",
            e => e.ReplaceColumn("Order Details", "Quantity", "\"Quantity\" \"int\" NOT NULL CONSTRAINT \"DF_Order_Details_Quantity\" DEFAULT (1)"),
            null, Enterprise2022, [], [BlockedByModules]),
        new("northwind", "employees-drop-column-and-index",
            e => e.RemoveColumn("Employees", "Extension").Remove("CREATE  INDEX \"PostalCode\" ON \"dbo\".\"Employees\""),
            null, Standard2019, []),
        new("northwind", "shippers-column-inserted-in-the-middle",
            e => e.InsertColumnAfter("Shippers", "CompanyName", "\"Email\" nvarchar (320) NULL"),
            null, Enterprise2022,
            [
                new(Op("TableRebuild", "SqlTable", "[dbo].[Shippers]"), false, Appended),
                new(Op("Drop", "SqlForeignKeyConstraint", "[dbo].[FK_Orders_Shippers]"), false, "DacFx drops the foreign key that references the table it rebuilds and re-creates it WITH NOCHECK after; our plan rebuilds nothing, so the key stays."),
                new(Op("Create", "SqlForeignKeyConstraint", "[dbo].[FK_Orders_Shippers]"), false, "(the same foreign key, re-created by DacFx after its rebuild)"),
                new(Op("Alter", "SqlTable", "[dbo].[Shippers]"), true, Appended),
            ]),
        new("chinook", "new-table-rating-and-retyped-total",
            e => e.AddColumn("Track", "[Rating] TINYINT NULL")
                .Append("ALTER TABLE [dbo].[Track] ADD CONSTRAINT [CK_Track_Rating] CHECK ([Rating] BETWEEN 1 AND 5)")
                .ReplaceColumn("Invoice", "Total", "[Total] NUMERIC(12,2) NOT NULL")
                .ReplaceColumn("Customer", "Email", "[Email] NVARCHAR(120) NOT NULL")
                .Append("""
                    CREATE TABLE [dbo].[Review]
                    (
                        [ReviewId] INT IDENTITY(1,1) NOT NULL,
                        [TrackId] INT NOT NULL,
                        [Stars] TINYINT NOT NULL CONSTRAINT [DF_Review_Stars] DEFAULT (3),
                        [Body] NVARCHAR(MAX) NULL,
                        CONSTRAINT [PK_Review] PRIMARY KEY CLUSTERED ([ReviewId])
                    )
                    """)
                .Append("CREATE INDEX [IFK_ReviewTrackId] ON [dbo].[Review] ([TrackId])")
                .Append("ALTER TABLE [dbo].[Review] ADD CONSTRAINT [FK_ReviewTrackId] FOREIGN KEY ([TrackId]) REFERENCES [dbo].[Track] ([TrackId])"),
            null, Standard2019, []),
        new("adventureworks", "index-column-and-schema",
            e => e.Append("CREATE INDEX [IX_SalesOrderHeader_ShipDate] ON [Sales].[SalesOrderHeader]([ShipDate]) INCLUDE ([Status])")
                .AddColumn("HumanResources.Shift", "[IsNight] [bit] NOT NULL CONSTRAINT [DF_Shift_IsNight] DEFAULT (0)")
                .ReplaceColumn("Production.ProductCategory", "Name", "[Name] [nvarchar](100) NOT NULL")
                .ReplaceText("N'Work shift lookup table.'", "N'Work shifts: day, evening, night.'")
                .ReplaceText("N'Shift description.'", "N'Shift name, unique.'")
                .Append("CREATE SCHEMA [Audit] AUTHORIZATION [dbo]")
                .Append("CREATE TABLE [Audit].[Event] ([EventID] [int] IDENTITY (1, 1) NOT NULL CONSTRAINT [PK_Event_EventID] PRIMARY KEY CLUSTERED, [At] [datetime2](7) NOT NULL CONSTRAINT [DF_Event_At] DEFAULT (SYSUTCDATETIME()))"),
            null, Enterprise2022, []),
        new("chinook", "drop-playlist-track-and-a-foreign-key",
            e => e.Remove("CREATE TABLE [dbo].[PlaylistTrack]").Remove("[FK_PlaylistTrackPlaylistId]").Remove("[FK_PlaylistTrackTrackId]")
                .Remove("ON [dbo].[PlaylistTrack] (")
                .Remove("ADD CONSTRAINT [FK_InvoiceLineTrackId]"),
            null, Standard2019, []),
    }.ToDictionary(c => c.ToString());

    /// <summary>PIPE2021: our plan blocks a type change that views and procedures depend on (its steps are kept, marked
    /// blocked, and still compared); DacFx alters the column and refreshes them. SQL Server itself refuses only for
    /// SCHEMABINDING modules; the block is the conservative rule shared with PostgreSQL: the model does not manage
    /// modules, so it cannot tell whether they still work.</summary>
    public const string BlockedByModules = Pipeline.Core.Planning.DiagnosticCodes.DependentObjectsBlock;

    /// <summary>Why DacFx's drop and re-create of a column's default around <c>ALTER COLUMN … NOT NULL</c> is not in our plan.</summary>
    public const string KeepsDefault =
        "DacFx (like EF Core) drops the column's default and re-creates it around every ALTER COLUMN; our contract step changes only the "
        + "nullability, keeps the type, and leaves the default bound (AroundAlterColumn keepDefault: true), so new rows keep getting it while the "
        + "step runs. That SQL Server accepts this with the default bound is read from the ALTER TABLE page (its default-definition rule is about "
        + "type changes) and was never run on a server (UNCONFIRMED).";

    /// <summary>Why DacFx's drop and re-create of an index around a widening ALTER COLUMN is not in our plan.</summary>
    public const string WideningKeepsIndexes =
        "DacFx drops and re-creates every index on a column it alters; widening nvarchar(40) to nvarchar(80) keeps the type, and ALTER COLUMN "
        + "allows it with the index in place (\"unless the column is a varchar, nvarchar, or varbinary data type, the data type isn't changed, the "
        + "new size is equal to or larger than the old size\", ALTER TABLE page), so our plan is one metadata step and the index is never offline.";

    /// <summary>Why DacFx's rebuild for a column declared in the middle is not in our plan.</summary>
    public const string Appended =
        "The new column is declared in the middle: DacFx rebuilds the table (a copy of every row in one SERIALIZABLE transaction) to place it; "
        + "our plan appends it with one ALTER TABLE … ADD (the safe alternative) and says so with PIPE5030.";

    /// <summary>The model with one column changed.</summary>
    public static DatabaseModel Column(DatabaseModel m, string schema, string table, string column, Func<ColumnModel, ColumnModel> change) => m with
    {
        Schemas = m.Schemas.Select(s => s.Name != schema ? s : s with
        {
            Tables = s.Tables.Select(t => t.Name != table ? t : t with
            {
                Columns = t.Columns.Select(c => c.Name == column ? change(c) : c).ToList(),
            }).ToList(),
        }).ToList(),
    };

    private static ObjectChange Op(string operation, string type, string name) => new(operation, type, name);
}
