using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Cli.Release;

/// <summary>
/// <c>apply.json</c>, written into the plan folder after every <c>apply</c> run: the journal's content for the plan
/// (every step's state, attempts, rows and high-water mark; every phase run) and this run's result.
/// </summary>
/// <param name="Format">Always <c>pipeline-apply</c>.</param>
/// <param name="Version">Format version, 1.</param>
/// <param name="PlanFingerprint">The plan.</param>
/// <param name="Target">The target as <c>postgres://user@host:port/db</c> (never a password).</param>
/// <param name="Phase">The phase this run applied.</param>
/// <param name="Outcome"><c>succeeded</c>, <c>failed</c>, <c>cancelled</c> or <c>already-completed</c>.</param>
/// <param name="Written">When the file was written (UTC).</param>
/// <param name="Run">This run's result, or <c>null</c> when nothing ran.</param>
/// <param name="Journal">The journal after the run, or <c>null</c> when it could not be read.</param>
internal sealed record ApplyReport(
    string Format,
    int Version,
    string PlanFingerprint,
    string Target,
    Phase Phase,
    string Outcome,
    DateTimeOffset Written,
    PhaseResult? Run,
    JournalState? Journal)
{
    /// <summary>File name in the plan folder.</summary>
    public const string FileName = "apply.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // One generic converter per enum of the report (the non-generic JsonStringEnumConverter makes its converters
        // by reflection at run time, which the native CLI cannot); ApplyReportJsonTests checks each is written as a string.
        Converters =
        {
            new JsonStringEnumConverter<Phase>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<FaultKind>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<StepState>(JsonNamingPolicy.KebabCaseLower),
        },
        TypeInfoResolver = ApplyReportJsonContext.Default,
    };

    private static readonly JsonTypeInfo<ApplyReport> TypeInfo = (JsonTypeInfo<ApplyReport>)Json.GetTypeInfo(typeof(ApplyReport));

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, TypeInfo);
}

