using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>One client statement as it ran.</summary>
/// <param name="Statement">Index of the statement template.</param>
/// <param name="StartMs">Start, ms since the load started.</param>
/// <param name="LatencyMs">Duration, ms.</param>
/// <param name="Error">SQLSTATE and message when it failed, else <c>null</c>.</param>
internal readonly record struct LoadEvent(int Statement, double StartMs, double LatencyMs, string? Error);

/// <summary>A client statement seen waiting for a lock (<c>pg_locks.granted = false</c>).</summary>
/// <param name="StartMs">When the wait began (<c>pg_locks.waitstart</c>), ms since the load started.</param>
/// <param name="EndMs">When it was last seen waiting, ms since the load started.</param>
internal readonly record struct LockWait(double StartMs, double EndMs);

/// <summary>Everything a load recorded.</summary>
/// <param name="Events">Every statement, in no particular order.</param>
/// <param name="LockWaits">Lock waits of the clients, sampled.</param>
/// <param name="EndMs">When the load stopped, ms since it started.</param>
/// <param name="RowChanges">Rows the load's own INSERTs and DELETEs added (removed: negative) per table.</param>
/// <param name="MonitorFailure">Why lock waits could not be sampled (part of the run), or <c>null</c>.</param>
internal sealed record LoadRecording(
    IReadOnlyList<LoadEvent> Events,
    IReadOnlyList<LockWait> LockWaits,
    double EndMs,
    IReadOnlyDictionary<QualifiedName, long> RowChanges,
    string? MonitorFailure);

/// <summary>
/// Runs a rehearsal's client load: <c>clients</c> connections to staging (application_name
/// <see cref="ApplicationName"/>), each running one autocommit statement at a time, chosen at random by weight, at
/// <c>rate / clients</c> statements per second (a client that fell behind does not burst to catch up), with untyped
/// text parameters drawn per statement; every statement's latency and error is kept. A monitor connection reads
/// <c>pg_locks</c> every 10 ms for the clients' backends that wait for a lock (<c>waitstart</c>, PostgreSQL 14+;
/// https://www.postgresql.org/docs/current/view-pg-locks.html). A lost client connection is an error and is opened
/// again. Statements with a <see cref="LoadStatement.SearchPath"/> run on a second connection of the same client opened
/// with that search_path (the new application version of a column rename); statements run only in their
/// <see cref="LoadStatement.Window"/> (<see cref="ExpandCompleted"/>, <see cref="ContractStarted"/>).
/// </summary>
internal sealed class LoadRunner : IAsyncDisposable
{
    /// <summary>The application_name of the load's connections.</summary>
    public const string ApplicationName = "pipeline-rehearsal-load";

    private const int MonitorIntervalMs = 10;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;
    private readonly IReadOnlyList<LoadStatement> _statements;
    private readonly double _intervalMs;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<(int Client, string Path), int> _pids = new();
    private readonly List<LoadEvent>[] _events;
    private readonly Dictionary<QualifiedName, long>[] _rows;
    private readonly Dictionary<(int Pid, DateTime Since), LockWait> _waits = [];
    private readonly double[] _beforeExpandEnd;
    private readonly double[] _window;
    private readonly double[] _duringContract;
    private readonly List<Task> _tasks = [];
    private string? _monitorFailure;
    private volatile int _stage;

    private LoadRunner(string connectionString, IReadOnlyList<LoadStatement> statements, int clients, double rate)
    {
        _connectionString = new NpgsqlConnectionStringBuilder(ConnectionStrings.ToNpgsql(connectionString))
        {
            ApplicationName = ApplicationName,
            Pooling = false,
            CommandTimeout = 300,
        }.ConnectionString;
        _statements = statements;
        _intervalMs = rate <= 0 ? 0 : 1000.0 * clients / rate;
        _events = Enumerable.Range(0, clients).Select(_ => new List<LoadEvent>()).ToArray();
        _rows = Enumerable.Range(0, clients).Select(_ => new Dictionary<QualifiedName, long>()).ToArray();
        _beforeExpandEnd = Cumulative(statements, s => s.Window != LoadWindow.AfterExpand);
        _window = Cumulative(statements, _ => true);
        _duringContract = Cumulative(statements, s => s.Window != LoadWindow.UntilContract);
    }

    /// <summary>Milliseconds since the load started (the clock of every figure it records).</summary>
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    /// <summary>Set when the expand phase has completed: statements of <see cref="LoadWindow.AfterExpand"/> (the new
    /// application version) start.</summary>
    public void ExpandCompleted()
    {
        if (_stage < 1)
        {
            _stage = 1;
        }
    }

    /// <summary>Set when the contract phase starts: statements of <see cref="LoadWindow.UntilContract"/> stop (and
    /// those of <see cref="LoadWindow.AfterExpand"/> run, should expand have had no step).</summary>
    public void ContractStarted() => _stage = 2;

    /// <summary>Opens the client and monitor connections and starts the clients.</summary>
    /// <exception cref="NpgsqlException">A connection cannot be opened.</exception>
    public static async Task<LoadRunner> StartAsync(string connectionString, IReadOnlyList<LoadStatement> statements, int clients, double rate, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfZero(statements.Count);
        var runner = new LoadRunner(connectionString, statements, clients, rate);
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                var connection = new NpgsqlConnection(runner._connectionString);
                connections.Add(connection);
                await connection.OpenAsync(ct);
                runner._pids[(i, "")] = connection.ProcessID;
            }

            var monitor = new NpgsqlConnection(runner._connectionString);
            connections.Add(monitor);
            await monitor.OpenAsync(ct);
            for (var i = 0; i < clients; i++)
            {
                var (client, connection) = (i, connections[i]);
                runner._tasks.Add(Task.Run(() => runner.ClientAsync(client, connection), CancellationToken.None));
            }

            runner._tasks.Add(Task.Run(() => runner.MonitorAsync(monitor), CancellationToken.None));
            return runner;
        }
        catch
        {
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Stops the clients (each finishes its statement; after 30 s they are cancelled) and returns what was
    /// recorded.</summary>
    public async Task<LoadRecording> StopAsync()
    {
        var end = NowMs;
        await _stop.CancelAsync();
        var all = Task.WhenAll(_tasks);
        if (await Task.WhenAny(all, Task.Delay(StopGrace)) != all)
        {
            await _abort.CancelAsync();
        }

        try
        {
            await all;
        }
        catch (OperationCanceledException)
        {
            // aborted after the grace period
        }

        var rows = new Dictionary<QualifiedName, long>();
        foreach (var (table, n) in _rows.SelectMany(d => d))
        {
            rows[table] = rows.GetValueOrDefault(table) + n;
        }

        List<LockWait> waits;
        lock (_waits)
        {
            waits = [.. _waits.Values];
        }

        return new LoadRecording(_events.SelectMany(e => e).ToList(), waits, end, rows, _monitorFailure);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _abort.CancelAsync();
            await StopAsync();
        }

        _stop.Dispose();
        _abort.Dispose();
    }

    private async Task ClientAsync(int client, NpgsqlConnection connection)
    {
        var random = new Random(unchecked((client + 1) * 7919));
        var events = _events[client];
        var others = new Dictionary<string, NpgsqlConnection>(StringComparer.Ordinal);
        var next = NowMs;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_intervalMs > 0)
                {
                    next += _intervalMs;
                    var wait = next - NowMs;
                    if (wait > 0)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(wait), _stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                    else if (wait < -_intervalMs)
                    {
                        next = NowMs; // fell behind (blocked): carry on at the rate, no burst
                    }
                }

                var index = Pick(random);
                if (index < 0)
                {
                    await Task.Delay(10); // every statement has stopped (contract): idle until the load stops
                    continue;
                }

                var statement = _statements[index];
                var start = NowMs;
                string? error = null;
                try
                {
                    var path = statement.SearchPath ?? "";
                    var on = path.Length == 0 ? connection : others.GetValueOrDefault(path);
                    if (on is null || on.State != System.Data.ConnectionState.Open)
                    {
                        if (on is not null)
                        {
                            await on.DisposeAsync();
                        }

                        on = new NpgsqlConnection(path.Length == 0 ? _connectionString : new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = path }.ConnectionString);
                        await on.OpenAsync(_abort.Token);
                        _pids[(client, path)] = on.ProcessID;
                        if (path.Length == 0)
                        {
                            connection = on;
                        }
                        else
                        {
                            others[path] = on;
                        }

                        start = NowMs;
                    }

                    await using var command = new NpgsqlCommand(statement.Sql, on);
                    var values = new string?[statement.ParameterCount];
                    var offset = 0;
                    foreach (var source in statement.Parameters)
                    {
                        source.Fill(random, values, offset);
                        offset += source.Count;
                    }

                    foreach (var value in values)
                    {
                        command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown });
                    }

                    var rows = await command.ExecuteNonQueryAsync(_abort.Token);
                    if (statement.ChangesRowsOf is { } table && rows > 0)
                    {
                        _rows[client][table] = _rows[client].GetValueOrDefault(table) + (statement.RowSign * rows);
                    }
                }
                catch (PostgresException ex)
                {
                    error = $"{ex.SqlState}: {ex.MessageText}";
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                {
                    error = ex.Message;
                    await Task.Delay(50);
                }

                events.Add(new LoadEvent(index, start, NowMs - start, error));
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // stopped by force
        }
        finally
        {
            await connection.DisposeAsync();
            foreach (var other in others.Values)
            {
                await other.DisposeAsync();
            }
        }
    }

    private async Task MonitorAsync(NpgsqlConnection connection)
    {
        const string sql = """
            SELECT pid, waitstart, (extract(epoch FROM clock_timestamp() - waitstart) * 1000)::float8
            FROM pg_catalog.pg_locks WHERE NOT granted AND waitstart IS NOT NULL AND pid = ANY(@pids)
            """;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await using (var command = new NpgsqlCommand(sql, connection))
                {
                    command.Parameters.AddWithValue("pids", _pids.Values.ToArray());
                    await using var reader = await command.ExecuteReaderAsync(_abort.Token);
                    var now = NowMs;
                    while (await reader.ReadAsync(_abort.Token))
                    {
                        var key = (reader.GetInt32(0), reader.GetDateTime(1));
                        var waited = Math.Max(0, reader.GetDouble(2));
                        lock (_waits)
                        {
                            var start = _waits.TryGetValue(key, out var seen) ? seen.StartMs : now - waited;
                            _waits[key] = new LockWait(start, now);
                        }
                    }
                }

                try
                {
                    await Task.Delay(MonitorIntervalMs, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // stopped by force
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            _monitorFailure = "the clients' lock waits could not be sampled: " + ex.Message;
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private int Pick(Random random)
    {
        var cumulative = _stage switch { 0 => _beforeExpandEnd, 1 => _window, _ => _duringContract };
        var total = cumulative[^1];
        if (total <= 0)
        {
            return -1;
        }

        var x = random.NextDouble() * total;
        var i = Array.BinarySearch(cumulative, x);
        i = i < 0 ? ~i : i + 1;
        return Math.Min(i, cumulative.Length - 1);
    }

    private static double[] Cumulative(IReadOnlyList<LoadStatement> statements, Func<LoadStatement, bool> included)
    {
        var sums = new double[statements.Count];
        double sum = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            sum += included(statements[i]) ? statements[i].Weight : 0;
            sums[i] = sum;
        }

        return sums;
    }
}
