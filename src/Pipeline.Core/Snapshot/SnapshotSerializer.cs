using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

/// <summary>
/// Offline snapshots of a database (what <c>pipeline snapshot</c> writes): the actual model with statistics and the
/// server version, as JSON (System.Text.Json). Plans computed against a snapshot have the same source fingerprint
/// as plans computed against the live database it was taken from.
/// </summary>
public static class SnapshotSerializer
{
    /// <summary>Serialises a model to JSON text (indented, deterministic).</summary>
    public static string Serialize(DatabaseModel model) => throw new NotImplementedException();

    /// <summary>Reads a snapshot; <paramref name="fileName"/> is used in error messages.</summary>
    /// <exception cref="SnapshotFormatException">Not a valid snapshot: the message names the file and, where
    /// known, line and position.</exception>
    public static DatabaseModel Deserialize(string json, string fileName) => throw new NotImplementedException();
}

/// <summary>A snapshot file that cannot be read.</summary>
public sealed class SnapshotFormatException(string message, Exception? inner = null) : Exception(message, inner);
