using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>A deliberate difference between the objects our plan changes and those DacFx's deploy report
/// names: <paramref name="Change"/> is in only one of the two sets (<paramref name="OnlyOurs"/> says which), for the
/// reason <paramref name="Why"/>.</summary>
internal sealed record Deliberate(ObjectChange Change, bool OnlyOurs, string Why);

/// <summary>One change set compared with DacFx: both dacpacs (current and desired), DacFx's deploy report between
/// them, our plan between the models read from them, and the two sets of changed objects.</summary>
internal sealed record OracleRun(
    DatabaseModel Current,
    DatabaseModel Desired,
    MigrationPlan Plan,
    DeployReport Report,
    IReadOnlySet<ObjectChange> Ours,
    IReadOnlySet<ObjectChange> DacFx)
{
    private static int counter;

    /// <summary>Builds <paramref name="desiredScript"/> into a dacpac (a temp file), compares it with
    /// <paramref name="currentDacpac"/> through DacFx, and plans the model read from it (after
    /// <paramref name="annotate"/>: what YAML adds that T-SQL cannot say, such as a backfill) against
    /// <paramref name="current"/>.</summary>
    public static OracleRun Of(
        string currentDacpac,
        DatabaseModel current,
        string desiredScript,
        Func<DatabaseModel, DatabaseModel>? annotate,
        PlanOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-oracle-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"desired-{Interlocked.Increment(ref counter)}.dacpac");
        using (var model = DacpacBuilder.BuildModel(desiredScript))
        {
            DacpacBuilder.WritePackage(model, path, "desired");
        }

        var read = DacpacReader.ReadFile(path);
        var desired = Unstated(read);
        desired = annotate?.Invoke(desired) ?? desired;
        return Of(currentDacpac, current, path, desired, options);
    }

    /// <summary>Compares the dacpac <paramref name="desiredDacpac"/> with <paramref name="currentDacpac"/> through
    /// DacFx, and plans <paramref name="desired"/> against <paramref name="current"/>.</summary>
    public static OracleRun Of(string currentDacpac, DatabaseModel current, string desiredDacpac, DatabaseModel desired, PlanOptions options)
    {
        var plan = Planner.Plan(desired, current, new SqlServerDialect(), options, "oracle");
        var report = DacFxOracle.Compare(desiredDacpac, currentDacpac);
        return new OracleRun(current, desired, plan, report, PlanObjects.Of(plan, current, desired), report.Operations.ToHashSet());
    }

    /// <summary>A model as a YAML file would state it: no server facts, no statistics.</summary>
    public static DatabaseModel Unstated(DatabaseModel model) => model with
    {
        Server = null,
        Schemas = model.Schemas.Select(s => s with { Tables = s.Tables.Select(t => t with { Stats = null }).ToList() }).ToList(),
    };

    /// <summary>Objects only in our plan.</summary>
    public IEnumerable<ObjectChange> OnlyOurs => Ours.Except(DacFx).OrderBy(o => o.ToString(), StringComparer.Ordinal);

    /// <summary>Objects only in DacFx's report.</summary>
    public IEnumerable<ObjectChange> OnlyDacFx => DacFx.Except(Ours).OrderBy(o => o.ToString(), StringComparer.Ordinal);

    /// <summary>Objects in both.</summary>
    public IEnumerable<ObjectChange> Agreed => Ours.Intersect(DacFx).OrderBy(o => o.ToString(), StringComparer.Ordinal);
}
