using Pipeline.Core.Diff;

namespace Pipeline.Core.Planning;

/// <summary>
/// Orders changes by a topological sort over declared dependencies (pairs "this before that", from the dialect's
/// <see cref="IMigrationDialect.ChangeDependencies"/>), breaking ties by the default order of change kinds
/// (<see cref="ChangeOrder.Rank"/>) and then by the differ's order, so the result is stable: with no pairs it is
/// exactly the rank order. The approach follows EF Core's <c>MigrationsModelDiffer</c>, which sorts operations
/// topologically over their dependencies.
/// </summary>
public static class ChangeGraph
{
    /// <summary>The changes in execution order.</summary>
    /// <param name="changes">The changes, in the differ's order.</param>
    /// <param name="dependencies">Pairs whose <c>Before</c> must run before <c>After</c>; pairs naming a change not in
    /// <paramref name="changes"/> (by reference) are ignored.</param>
    /// <exception cref="InvalidOperationException">The pairs form a cycle (a dialect bug); the message names the
    /// changes on it.</exception>
    public static IReadOnlyList<SchemaChange> Order(
        IReadOnlyList<SchemaChange> changes, IEnumerable<(SchemaChange Before, SchemaChange After)> dependencies)
    {
        var index = new Dictionary<SchemaChange, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < changes.Count; i++)
        {
            index.TryAdd(changes[i], i);
        }

        var successors = new List<int>[changes.Count];
        var pending = new int[changes.Count];
        foreach (var (before, after) in dependencies)
        {
            if (!index.TryGetValue(before, out var b) || !index.TryGetValue(after, out var a) || a == b)
            {
                continue;
            }

            (successors[b] ??= []).Add(a);
            pending[a]++;
        }

        var ready = new PriorityQueue<int, (double Rank, int Index)>();
        for (var i = 0; i < changes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, (ChangeOrder.Rank(changes[i]), i));
            }
        }

        var ordered = new List<SchemaChange>(changes.Count);
        while (ready.TryDequeue(out var next, out _))
        {
            ordered.Add(changes[next]);
            foreach (var successor in successors[next] ?? [])
            {
                if (--pending[successor] == 0)
                {
                    ready.Enqueue(successor, (ChangeOrder.Rank(changes[successor]), successor));
                }
            }
        }

        if (ordered.Count < changes.Count)
        {
            var cycle = Enumerable.Range(0, changes.Count).Where(i => pending[i] > 0).Select(i => changes[i].Describe());
            throw new InvalidOperationException($"the change dependencies form a cycle: {string.Join("; ", cycle)}");
        }

        return ordered;
    }
}
