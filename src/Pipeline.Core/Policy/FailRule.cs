using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Reports;

namespace Pipeline.Core.Policy;

/// <summary>What a <see cref="FailRule"/> tests.</summary>
public enum FailRuleKind
{
    /// <summary><c>data-loss</c>: a change that can lose data is blocked (PIPE2001 stays an error).</summary>
    DataLoss,

    /// <summary><c>rewrite</c>: a step rewrites a table.</summary>
    Rewrite,

    /// <summary><c>blocks-writes&gt;DURATION</c>: a step holds a lock that blocks writes (SHARE or stronger) for longer
    /// than the threshold (ms).</summary>
    BlocksWrites,

    /// <summary><c>blocks-reads&gt;DURATION</c>: a step holds ACCESS EXCLUSIVE (blocks SELECT) for longer than the
    /// threshold (ms).</summary>
    BlocksReads,

    /// <summary><c>risk&gt;=LEVEL</c>: a step's risk is at or above the level (0 low, 1 medium, 2 high).</summary>
    Risk,

    /// <summary><c>rewrite-rows&gt;N</c>: a step rewrites a table holding more than N rows (statistics).</summary>
    RewriteRows,

    /// <summary><c>warnings</c>: every warning counts as an error (as MSBuild's TreatWarningsAsErrors).</summary>
    Warnings,

    /// <summary><c>none</c>: nothing beyond what the planner cannot do fails.</summary>
    None,
}

/// <summary>
/// One rule of a <see cref="FailPolicy"/>, as written in <c>--fail-on</c> (e.g. <c>blocks-writes&gt;2s</c>).
/// </summary>
/// <param name="Text">The rule as written (trimmed, lower case).</param>
/// <param name="Kind">What it tests.</param>
/// <param name="Threshold">Threshold: ms for the lock-time rules, rows for <see cref="FailRuleKind.RewriteRows"/>,
/// the <see cref="RiskLevel"/> as a number for <see cref="FailRuleKind.Risk"/>; 0 otherwise.</param>
public sealed record FailRule(string Text, FailRuleKind Kind, double Threshold)
{
    /// <summary>The rule syntaxes <c>--fail-on</c> accepts, for help texts and error messages.</summary>
    public static IReadOnlyList<string> Syntaxes { get; } =
    [
        "data-loss", "rewrite", "blocks-writes>DURATION", "blocks-reads>DURATION", "risk>=low|medium|high",
        "rewrite-rows>N", "warnings", "none",
    ];

    /// <summary>The threshold as people read it: <c>2 s</c>, <c>1,000,000 rows</c>, <c>high</c>.</summary>
    public string ThresholdText => Kind switch
    {
        FailRuleKind.BlocksWrites or FailRuleKind.BlocksReads => DurationText.Format(Threshold),
        FailRuleKind.RewriteRows => Threshold.ToString("#,0", CultureInfo.InvariantCulture) + " rows",
        FailRuleKind.Risk => ((RiskLevel)(int)Threshold).ToString().ToLowerInvariant(),
        _ => "",
    };

    /// <summary>Parses one rule; <c>null</c> with <paramref name="error"/> set when it is not one.</summary>
    public static FailRule? TryParse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var rule = text.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal);
        switch (rule)
        {
            case "data-loss":
                return new FailRule(rule, FailRuleKind.DataLoss, 0);
            case "rewrite":
                return new FailRule(rule, FailRuleKind.Rewrite, 0);
            case "warnings":
                return new FailRule(rule, FailRuleKind.Warnings, 0);
            case "none":
                return new FailRule(rule, FailRuleKind.None, 0);
        }

        if (WithPrefix(rule, "blocks-writes>") is { } writes)
        {
            return Duration(rule, FailRuleKind.BlocksWrites, writes, out error);
        }

        if (WithPrefix(rule, "blocks-reads>") is { } reads)
        {
            return Duration(rule, FailRuleKind.BlocksReads, reads, out error);
        }

        if (WithPrefix(rule, "risk>=") is { } level)
        {
            if (Enum.TryParse<RiskLevel>(level, ignoreCase: true, out var risk) && Enum.IsDefined(risk) && !level.Any(char.IsDigit))
            {
                return new FailRule(rule, FailRuleKind.Risk, (int)risk);
            }

            error = $"'{text.Trim()}': the risk level must be low, medium or high";
            return null;
        }

        if (WithPrefix(rule, "rewrite-rows>") is { } rows)
        {
            var digits = rows.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return new FailRule(rule, FailRuleKind.RewriteRows, n);
            }

            error = $"'{text.Trim()}': the row count must be a whole number, e.g. rewrite-rows>1000000";
            return null;
        }

        error = $"unknown rule '{text.Trim()}'";
        return null;
    }

    private static string? WithPrefix(string rule, string prefix) =>
        rule.StartsWith(prefix, StringComparison.Ordinal) ? rule[prefix.Length..] : null;

    private static FailRule? Duration(string rule, FailRuleKind kind, string value, out string? error)
    {
        var span = DurationText.TryParse(value, out var durationError);
        if (span is null)
        {
            error = $"'{rule}': {durationError}";
            return null;
        }

        error = null;
        return new FailRule(rule, kind, span.Value.TotalMilliseconds);
    }
}
