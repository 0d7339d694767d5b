using System.Diagnostics;

namespace Pipeline.Postgres.Staging;

/// <summary>Sums wall-clock and process CPU time per named phase of a staging build (<see cref="StagingPhase"/>).</summary>
internal sealed class PhaseClock
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (TimeSpan Wall, TimeSpan Cpu)> _totals = new(StringComparer.Ordinal);

    /// <summary>Starts timing <paramref name="phase"/> until the returned scope is disposed.</summary>
    public Scope Time(string phase) => new(this, phase);

    /// <summary>The phases in the order first entered.</summary>
    public IReadOnlyList<StagingPhase> Phases() =>
        _order.Select(p => new StagingPhase(p, _totals[p].Wall.TotalMilliseconds, _totals[p].Cpu.TotalMilliseconds)).ToList();

    private void Add(string phase, TimeSpan wall, TimeSpan cpu)
    {
        if (!_totals.TryGetValue(phase, out var total))
        {
            _order.Add(phase);
        }

        _totals[phase] = (total.Wall + wall, total.Cpu + cpu);
    }

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>One timed stretch of a phase.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly PhaseClock _clock;
        private readonly string _phase;
        private readonly long _start;
        private readonly TimeSpan _cpu;

        internal Scope(PhaseClock clock, string phase)
        {
            _clock = clock;
            _phase = phase;
            _cpu = Cpu();
            _start = Stopwatch.GetTimestamp();
        }

        /// <summary>Ends the stretch and adds it to the phase.</summary>
        public void Dispose() => _clock.Add(_phase, Stopwatch.GetElapsedTime(_start), Cpu() - _cpu);
    }
}
