using Pipeline.Core.Release;

namespace Pipeline.Core.Reports;

/// <summary>One client statement on the latency chart.</summary>
/// <param name="TimeMs">When it started, ms since the load started.</param>
/// <param name="LatencyMs">How long it took, ms.</param>
/// <param name="Failed">Whether it failed.</param>
public readonly record struct LatencyPoint(double TimeMs, double LatencyMs, bool Failed);

/// <summary>
/// Draws the latency-over-time chart of a rehearsal's clients (the PNG that report.md links to). The seam keeps the
/// drawing library out of the core and the dialects: the shells pass an implementation in (the CLI passes
/// Pipeline.Charts' <c>LatencyChart</c>); without one the rehearsal leaves the chart out. Callers treat any failure
/// to draw as "no chart", never as a failed rehearsal.
/// </summary>
public interface ILatencyChartRenderer
{
    /// <summary>Writes the chart to <paramref name="path"/> (PNG).</summary>
    /// <param name="path">Output file.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="points">The statements.</param>
    /// <param name="steps">The steps' windows with what they held.</param>
    /// <param name="budgetMs">The client latency budget, ms, drawn as a line.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="DllNotFoundException">The drawing library's native part cannot be loaded.</exception>
    void Write(string path, string title, IReadOnlyList<LatencyPoint> points, IReadOnlyList<ClientStepFigures> steps, double budgetMs);
}
