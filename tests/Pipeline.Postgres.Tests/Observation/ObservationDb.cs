using Npgsql;
using Pipeline.Testing;

namespace Pipeline.Postgres.Tests.Observation;

/// <summary>Connections and commands for the observation tests.</summary>
internal static class ObservationDb
{
    public static async Task<NpgsqlConnection> OpenAsync(PostgresServer server, string db, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(server.ConnectionString(db));
        await connection.OpenAsync(ct);
        return connection;
    }

    public static async Task ExecAsync(this NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Polls until <paramref name="condition"/> holds or 5 s pass.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(10, ct);
        }

        return false;
    }
}

/// <summary>Writes an observation to the test output (shown for failing tests).</summary>
internal static class ObservationDump
{
    public static void Dump(string label, Pipeline.Postgres.Observation.LockObservation obs)
    {
        var lines = new List<string> { $"{label}: samples={obs.SampleCount} elapsed={obs.ElapsedMs} mean={obs.MeanIntervalMs} max={obs.MaxIntervalMs} lockwait={obs.LockWaitMs}" };
        foreach (var l in obs.Locks)
        {
            lines.Add($"  {l.Table} idx={l.Index} strongest={l.StrongestMode} held={l.HeldMs} waited={l.WaitedMs} waitedFor={l.StrongestWaitedMode} modes={string.Join(",", l.HeldMsByMode.Select(kv => $"{kv.Key}:{kv.Value}"))}");
        }

        Xunit.TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, lines));
    }
}
