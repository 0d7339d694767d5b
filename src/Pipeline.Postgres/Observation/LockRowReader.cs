using Pipeline.Postgres.Dialect;
using System.Data.Common;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>
/// Reads the lock columns of a row of <see cref="ObservationQueries.Sample"/> or
/// <see cref="ObservationQueries.HeldByThisBackend"/> (columns 1 to 6: granted, mode, relation schema and name,
/// index's table schema and name) into a <see cref="SampledLock"/>.
/// </summary>
internal static class LockRowReader
{
    private static readonly HashSet<string> IgnoredSchemas = new(StringComparer.Ordinal) { "pg_catalog", "information_schema", "pg_toast" };

    /// <summary>
    /// The row's lock, or <c>null</c> when it has none, names a relation this snapshot cannot see, a system catalog
    /// (<c>pg_catalog</c>, <c>information_schema</c>, <c>pg_toast</c>), or a mode this tool does not know.
    /// </summary>
    public static SampledLock? Read(DbDataReader reader)
    {
        if (reader.IsDBNull(1) || reader.IsDBNull(3) || IgnoredSchemas.Contains(reader.GetString(3)))
        {
            return null;
        }

        if (!TryParseMode(reader.GetString(2), out var mode))
        {
            return null;
        }

        var relation = new QualifiedName(reader.GetString(3), reader.GetString(4));
        return reader.IsDBNull(5)
            ? new SampledLock(relation, null, mode, reader.GetBoolean(1))
            : new SampledLock(new QualifiedName(reader.GetString(5), reader.GetString(6)), relation, mode, reader.GetBoolean(1));
    }

    private static bool TryParseMode(string text, out LockMode mode)
    {
        try
        {
            mode = PgLock.Parse(text);
            return true;
        }
        catch (ArgumentException)
        {
            mode = LockMode.None; // a mode this tool does not know (a future server); not reported
            return false;
        }
    }
}
