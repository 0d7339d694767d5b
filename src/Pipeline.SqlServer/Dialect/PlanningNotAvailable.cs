using Pipeline.Core.Diff;
using Pipeline.Core.Fragments;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>
/// The planning side of the SQL Server dialect until the T-SQL planner is part of the build: it compares with
/// <see cref="SqlServerNormalizer"/> (so a dacpac can be inspected and diffed) but plans nothing — every change is
/// refused with <see cref="SqlServerCodes.PlanningNotAvailable"/>, so no script is ever presented as safe without a
/// planner behind it. The script layout is sqlcmd's (<c>sqlcmd -b -i FILE</c>, <c>:on error exit</c>, <c>GO</c>;
/// https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility).
/// </summary>
public sealed class PlanningNotAvailable : IMigrationDialect
{
    /// <inheritdoc />
    public string Name => Core.Model.DatabaseModel.SqlServerDialect;

    /// <inheritdoc />
    public ISqlNormalizer Normalizer { get; } = new SqlServerNormalizer();

    /// <inheritdoc />
    /// <remarks>Accepts every fragment: nothing is planned, so no fragment reaches a script.</remarks>
    public ISqlFragmentValidator FragmentValidator { get; } = new AcceptAll();

    /// <inheritdoc />
    public string DefaultSchema => "dbo";

    /// <inheritdoc />
    public ScriptLayout Scripts { get; } = new("sqlcmd", "sqlcmd -b -i {0}", [":on error exit", "SET XACT_ABORT ON;"], "GO");

    /// <inheritdoc />
    public IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(diagnostics);
        diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, SqlServerCodes.PlanningNotAvailable,
            $"{change.Describe()}: T-SQL planning is not part of this build; this build reads SQL Server schemas (inspect, snapshot) only",
            change.Location));
        return [];
    }

    /// <inheritdoc />
    /// <remarks><c>SET LOCK_TIMEOUT</c> takes milliseconds (https://learn.microsoft.com/sql/t-sql/statements/set-lock-timeout-transact-sql).</remarks>
    public string LockTimeoutStatement(int milliseconds) =>
        "SET LOCK_TIMEOUT " + milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";";

    private sealed class AcceptAll : ISqlFragmentValidator
    {
        public IReadOnlyList<SqlFragmentProblem> Validate(SqlFragment fragment) => [];
    }
}
