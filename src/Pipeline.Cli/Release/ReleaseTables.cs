using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli.Release;

/// <summary>The summary tables of <c>apply</c> and <c>rehearse</c> (Spectre.Console, ASCII borders, no colour).</summary>
internal static class ReleaseTables
{
    /// <summary>One row per step of the phase: state, wall time, lock retries and their waits, other transient faults
    /// retried (deadlocks, serialization failures, reconnects), rows, batches, throttling.</summary>
    public static void WriteApplySummary(TextWriter stdout, PlanDocument plan, PhaseResult result)
    {
        var table = NewTable("#", "step", "state", "wall", "retries", "retry wait", "faults", "rows", "batches", "throttled");
        foreach (var step in result.Steps)
        {
            var planStep = ReleaseText.Find(plan, step.Ordinal);
            table.AddRow(Cells(
                planStep is null ? step.Ordinal.ToString(CultureInfo.InvariantCulture) : ReleaseText.Label(plan, planStep).Trim('[', ']'),
                step.Summary,
                step.Skipped ? "skipped (done)" : step.State.ToString().ToLowerInvariant(),
                step.Skipped ? "-" : ReleaseText.Duration(step.WallMs),
                step.LockRetries.ToString(CultureInfo.InvariantCulture),
                step.LockRetries == 0 ? "-" : ReleaseText.Duration(step.LockRetryWaitMs),
                step.Faults.Total == 0 ? "-" : step.Faults.ToString(),
                step.RowsAffected == 0 && step.Batches == 0 ? "-" : ReleaseText.Count(step.RowsAffected),
                step.Batches == 0 ? "-" : ReleaseText.Count(step.Batches),
                step.ThrottledMs == 0 ? "-" : ReleaseText.Duration(step.ThrottledMs)));
        }

        Write(stdout, table);
    }

    /// <summary>One row per rehearsed step: the plan's estimated lock beside the strongest observed lock, how long it
    /// was held and waited for, wall time, rows, retries and state.</summary>
    public static void WriteRehearsalSummary(TextWriter stdout, PlanDocument plan, RehearsalDocument rehearsal)
    {
        var table = NewTable("#", "step", "estimated lock", "est.", "observed lock", "held", "waited", "wall", "rows", "retries", "state");
        foreach (var step in rehearsal.Steps)
        {
            var planStep = plan.Steps.FirstOrDefault(s => s.Ordinal == step.Ordinal);
            var estimated = step.EstimatedLocks.Count == 0
                ? "-"
                : string.Join(", ", step.EstimatedLocks.Select(l => $"{l.Mode} {l.Table}"));
            var observed = step.ObservedLocks.Count == 0
                ? "-"
                : string.Join(", ", step.ObservedLocks.Select(l => $"{l.Mode} {l.Table}"));
            table.AddRow(Cells(
                planStep is null ? step.Ordinal.ToString(CultureInfo.InvariantCulture) : ReleaseText.Label(plan, planStep).Trim('[', ']'),
                step.Summary,
                estimated,
                ReleaseText.Duration(step.EstimatedLockMs),
                observed,
                step.ObservedLocks.Count == 0 ? "-" : ReleaseText.Duration(step.ObservedLocks.Max(l => l.HeldMs)),
                step.ObservedLocks.Count == 0 ? "-" : ReleaseText.Duration(step.ObservedLocks.Max(l => l.WaitedMs)),
                ReleaseText.Duration(step.WallMs),
                step.Rows == 0 ? "-" : ReleaseText.Count(step.Rows),
                step.LockRetries.ToString(CultureInfo.InvariantCulture),
                step.State.ToString().ToLowerInvariant()));
        }

        Write(stdout, table);
    }

    private static Table NewTable(params string[] columns)
    {
        var table = new Table { Border = TableBorder.Ascii };
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        }

        return table;
    }

    private static IRenderable[] Cells(params string[] texts) => texts.Select(t => (IRenderable)new Text(t)).ToArray();

    private static void Write(TextWriter stdout, Table table)
    {
        var console = PlainConsole.For(stdout, 200);
        console.Write(table);
    }
}
