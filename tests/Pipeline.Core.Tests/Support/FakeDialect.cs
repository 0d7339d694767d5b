using Pipeline.Core.Diff;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Tests.Support;

/// <summary>A dialect that emits one step per change (two for AddForeignKey: NOT VALID + VALIDATE) so the planner's
/// ordering and blocking can be tested without a database dialect.</summary>
internal sealed class FakeDialect : IMigrationDialect
{
    public string Name => "fake";

    public ISqlNormalizer Normalizer { get; } = new LowerCaseNormalizer();

    public ScriptLayout Scripts { get; } = new("fakesql", "fakesql -f {0}", [], null);

    public Pipeline.Core.Fragments.ISqlFragmentValidator FragmentValidator { get; } = new SemicolonValidator();

    public IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics)
    {
        var impact = new LockImpact([], TableWork.CatalogOnly, 1, RiskLevel.Low, "test");
        var phase = change.IsDestructive ? Phase.Contract : Phase.Expand;
        var step = new PlanStep(phase, change.Describe(), change.Describe() + ";", true, impact, "test");
        return change is AddForeignKey
            ? [step, step with { Phase = Phase.Contract, Summary = "validate " + change.Describe(), Sql = "validate;", Kind = StepKind.Validate }]
            : [step];
    }

    public string LockTimeoutStatement(int milliseconds) => $"SET lock_timeout = '{milliseconds}ms';";

    /// <summary>Rejects a fragment holding a semicolon, so the core's plumbing can be tested without a dialect.</summary>
    private sealed class SemicolonValidator : Pipeline.Core.Fragments.ISqlFragmentValidator
    {
        public IReadOnlyList<Pipeline.Core.Fragments.SqlFragmentProblem> Validate(Pipeline.Core.Fragments.SqlFragment fragment) =>
            fragment.Text.IndexOf(';', StringComparison.Ordinal) is var i and >= 0
                ? [new("PIPE0020", "holds a semicolon", i)]
                : [];
    }

    private sealed class LowerCaseNormalizer : ISqlNormalizer
    {
        public string NormalizeType(string type) => type.ToLowerInvariant() switch
        {
            "int4" or "int" => "integer",
            var t => t,
        };

        public string NormalizeExpression(string expression, string? columnType = null) =>
            string.Join(' ', expression.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
    }
}

internal static class Models
{
    public static ColumnModel Col(string name, string type = "integer", bool nullable = true, string? @default = null) =>
        new(name, type, nullable, @default);

    public static TableModel Table(string name, params ColumnModel[] columns) =>
        new(name, columns, new PrimaryKeyModel($"{name}_pkey", [columns[0].Name]));

    public static DatabaseModel Db(params TableModel[] tables) => new([new SchemaModel("public", tables, [])], []);
}
