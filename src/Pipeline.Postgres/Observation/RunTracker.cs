namespace Pipeline.Postgres.Observation;

/// <summary>
/// Measures how long a condition held across samples: each uninterrupted run of samples in which it was true counts
/// from its first to its last sample; runs are summed.
/// </summary>
internal sealed class RunTracker
{
    private double _closedMs;
    private double? _runFirstMs;
    private double _runLastMs;

    /// <summary>Whether the condition was seen in at least one sample.</summary>
    public bool Seen { get; private set; }

    /// <summary>Total duration so far in ms, including a run still open at the last sample.</summary>
    public double TotalMs => _closedMs + (_runFirstMs is { } first ? _runLastMs - first : 0);

    /// <summary>Records one sample taken at <paramref name="atMs"/> in which the condition was
    /// <paramref name="present"/>.</summary>
    public void Observe(bool present, double atMs)
    {
        if (present)
        {
            Seen = true;
            _runFirstMs ??= atMs;
            _runLastMs = atMs;
        }
        else if (_runFirstMs is { } first)
        {
            _closedMs += _runLastMs - first;
            _runFirstMs = null;
        }
    }
}
