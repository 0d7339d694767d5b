using System.Globalization;

namespace Pipeline.Core.Locking;

/// <summary>
/// The <c>calibration</c> section of <c>rehearsal.json</c>: the throughput a passing rehearsal observed per kind of
/// work on its server, to plan with instead of the <see cref="DurationModel"/> defaults
/// (<c>pipeline plan --calibration rehearsal.json</c>). Derived by <see cref="Derive"/> from each step's observed
/// duration and the size its estimate used (<see cref="LockImpact.WorkSize"/>).
/// </summary>
/// <param name="Dialect">The dialect of the rehearsed server, e.g. <c>postgres</c>; a plan of another dialect refuses
/// the calibration.</param>
/// <param name="ServerVersion">The rehearsed server's version (e.g. <c>16.4</c>), or <c>null</c> when unknown.</param>
/// <param name="Constants">One constant per kind of work the rehearsal observed (kinds it did not observe are
/// absent), in <see cref="DurationModel.Kinds"/> order.</param>
public sealed record DurationCalibration(string Dialect, string? ServerVersion, IReadOnlyList<CalibratedConstant> Constants)
{
    /// <summary>The constant of <paramref name="work"/>, or <c>null</c> when the rehearsal did not observe it.</summary>
    public CalibratedConstant? Of(TableWork work) => (Constants ?? []).FirstOrDefault(c => c.Work == work);

    /// <summary>
    /// Derives the constants from observed steps. Catalog-only steps give the catalog cost: the median of their observed
    /// durations (ms). Every other kind gives a throughput: the sum of the steps' sizes divided by the sum of their
    /// observed durations less the catalog cost (the derived one, else <paramref name="basis"/>'s), so long steps weigh
    /// more than short ones; a step counts only with a known size and a duration longer than the catalog cost.
    /// Throughputs are in bytes/s (rows/s for row updates), rounded to whole units.
    /// </summary>
    /// <param name="dialect">The dialect of the server observed.</param>
    /// <param name="serverVersion">Its version, or <c>null</c>.</param>
    /// <param name="observations">The steps observed (done, not retried, not waiting for locks).</param>
    /// <param name="basis">The model whose catalog cost is subtracted when no catalog-only step was observed.</param>
    public static DurationCalibration Derive(string dialect, string? serverVersion, IEnumerable<WorkObservation> observations, DurationModel basis)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(basis);
        var observed = observations.Where(o => double.IsFinite(o.ObservedMs) && o.ObservedMs > 0).ToList();
        var constants = new List<CalibratedConstant>();
        var catalogSteps = observed.Where(o => o.Work == TableWork.CatalogOnly).Select(o => o.ObservedMs).Order().ToList();
        var catalogMs = basis.CatalogMs;
        if (catalogSteps.Count > 0)
        {
            catalogMs = Math.Round(Median(catalogSteps), 1);
            constants.Add(new CalibratedConstant(TableWork.CatalogOnly, catalogMs, DurationModel.UnitOf(TableWork.CatalogOnly), catalogSteps.Count));
        }

        foreach (var work in DurationModel.Kinds.Where(k => k != TableWork.CatalogOnly))
        {
            var steps = observed.Where(o => o.Work == work && o.Size > 0 && o.ObservedMs > catalogMs).ToList();
            if (steps.Count == 0)
            {
                continue;
            }

            var perSecond = steps.Sum(o => o.Size) / steps.Sum(o => o.ObservedMs - catalogMs) * 1000;
            constants.Add(new CalibratedConstant(work, Math.Round(perSecond), DurationModel.UnitOf(work), steps.Count));
        }

        return new DurationCalibration(dialect, serverVersion, constants);
    }

    /// <summary>
    /// <paramref name="defaults"/> with every constant this calibration has; the kinds it lacks keep their default
    /// and are listed in <c>Defaulted</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A constant is not a positive finite number (catalog-only: not a
    /// non-negative one); the message names it.</exception>
    public (DurationModel Model, IReadOnlyList<CalibratedConstant> Used, IReadOnlyList<TableWork> Defaulted) ApplyTo(DurationModel defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var model = defaults;
        var used = new List<CalibratedConstant>();
        var defaulted = new List<TableWork>();
        foreach (var work in DurationModel.Kinds)
        {
            if (Of(work) is { } constant)
            {
                model = model.With(work, constant.Value);
                used.Add(constant);
            }
            else
            {
                defaulted.Add(work);
            }
        }

        return (model, used, defaulted);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>A constant for people: <c>312 MB/s</c>, <c>85,000 rows/s</c>, <c>4.1 ms</c>.</summary>
    public static string Format(TableWork work, double value) => DurationModel.UnitOf(work) switch
    {
        "ms" => value.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
        "rows/s" => value.ToString("#,0", CultureInfo.InvariantCulture) + " rows/s",
        _ => (value / 1_000_000).ToString(value >= 10_000_000 ? "#,0" : "0.#", CultureInfo.InvariantCulture) + " MB/s",
    };
}

/// <summary>One calibrated constant of <see cref="DurationCalibration"/>.</summary>
/// <param name="Work">The kind of work: catalog-only, scan, rewrite, index-build or row-update.</param>
/// <param name="Value">The constant in <paramref name="Unit"/>.</param>
/// <param name="Unit"><c>ms</c> (catalog-only: the fixed cost), <c>bytes/s</c> (scan, rewrite, index-build) or
/// <c>rows/s</c> (row-update).</param>
/// <param name="Steps">How many rehearsed steps it was derived from.</param>
public sealed record CalibratedConstant(TableWork Work, double Value, string Unit, int Steps);

/// <summary>One rehearsed step as calibration sees it.</summary>
/// <param name="Ordinal">The step's ordinal.</param>
/// <param name="Work">The kind of work its estimate assumed.</param>
/// <param name="Size">The size its estimate used (<see cref="LockImpact.WorkSize"/>): bytes, or rows for a row
/// update; 0 when unknown.</param>
/// <param name="ObservedMs">How long the step's work took on the server, ms.</param>
public sealed record WorkObservation(int Ordinal, TableWork Work, double Size, double ObservedMs);
