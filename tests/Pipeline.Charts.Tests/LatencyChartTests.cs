using System.Buffers.Binary;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Xunit;

namespace Pipeline.Charts.Tests;

/// <summary>The rehearsal's latency chart: a PNG drawn headless by ScottPlot and SkiaSharp's native library.</summary>
public class LatencyChartTests
{
    private static ClientFigures Clients(double max, long errors = 0, long waits = 0) =>
        new(100, 50, 1.5, max * 0.9, max, errors, waits, waits == 0 ? 0 : max - 2, errors == 0 ? null : "23505: duplicate key");

    /// <summary>A step that blocks reads, one that blocks writes and one that held nothing strong.</summary>
    private static readonly ClientStepFigures[] Steps =
    [
        new(1, 500, 512.6, Clients(12), BlocksReads: true, BlocksWrites: true),
        new(2, 530, 1185, Clients(900, waits: 3), BlocksWrites: true),
        new(3, 1200, 2100, Clients(40, errors: 1)),
    ];

    [Fact]
    public void The_chart_is_a_png_drawn_headless()
    {
        var folder = Directory.CreateTempSubdirectory("pipeline-chart-").FullName;
        try
        {
            var random = new Random(3);
            var points = Enumerable.Range(0, 2_000)
                .Select(i => new LatencyPoint(i * 2.0, i is > 300 and < 320 ? 700 - (i - 300) * 30 : 0.5 + random.NextDouble() * 5, i == 1500))
                .ToList();
            var path = Path.Combine(folder, "chart.png");
            LatencyChart.Instance.Write(path, "Client latency", points, Steps, 600);

            var png = File.ReadAllBytes(path);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            Assert.Equal(LatencyChart.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.Equal(LatencyChart.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.True(png.Length > 20_000, $"{png.Length} bytes: the dots, bands and labels were drawn");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_path_that_cannot_be_written_is_an_io_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "pipeline-chart-missing-" + Guid.NewGuid().ToString("N"), "chart.png");
        Assert.ThrowsAny<IOException>(() => LatencyChart.Instance.Write(missing, "t", [new LatencyPoint(0, 1, false)], Steps, 600));
    }
}
