using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>An actual schema written in T-SQL here, read through DacFx like a dacpac, and plans against desired models
/// derived from it.</summary>
internal static class PlanHarness
{
    public const string BaseScript = """
        CREATE TABLE dbo.Customer (
            Id int IDENTITY(1, 1) NOT NULL CONSTRAINT PK_Customer PRIMARY KEY CLUSTERED,
            Email nvarchar(200) NOT NULL,
            Code varchar(20) NULL,
            Score int NULL
        );
        GO
        CREATE TABLE dbo.Orders (
            Id bigint NOT NULL CONSTRAINT PK_Orders PRIMARY KEY CLUSTERED,
            CustomerId int NOT NULL,
            Total decimal(12, 2) NOT NULL CONSTRAINT DF_Orders_Total DEFAULT (0),
            Status tinyint NOT NULL,
            Note nvarchar(200) NULL
        );
        GO
        CREATE NONCLUSTERED INDEX IX_Customer_Score ON dbo.Customer (Score);
        GO
        """;

    private static readonly Lazy<DatabaseModel> BaseModel = new(() =>
    {
        using var model = DacpacBuilder.BuildModel(BaseScript);
        return DacpacReader.Read(model);
    });

    /// <summary>The base schema as read from DacFx (no statistics, target platform Sql160, edition unknown).</summary>
    public static DatabaseModel Actual => BaseModel.Value;

    /// <summary>The base schema with statistics on every table.</summary>
    public static DatabaseModel WithStats(long rows, long bytes) => Actual with
    {
        Schemas = Actual.Schemas.Select(s => s with { Tables = s.Tables.Select(t => t with { Stats = new TableStats(rows, bytes / 8192, bytes) }).ToList() }).ToList(),
    };

    /// <summary><paramref name="model"/> with one table changed by <paramref name="change"/> (a desired model).</summary>
    public static DatabaseModel Change(DatabaseModel model, string table, Func<TableModel, TableModel> change) => model with
    {
        Server = null,
        Schemas = model.Schemas.Select(s => s with { Tables = s.Tables.Select(t => t.Name == table ? change(t) with { Stats = null } : t with { Stats = null }).ToList() }).ToList(),
    };

    /// <summary>The table with <paramref name="column"/> added at the end.</summary>
    public static TableModel AddColumn(TableModel t, ColumnModel column) => t with { Columns = [.. t.Columns, column] };

    /// <summary>The table with <paramref name="column"/>'s definition replaced.</summary>
    public static TableModel SetColumn(TableModel t, string column, Func<ColumnModel, ColumnModel> change) =>
        t with { Columns = t.Columns.Select(c => c.Name == column ? change(c) : c).ToList() };

    /// <summary>Plans <paramref name="desired"/> against <paramref name="actual"/> (default: the base schema).</summary>
    public static MigrationPlan Plan(DatabaseModel desired, DatabaseModel? actual = null, string? version = null, string? edition = null, bool allowDataLoss = false) =>
        Planner.Plan(desired, actual ?? Actual, new SqlServerDialect(),
            new PlanOptions(AllowDataLoss: allowDataLoss) { TargetVersion = version, TargetEdition = edition }, "test");
}
