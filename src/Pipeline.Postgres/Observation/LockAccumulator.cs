using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>Folds <see cref="LockSample"/>s into a <see cref="LockObservation"/>. Not thread-safe.</summary>
internal sealed class LockAccumulator
{
    private readonly Dictionary<(QualifiedName Table, QualifiedName? Index), RelationState> _relations = [];
    private readonly RunTracker _lockWait = new();
    private double? _firstAtMs;
    private double _lastAtMs;
    private double _maxIntervalMs;
    private int _samples;
    private int _missing;

    /// <summary>Adds a sample; samples must come in time order.</summary>
    public void Add(LockSample sample)
    {
        if (_firstAtMs is null)
        {
            _firstAtMs = sample.AtMs;
        }
        else
        {
            _maxIntervalMs = Math.Max(_maxIntervalMs, sample.AtMs - _lastAtMs);
        }

        _lastAtMs = sample.AtMs;
        _samples++;
        if (!sample.TargetPresent)
        {
            _missing++;
        }

        _lockWait.Observe(sample.WaitingForLock, sample.AtMs);
        foreach (var group in sample.Locks.GroupBy(l => (l.Table, l.Index)))
        {
            if (!_relations.ContainsKey(group.Key))
            {
                _relations[group.Key] = new RelationState();
            }
        }

        foreach (var (key, state) in _relations)
        {
            state.Observe(sample.Locks.Where(l => l.Table == key.Table && l.Index == key.Index), sample.AtMs);
        }
    }

    /// <summary>The observation so far (runs still open count up to the last sample).</summary>
    public LockObservation Build()
    {
        var locks = _relations
            .OrderBy(r => r.Key.Table.Schema, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Table.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Index is null ? 0 : 1)
            .ThenBy(r => r.Key.Index?.Schema, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Index?.Name, StringComparer.Ordinal)
            .Select(r => r.Value.Build(r.Key.Table, r.Key.Index))
            .ToList();
        var elapsed = _firstAtMs is { } first ? _lastAtMs - first : 0;
        var mean = _samples > 1 ? elapsed / (_samples - 1) : 0;
        return new LockObservation(locks, _samples, Round(elapsed), Round(mean), Round(_maxIntervalMs), Round(_lockWait.TotalMs), _missing);
    }

    private static double Round(double ms) => Math.Round(ms, 3);

    private sealed class RelationState
    {
        private readonly Dictionary<LockMode, RunTracker> _held = [];
        private readonly RunTracker _waited = new();
        private LockMode _strongestWaited = LockMode.None;

        public void Observe(IEnumerable<SampledLock> locks, double atMs)
        {
            var granted = new HashSet<LockMode>();
            var waiting = false;
            foreach (var l in locks)
            {
                if (l.Granted)
                {
                    granted.Add(l.Mode);
                    if (!_held.ContainsKey(l.Mode))
                    {
                        _held[l.Mode] = new RunTracker();
                    }
                }
                else
                {
                    waiting = true;
                    _strongestWaited = l.Mode > _strongestWaited ? l.Mode : _strongestWaited;
                }
            }

            foreach (var (mode, tracker) in _held)
            {
                tracker.Observe(granted.Contains(mode), atMs);
            }

            _waited.Observe(waiting, atMs);
        }

        public ObservedLock Build(QualifiedName table, QualifiedName? index)
        {
            var byMode = _held.OrderBy(h => h.Key).ToDictionary(h => h.Key, h => Round(h.Value.TotalMs)).AsReadOnly();
            var strongest = byMode.Count == 0 ? LockMode.None : byMode.Keys.Strongest();
            return new ObservedLock(table, strongest, strongest == LockMode.None ? 0 : byMode[strongest], Round(_waited.TotalMs), byMode)
            {
                Index = index,
                StrongestWaitedMode = _strongestWaited,
            };
        }
    }
}
