using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using ScottPlot;

namespace Pipeline.Charts;

/// <summary>
/// The latency-over-time chart of a rehearsal's clients, written as a PNG with ScottPlot
/// (https://scottplot.net; rendered by SkiaSharp, headless): one dot per client statement (failed ones as red
/// crosses) on a logarithmic latency axis, the client latency budget as a dashed line, and every step that held a
/// lock as a shaded band over its window, labelled with its ordinal (red: a lock that blocks reads, orange: one that
/// blocks writes, blue: a weaker one). Bands narrower than 0.4% of the axis are drawn that wide.
/// </summary>
public sealed class LatencyChart : ILatencyChartRenderer
{
    /// <summary>The shared instance (the chart keeps no state).</summary>
    public static LatencyChart Instance { get; } = new();

    /// <summary>Chart width, px.</summary>
    public const int Width = 1200;

    /// <summary>Chart height, px.</summary>
    public const int Height = 500;

    /// <inheritdoc />
    public void Write(string path, string title, IReadOnlyList<LatencyPoint> points, IReadOnlyList<ClientStepFigures> steps, double budgetMs)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(steps);
        using var plot = new Plot();
        plot.Title(title);
        plot.XLabel("time since the load started (s)");
        plot.YLabel("client statement latency (ms, log scale)");

        var end = Math.Max(points.Count == 0 ? 1 : points.Max(p => (p.TimeMs + p.LatencyMs) / 1000), steps.Count == 0 ? 1 : steps.Max(s => s.EndMs / 1000));
        var top = Math.Log10(Math.Max(budgetMs, points.Count == 0 ? 1 : points.Max(p => p.LatencyMs)) * 2);
        var minWidth = end * 0.004;
        foreach (var step in steps.Where(s => s.BlocksReads || s.BlocksWrites || s.Clients.LockWaits > 0 || s.EndMs - s.StartMs > end * 10))
        {
            var color = step.BlocksReads ? Colors.Red : step.BlocksWrites ? Colors.Orange : Colors.SteelBlue;
            var (x1, x2) = (step.StartMs / 1000, Math.Max(step.EndMs / 1000, (step.StartMs / 1000) + minWidth));
            var span = plot.Add.HorizontalSpan(x1, x2);
            span.FillStyle.Color = color.WithAlpha(0.18);
            span.LineStyle.Width = 0;
            var label = plot.Add.Text(step.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture), (x1 + x2) / 2, top);
            label.LabelFontColor = color.Darken(0.3);
            label.LabelFontSize = 12;
            label.LabelAlignment = Alignment.UpperCenter;
        }

        Scatter(plot, points.Where(p => !p.Failed).ToList(), Colors.Navy, MarkerShape.FilledCircle, 3, "statement");
        Scatter(plot, points.Where(p => p.Failed).ToList(), Colors.Red, MarkerShape.Eks, 7, "failed statement");

        var line = plot.Add.HorizontalLine(Math.Log10(budgetMs));
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.DarkRed;
        line.LegendText = $"budget {budgetMs:0} ms";

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString(y < 0 ? "0.###" : "#,0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimits(0, end * 1.01, -1, top + 0.1);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    private static void Scatter(Plot plot, List<LatencyPoint> points, Color color, MarkerShape shape, float size, string legend)
    {
        if (points.Count == 0)
        {
            return;
        }

        var xs = points.Select(p => p.TimeMs / 1000).ToArray();
        var ys = points.Select(p => Math.Log10(Math.Max(p.LatencyMs, 0.1))).ToArray();
        var scatter = plot.Add.ScatterPoints(xs, ys);
        scatter.Color = color.WithAlpha(0.55);
        scatter.MarkerShape = shape;
        scatter.MarkerSize = size;
        scatter.LegendText = legend;
    }
}
