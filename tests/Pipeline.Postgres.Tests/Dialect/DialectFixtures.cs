using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Tests.Dialect;

/// <summary>Small models and helpers shared by the dialect tests.</summary>
internal static class DialectFixtures
{
    public static readonly QualifiedName Orders = new("public", "orders");

    /// <summary>5,000,000 rows, 394 MB: the measured reference table.</summary>
    public static readonly TableStats BigStats = new(5_000_000, 48_100, 394L * 1024 * 1024);

    public static TableModel OrdersTable(TableStats? stats = null, PrimaryKeyModel? pk = null, bool withPk = true) => new(
        "orders",
        [
            new ColumnModel("id", "bigint", false),
            new ColumnModel("customer_id", "bigint", true),
            new ColumnModel("status", "character varying(20)", true),
            new ColumnModel("amount", "numeric(10,2)", true),
        ],
        PrimaryKey: withPk ? pk ?? new PrimaryKeyModel("orders_pkey", ["id"]) : null,
        Stats: stats ?? BigStats);

    public static ServerInfo Server(int versionNum) => new("postgres", versionNum, $"{versionNum / 10000}.{versionNum % 100}");

    public static PlanContext Context(int? versionNum = 150018, PlanOptions? options = null, DatabaseModel? actual = null)
    {
        var baseActual = actual ?? new DatabaseModel([new SchemaModel("public", [OrdersTable()], [])], []);
        var withServer = versionNum is null ? baseActual with { Server = null } : baseActual with { Server = Server(versionNum.Value) };
        return new PlanContext(DatabaseModel.Empty, withServer, options ?? new PlanOptions());
    }

    public static (IReadOnlyList<PlanStep> Steps, List<PlanDiagnostic> Diagnostics) Plan(SchemaChange change, PlanContext? context = null)
    {
        var diagnostics = new List<PlanDiagnostic>();
        var steps = new PostgresDialect().PlanChange(change, context ?? Context(), diagnostics);
        return (steps, diagnostics);
    }

    public static string[] Sql(IEnumerable<PlanStep> steps) => steps.Select(s => s.Sql).ToArray();
}
