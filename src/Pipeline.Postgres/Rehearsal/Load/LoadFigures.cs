using HdrHistogram;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>The window of one step on the load's clock.</summary>
/// <param name="Ordinal">Step ordinal.</param>
/// <param name="StartMs">Start, ms since the load started.</param>
/// <param name="EndMs">End, ms since the load started.</param>
internal readonly record struct StepWindow(int Ordinal, double StartMs, double EndMs);

/// <summary>
/// Turns a <see cref="LoadRecording"/> into the figures of <c>rehearsal.json</c>: each statement (and each lock wait)
/// is attributed to the step whose window it overlaps most (a statement blocked by a step's lock overlaps that step
/// for its whole wait), or to "outside the steps" when it overlaps none. Latency percentiles come from an
/// HdrHistogram (microsecond resolution, 3 significant digits); the maximum is exact.
/// </summary>
internal static class LoadFigures
{
    private const long HighestMicroseconds = 3_600_000_000L;

    /// <summary>The load's record, without its chart.</summary>
    public static RehearsalLoad Summarise(
        string source, int clients, double rate, IReadOnlyList<LoadStatement> statements, IReadOnlyList<string> warnings,
        LoadRecording recording, IReadOnlyList<StepWindow> windows)
    {
        var byStep = windows.ToDictionary(w => w.Ordinal, _ => new Bucket());
        var mixes = windows.ToDictionary(w => w.Ordinal, _ => new long[6]);
        var outside = new Bucket();
        var total = new Bucket();
        var kinds = statements.Select(Kind).ToArray();
        foreach (var e in recording.Events)
        {
            var step = Attribute(windows, e.StartMs, e.StartMs + e.LatencyMs);
            var bucket = step is { } ordinal ? byStep[ordinal] : outside;
            bucket.Add(e);
            total.Add(e);
            if (step is { } o)
            {
                mixes[o][kinds[e.Statement]]++;
                if (statements[e.Statement].Window == LoadWindow.AfterExpand)
                {
                    mixes[o][5]++;
                }
            }
        }

        foreach (var w in recording.LockWaits)
        {
            var bucket = Attribute(windows, w.StartMs, w.EndMs) is { } ordinal ? byStep[ordinal] : outside;
            bucket.Add(w);
            total.Add(w);
        }

        var stepped = windows.Sum(w => w.EndMs - w.StartMs);
        return new RehearsalLoad(
            source,
            clients,
            rate,
            statements.Select(s => s.Info()).ToList(),
            warnings,
            total.Figures(recording.EndMs),
            outside.Figures(Math.Max(0, recording.EndMs - stepped)),
            windows.Select(w => new ClientStepFigures(w.Ordinal, Round(w.StartMs), Round(w.EndMs), byStep[w.Ordinal].Figures(w.EndMs - w.StartMs),
                Mix: Mix(mixes[w.Ordinal]))).ToList(),
            null);
    }

    private static ClientMix Mix(long[] m) => new(m[0], m[1], m[2], m[3], m[4], m[5]);

    /// <summary>0 read, 1 update, 2 insert, 3 delete, 4 other: the statement's first keyword.</summary>
    private static int Kind(LoadStatement statement)
    {
        var first = LoadStatement.StripQuoted(statement.Sql).TrimStart().Split([' ', '\n', '\t', '('], 2)[0].ToUpperInvariant();
        return first switch
        {
            "SELECT" => 0,
            "UPDATE" => 1,
            "INSERT" => 2,
            "DELETE" => 3,
            _ => 4,
        };
    }

    /// <summary>The ordinal of the window that [<paramref name="start"/>, <paramref name="end"/>] overlaps most, or
    /// <c>null</c> when it overlaps none.</summary>
    internal static int? Attribute(IReadOnlyList<StepWindow> windows, double start, double end)
    {
        int? best = null;
        var most = 0.0;
        end = Math.Max(end, start + 0.001);
        foreach (var w in windows)
        {
            var overlap = Math.Min(end, w.EndMs) - Math.Max(start, w.StartMs);
            if (overlap > most)
            {
                (best, most) = (w.Ordinal, overlap);
            }
        }

        return best;
    }

    private static double Round(double ms) => Math.Round(ms, 1);

    private sealed class Bucket
    {
        private readonly LongHistogram _latency = new(HighestMicroseconds, 3);
        private long _count;
        private long _errors;
        private double _max;
        private long _waits;
        private double _longestWait;
        private string? _firstError;
        private double _firstErrorAt = double.MaxValue;

        public void Add(LoadEvent e)
        {
            _count++;
            _latency.RecordValue(Math.Clamp((long)Math.Round(e.LatencyMs * 1000), 1, HighestMicroseconds));
            _max = Math.Max(_max, e.LatencyMs);
            if (e.Error is not null)
            {
                _errors++;
                if (e.StartMs < _firstErrorAt)
                {
                    (_firstError, _firstErrorAt) = (e.Error, e.StartMs);
                }
            }
        }

        public void Add(LockWait w)
        {
            _waits++;
            _longestWait = Math.Max(_longestWait, w.EndMs - w.StartMs);
        }

        public ClientFigures Figures(double elapsedMs) => _count == 0
            ? ClientFigures.None with { LockWaits = _waits, MaxLockWaitMs = Round(_longestWait) }
            : new ClientFigures(
                _count,
                elapsedMs <= 0 ? 0 : Math.Round(_count * 1000 / elapsedMs, 1),
                Ms(_latency.GetValueAtPercentile(50)),
                Ms(_latency.GetValueAtPercentile(99)),
                Round(_max),
                _errors,
                _waits,
                Round(_longestWait),
                _firstError);

        private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 2);
    }
}
