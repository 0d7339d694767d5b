using Pipeline.Core.Model;
using Pipeline.Core.Snapshot;

namespace Pipeline.Core.Reports;

/// <summary>
/// The snapshot JSON of one model (<see cref="SnapshotSerializer.WriteTo"/>'s UTF-8 bytes, ending with a newline),
/// serialised on the thread pool as soon as the model exists, so that a plan folder's two snapshots (megabytes on a
/// 500-table schema) are ready when <see cref="PlanWriter"/> writes them: the desired model's while the catalog is still
/// being read, the actual model's while the plan is computed. Tied to the model instance it was started for:
/// <see cref="PlanWriter"/> uses it only for that very instance.
/// </summary>
public sealed class SnapshotBytes
{
    private readonly Task<byte[]> _bytes;

    private SnapshotBytes(DatabaseModel model)
    {
        Model = model;
        _bytes = Task.Run(() =>
        {
            using var buffer = new MemoryStream();
            SnapshotSerializer.WriteTo(model, buffer);
            return buffer.ToArray();
        });

        // A serialisation that nobody waits for (the command failed meanwhile) is observed and dropped.
        _bytes.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>The model being serialised.</summary>
    public DatabaseModel Model { get; }

    /// <summary>Starts serialising <paramref name="model"/> on the thread pool.</summary>
    public static SnapshotBytes Start(DatabaseModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new SnapshotBytes(model);
    }

    /// <summary>Waits for the bytes; rethrows the serialiser's exception unwrapped.</summary>
    internal byte[] Get() => _bytes.GetAwaiter().GetResult();
}
