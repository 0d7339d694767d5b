using Pipeline.Core.Model;

namespace Pipeline.Core.Locking;

/// <summary>
/// Estimates how long a statement holds its lock from the table's size. A linear model: a fixed catalog cost plus
/// bytes (or rows) divided by a throughput per kind of work. The default constants were measured on a 2-core machine
/// with PostgreSQL 15 on a 5,000,000-row, 394 MB table: constant-default ADD COLUMN 2.7 ms; volatile-default ADD COLUMN
/// (rewrite) 25.6 s; SET NOT NULL (scan) 1.2 s; one-statement UPDATE of every row 42 s; CREATE INDEX 4.2 s.
/// Estimates are deliberately conservative (rounded towards slower) and are checked by the rehearsal, whose observed
/// figures are the final word.
/// </summary>
/// <param name="CatalogMs">Cost of a catalog-only change, in ms.</param>
/// <param name="ScanBytesPerMs">Sequential scan throughput, bytes per ms (default 300 MB/s).</param>
/// <param name="RewriteBytesPerMs">Rewrite throughput including index rebuilds, bytes per ms (default 15 MB/s).</param>
/// <param name="IndexBuildBytesPerMs">Index build throughput over the heap, bytes per ms (default 90 MB/s).</param>
/// <param name="UpdateRowsPerMs">Row update throughput for backfills, rows per ms (default 100 rows/ms).</param>
public sealed record DurationModel(
    double CatalogMs = 5,
    double ScanBytesPerMs = 300_000,
    double RewriteBytesPerMs = 15_000,
    double IndexBuildBytesPerMs = 90_000,
    double UpdateRowsPerMs = 100)
{
    /// <summary>The default model (constants above).</summary>
    public static DurationModel Default { get; } = new();

    /// <summary>
    /// Estimated duration in ms of <paramref name="work"/> on a table of the given size:
    /// <see cref="CatalogMs"/> + <see cref="SizeOf"/> / <see cref="ThroughputPerMs"/>, rounded to 0.1 ms. Unknown size
    /// (a new table, or an offline plan without statistics) counts as empty.
    /// </summary>
    public double Estimate(TableWork work, TableStats? stats)
    {
        var size = SizeOf(work, stats);
        var ms = work == TableWork.CatalogOnly || size <= 0 ? CatalogMs : CatalogMs + (size / ThroughputPerMs(work));
        return Math.Round(ms, 1);
    }

    /// <summary>
    /// The amount of work the estimate of <paramref name="work"/> is computed from: heap bytes for a scan or an index
    /// build; total relation bytes (table, indexes and TOAST; at least the heap) for a rewrite; rows for a row update;
    /// 0 for catalog-only work or an unknown size. The one definition the planner (estimates) and the rehearsal
    /// (calibration, <see cref="DurationCalibration"/>) share.
    /// </summary>
    public static double SizeOf(TableWork work, TableStats? stats)
    {
        if (stats is null)
        {
            return 0;
        }

        var bytes = Math.Max(stats.HeapBytes, 0);
        return work switch
        {
            TableWork.Scan or TableWork.IndexBuild => bytes,
            TableWork.Rewrite => Math.Max(stats.TotalBytes, bytes),
            TableWork.RowUpdate => Math.Max(stats.Rows, 0),
            _ => 0,
        };
    }

    /// <summary>The throughput of <paramref name="work"/>, in bytes per ms (rows per ms for
    /// <see cref="TableWork.RowUpdate"/>); <see cref="double.PositiveInfinity"/> for catalog-only work.</summary>
    public double ThroughputPerMs(TableWork work) => work switch
    {
        TableWork.Scan => ScanBytesPerMs,
        TableWork.Rewrite => RewriteBytesPerMs,
        TableWork.IndexBuild => IndexBuildBytesPerMs,
        TableWork.RowUpdate => UpdateRowsPerMs,
        _ => double.PositiveInfinity,
    };

    /// <summary>The constant of <paramref name="work"/> in its stored unit (<see cref="UnitOf"/>): ms for catalog-only
    /// work, bytes/s or rows/s for the others.</summary>
    public double ConstantOf(TableWork work) =>
        work == TableWork.CatalogOnly ? CatalogMs : ThroughputPerMs(work) * 1000;

    /// <summary>This model with the constant of <paramref name="work"/> set to <paramref name="value"/>, in the unit of
    /// <see cref="UnitOf"/> (ms for catalog-only work, bytes/s or rows/s for the others).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a positive finite number
    /// (catalog-only: not a non-negative one).</exception>
    public DurationModel With(TableWork work, double value)
    {
        var valid = double.IsFinite(value) && (work == TableWork.CatalogOnly ? value >= 0 : value > 0);
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"not a valid {Name(work)} constant in {UnitOf(work)}");
        }

        return work switch
        {
            TableWork.CatalogOnly => this with { CatalogMs = value },
            TableWork.Scan => this with { ScanBytesPerMs = value / 1000 },
            TableWork.Rewrite => this with { RewriteBytesPerMs = value / 1000 },
            TableWork.IndexBuild => this with { IndexBuildBytesPerMs = value / 1000 },
            TableWork.RowUpdate => this with { UpdateRowsPerMs = value / 1000 },
            _ => this,
        };
    }

    /// <summary>Every kind of work the model has a constant for, in the order reports list them.</summary>
    public static IReadOnlyList<TableWork> Kinds { get; } =
        [TableWork.CatalogOnly, TableWork.Scan, TableWork.Rewrite, TableWork.IndexBuild, TableWork.RowUpdate];

    /// <summary>The unit a constant of <paramref name="work"/> is stored and reported in: <c>ms</c>,
    /// <c>bytes/s</c> or <c>rows/s</c>.</summary>
    public static string UnitOf(TableWork work) => work switch
    {
        TableWork.CatalogOnly => "ms",
        TableWork.RowUpdate => "rows/s",
        _ => "bytes/s",
    };

    /// <summary>The name of <paramref name="work"/> as documents spell it: <c>catalog-only</c>, <c>scan</c>,
    /// <c>rewrite</c>, <c>index-build</c>, <c>row-update</c>.</summary>
    public static string Name(TableWork work) => work switch
    {
        TableWork.CatalogOnly => "catalog-only",
        TableWork.Scan => "scan",
        TableWork.Rewrite => "rewrite",
        TableWork.IndexBuild => "index-build",
        TableWork.RowUpdate => "row-update",
        _ => work.ToString(),
    };

    /// <summary>
    /// Risk of holding <paramref name="mode"/> for <paramref name="estimatedMs"/>: High for a rewrite, or a lock that
    /// blocks reads or writes for 1 s or more; Medium for such a lock held 100 ms or more; otherwise Low.
    /// </summary>
    public static RiskLevel Risk(LockMode mode, TableWork work, double estimatedMs)
    {
        if (work == TableWork.Rewrite && mode.BlocksWrites)
        {
            return RiskLevel.High;
        }

        if (!mode.BlocksWrites)
        {
            return RiskLevel.Low;
        }

        return estimatedMs >= 1000 ? RiskLevel.High : estimatedMs >= 100 ? RiskLevel.Medium : RiskLevel.Low;
    }
}
