using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>One thing contract removes for good.</summary>
/// <param name="Ordinal">The step.</param>
/// <param name="Summary">The step's summary, e.g. <c>drop column public.customers.fax</c>.</param>
/// <param name="Rows">Rows of the table it removes data from, when the statistics know (a dropped column loses its
/// value in each of them, a dropped table all of them); <c>null</c> when unknown.</param>
/// <param name="Blocked">Whether the step is blocked (not run unless allowed with <c>--allow-data-loss</c>).</param>
public sealed record ContractLoss(int Ordinal, string Summary, long? Rows, bool Blocked);

/// <summary>
/// What makes contract the point of no return: it has no rollback (<c>pipeline rollback</c> refuses once it started,
/// PIPE3040), and its drops remove data for good. The report and the console say so at the contract phase, naming what
/// would be lost with the row counts the statistics give.
/// </summary>
public static class PointOfNoReturn
{
    /// <summary>The contract steps that can lose data (drops), with row counts when known.</summary>
    public static IReadOnlyList<ContractLoss> Losses(MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.StepsOf(Phase.Contract).Where(s => s.LosesData).Select(s =>
        {
            var stats = s.Tables.Select(t => plan.Source?.FindTable(t.Schema, t.Name)?.Stats).FirstOrDefault(x => x is not null);
            return new ContractLoss(s.Ordinal, s.Summary, stats is { Rows: >= 0 } ? stats.Rows : null, s.Blocked);
        }).ToList();
    }

    /// <summary>One paragraph for people: contract cannot be rolled back, and what it would remove.</summary>
    public static string Describe(MigrationPlan plan)
    {
        var losses = Losses(plan);
        var head = "Contract is the point of no return: there is no rollback after it (expand and backfill can be rolled back until it starts; `pipeline rollback` then refuses, PIPE3040).";
        if (losses.Count == 0)
        {
            return head + " It drops no data; it enforces what the new application version relies on, so old versions that still break the new rules start failing.";
        }

        var items = losses.Select(l => $"{l.Summary}{(l.Rows is { } rows ? $" ({SizeText.Rows(rows)})" : " (row count unknown)")}{(l.Blocked ? " — blocked unless allowed with --allow-data-loss" : "")}");
        return head + $" It would remove for good: {string.Join("; ", items)}.";
    }
}
