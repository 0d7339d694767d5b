using Xunit;

namespace Pipeline.Postgres.Tests;

/// <summary>
/// Tests that compare durations between two runs on the server (lock holds on a true copy against a synthetic copy,
/// estimates calibrated on one rehearsal against the next) run on their own, after the parallel test classes:
/// sharing 2 cores with other classes' rehearsals made one of two otherwise equal runs up to 2× slower than the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingComparisonsRunAlone
{
    /// <summary>The collection's name.</summary>
    public const string Name = "timing comparisons (run alone)";
}
