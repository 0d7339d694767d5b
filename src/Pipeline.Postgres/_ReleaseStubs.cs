// TEMPORARY: stand-in for the rehearser being written on branch `rehearsal`, so the CLI (branch `release`) compiles
// against its agreed signature. The lead deletes this file when merging the rehearsal branch.
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>Runs a plan folder on a staging database and writes <c>rehearsal.json</c> (stub until the rehearser lands).</summary>
public static class Rehearser
{
    /// <summary>
    /// Rehearses the plan in <paramref name="planDirectory"/> on the staging database at
    /// <paramref name="connectionString"/>: all three phases, observing locks, then validating; writes
    /// <c>rehearsal.json</c> and the rehearsal section of <c>report.md</c> and returns the document.
    /// </summary>
    /// <exception cref="NotImplementedException">Always (stub).</exception>
    public static Task<RehearsalDocument> RunAsync(
        string planDirectory,
        string connectionString,
        RehearsalBudgets budgets,
        ExecutionOptions options,
        IExecutionObserver? observer,
        TimeProvider clock,
        CancellationToken ct)
        => throw new NotImplementedException("the rehearser is not merged yet: " + planDirectory.Length + connectionString.Length + budgets + options + observer + clock + ct.IsCancellationRequested);
}
