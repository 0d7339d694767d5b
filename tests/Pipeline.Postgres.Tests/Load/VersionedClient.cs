using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

// Uses only Npgsql and the BCL (like ClientWorkload.cs), so a benchmark can link it too.
namespace Pipeline.Postgres.Tests.Load;

/// <summary>
/// The SQL one application version runs, written against the names it knows (the old names before and during the
/// expand/contract window, the new ones after expand). Parameters: <c>@v</c> (bigint, a value unique to each write:
/// the ledger's proof that a write landed) and <c>@k</c> (bigint, the key of a row this client inserted).
/// </summary>
/// <param name="Label">Name in messages, e.g. <c>old</c> / <c>new</c>.</param>
/// <param name="InsertSql">An <c>INSERT … RETURNING key</c> using <c>@v</c>, e.g.
/// <c>INSERT INTO public.orders (amount) VALUES (@v / 100.0) RETURNING id</c>.</param>
/// <param name="UpdateSql">An <c>UPDATE … WHERE key = @k</c> using <c>@v</c>; it must match exactly one row.</param>
/// <param name="ReadSql">A <c>SELECT</c> of one text value for key <c>@k</c>, in this version's names; for a row this
/// client wrote it must return <see cref="ReadExpected"/> of the values written there (read your own writes).</param>
/// <param name="ReadExpected">What <see cref="ReadSql"/> returns for a row this client wrote, given every value it
/// wrote there, oldest (the insert's) first.</param>
/// <param name="FinalExpected">What the final check (<see cref="VersionLedger.VerifyAsync"/>) must find for a row this
/// client wrote, given every value it wrote there (oldest first), once the migration is complete.</param>
/// <param name="CrossReadSql">Optional: a <c>SELECT</c> of one text value for key <c>@k</c> of a row written by
/// another client (of another version), through this version's names; it must return one of the values the writer's
/// <see cref="FinalExpected"/> gives for the values it wrote there, after each write (so a read racing an update
/// passes either way). Only rows
/// the other client wrote after this one started are read.</param>
internal sealed record AppVersion(
    string Label,
    string InsertSql,
    string UpdateSql,
    string ReadSql,
    Func<IReadOnlyList<long>, string> ReadExpected,
    Func<IReadOnlyList<long>, string> FinalExpected,
    string? CrossReadSql = null);

/// <summary>Configuration of a <see cref="VersionedClient"/>.</summary>
/// <param name="ConnectionString">Target database (loopback; never printed).</param>
/// <param name="Version">The SQL it runs.</param>
/// <param name="Connections">Concurrent connections, one statement at a time each. Default 2.</param>
/// <param name="StatementsPerSecondPerConnection">Target rate per connection (statements/s). Default 50.</param>
/// <param name="InsertPercent">Share of inserts, %. Default 40.</param>
/// <param name="UpdatePercent">Share of updates of own rows, %. Default 30; the rest are reads (own rows, and when
/// <see cref="AppVersion.CrossReadSql"/> is set every other read is of another client's row).</param>
/// <param name="MaxDuration">Hard cap of a run. Default 10 min.</param>
/// <param name="CommandTimeoutSeconds">Npgsql command timeout, s. Default 30.</param>
internal sealed record VersionedClientOptions(
    string ConnectionString,
    AppVersion Version,
    int Connections = 2,
    double StatementsPerSecondPerConnection = 50,
    int InsertPercent = 40,
    int UpdatePercent = 30,
    TimeSpan? MaxDuration = null,
    int CommandTimeoutSeconds = 30);

/// <summary>A row a client wrote: every value it wrote there (in order; the last one is what the row should end
/// with) and when it first wrote it.</summary>
/// <param name="Key">The row's key.</param>
/// <param name="Values">Values written, oldest first.</param>
/// <param name="FirstWrittenMs">When the insert committed, ms on the shared clock (<see cref="VersionedClient.Clock"/>).</param>
internal sealed record LedgerEntry(long Key, IReadOnlyList<long> Values, double FirstWrittenMs);

/// <summary>A failed or wrong statement.</summary>
/// <param name="Kind">insert, update, read or cross-read.</param>
/// <param name="AtMs">Start, ms since the client started.</param>
/// <param name="Message">The error, or what was read vs expected.</param>
internal sealed record ClientError(string Kind, double AtMs, string Message);

/// <summary>What one client did over its window (from start to stop).</summary>
/// <param name="Label">The version's label.</param>
/// <param name="WindowMs">Its window, ms.</param>
/// <param name="Statements">Statements run (including failed ones).</param>
/// <param name="Inserts">Inserts that committed.</param>
/// <param name="Updates">Updates that committed.</param>
/// <param name="Reads">Reads of own rows that returned the expected value.</param>
/// <param name="CrossReads">Reads of other clients' rows that returned one of the expected values.</param>
/// <param name="Errors">Statements that failed or read a wrong value.</param>
/// <param name="FirstErrors">The first errors (at most 10).</param>
/// <param name="P99Ms">99th percentile latency, ms.</param>
/// <param name="MaxLatencyMs">Longest statement, ms (an upper bound of any lock wait it had).</param>
/// <param name="MaxLatencyAtMs">When that statement started, ms since the client started.</param>
internal sealed record VersionedClientResult(
    string Label,
    double WindowMs,
    long Statements,
    long Inserts,
    long Updates,
    long Reads,
    long CrossReads,
    long Errors,
    IReadOnlyList<ClientError> FirstErrors,
    double P99Ms,
    double MaxLatencyMs,
    double MaxLatencyAtMs)
{
    /// <summary>One line, then the first errors.</summary>
    public override string ToString() => string.Join(Environment.NewLine, new[]
    {
        string.Create(CultureInfo.InvariantCulture,
            $"[{Label}] {WindowMs:F0} ms: stmts={Statements} insert={Inserts} update={Updates} read={Reads} cross-read={CrossReads} err={Errors} p99={P99Ms:F1} max={MaxLatencyMs:F1} ms (at {MaxLatencyAtMs:F0} ms)"),
    }.Concat(FirstErrors.Select(e => string.Create(CultureInfo.InvariantCulture, $"  error {e.Kind} at {e.AtMs:F0} ms: {e.Message}"))));
}

/// <summary>
/// One application version running against the database during a migration: N connections, each a steady loop of
/// inserts, updates of rows it inserted, and reads of them (and optionally of rows other versions wrote), through the
/// version's own SQL (<see cref="AppVersion"/>). Every row it wrote is kept in a ledger with every value written, so
/// after the migration <see cref="VersionLedger.VerifyAsync"/> can prove no write was lost or changed. Errors (a
/// statement failing, an update matching no row, a read returning another value) and latencies are recorded for the
/// client's own window, from <see cref="StartAsync"/> to <see cref="StopAsync"/>.
/// </summary>
internal sealed class VersionedClient : IAsyncDisposable
{
    private const int MaxListed = 10;
    private static long s_nextValue = 1_000;
    private readonly VersionedClientOptions _options;
    private readonly VersionedClientGroup _others;
    private readonly List<NpgsqlConnection> _connections;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _window = new();
    private readonly ConcurrentDictionary<long, Row> _ledger = new();
    private readonly ConcurrentQueue<ClientError> _errors = new();
    private readonly List<float>[] _latencies;
    private readonly double _startedAtClockMs;
    private Task[] _tasks = [];
    private long _errorCount;
    private long _inserts;
    private long _updates;
    private long _reads;
    private long _crossReads;
    private double _maxLatency;
    private double _maxLatencyAt;
    private double _stoppedAtMs = -1;

    private VersionedClient(VersionedClientOptions options, VersionedClientGroup others, List<NpgsqlConnection> connections)
    {
        _options = options;
        _others = others;
        _connections = connections;
        _latencies = connections.Select(_ => new List<float>()).ToArray();
        _startedAtClockMs = Clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>The clock all clients share (ledger times are on it).</summary>
    public static Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The version this client runs.</summary>
    public AppVersion Version => _options.Version;

    /// <summary>Errors so far.</summary>
    public long Errors => Interlocked.Read(ref _errorCount);

    /// <summary>Rows inserted so far.</summary>
    public long Inserts => Interlocked.Read(ref _inserts);

    /// <summary>Every row this client inserted, with every value it wrote there (a snapshot).</summary>
    public IReadOnlyList<LedgerEntry> Ledger =>
        _ledger.Values.Select(r => r.Snapshot()).OrderBy(e => e.Key).ToList();

    /// <summary>Opens the connections and starts the loops.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="group">The clients running side by side: this one joins it, and cross-reads
    /// (<see cref="AppVersion.CrossReadSql"/>) rows of its members of other versions, also of those that join later.</param>
    /// <param name="ct">Cancels opening the connections.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="NpgsqlException">A connection could not be opened.</exception>
    public static async Task<VersionedClient> StartAsync(VersionedClientOptions options, VersionedClientGroup group, CancellationToken ct)
    {
        if (options.Connections < 1 || options.InsertPercent < 1 || options.UpdatePercent < 0 || options.InsertPercent + options.UpdatePercent > 100)
        {
            throw new ArgumentException("versioned client: connections >= 1, insert% >= 1, insert% + update% <= 100", nameof(options));
        }

        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < options.Connections; i++)
            {
                var connection = new NpgsqlConnection(options.ConnectionString);
                connections.Add(connection);
                await connection.OpenAsync(ct);
            }
        }
        catch
        {
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }

            throw;
        }

        var client = new VersionedClient(options, group, connections);
        group.Add(client);
        client._window.Start();
        client._stop.CancelAfter(options.MaxDuration ?? TimeSpan.FromMinutes(10));
        client._tasks = connections.Select((c, i) => Task.Run(() => client.RunAsync(i, c))).ToArray();
        return client;
    }

    /// <summary>Waits until this client has inserted at least <paramref name="rows"/> rows (or <paramref name="timeout"/>
    /// passed), so a window is known to hold writes.</summary>
    public async Task WaitForInsertsAsync(long rows, TimeSpan timeout, CancellationToken ct)
    {
        var until = Stopwatch.StartNew();
        while (Inserts < rows && until.Elapsed < timeout && !_stop.IsCancellationRequested)
        {
            await Task.Delay(10, ct);
        }
    }

    /// <summary>Lets every connection finish its statement, stops, and summarises the window.</summary>
    public async Task<VersionedClientResult> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
        if (_stoppedAtMs < 0)
        {
            _stoppedAtMs = _window.Elapsed.TotalMilliseconds;
        }

        var sorted = _latencies.SelectMany(l => l).Order().ToArray();
        var p99 = sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(0.99 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new VersionedClientResult(
            _options.Version.Label,
            _stoppedAtMs,
            sorted.Length,
            Interlocked.Read(ref _inserts),
            Interlocked.Read(ref _updates),
            Interlocked.Read(ref _reads),
            Interlocked.Read(ref _crossReads),
            Interlocked.Read(ref _errorCount),
            _errors.Take(MaxListed).ToList(),
            p99,
            _maxLatency,
            _maxLatencyAt);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_tasks);
        }
        finally
        {
            foreach (var c in _connections)
            {
                await c.DisposeAsync();
            }

            _stop.Dispose();
        }
    }

    private async Task RunAsync(int index, NpgsqlConnection connection)
    {
        var random = new Random(unchecked((index + 1) * 7919 + Environment.TickCount));
        var own = new List<long>();
        var interval = 1000.0 / Math.Max(1, _options.StatementsPerSecondPerConnection);
        var next = _window.Elapsed.TotalMilliseconds;
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            next += interval;
            var wait = next - _window.Elapsed.TotalMilliseconds;
            if (wait < -1000)
            {
                next = _window.Elapsed.TotalMilliseconds; // far behind after a wait: no burst
            }
            else if (wait >= 1)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var roll = random.Next(100);
            var kind = own.Count == 0 || roll < _options.InsertPercent ? "insert"
                : roll < _options.InsertPercent + _options.UpdatePercent ? "update"
                : _options.Version.CrossReadSql is not null && random.Next(2) == 0 ? "cross-read"
                : "read";
            var started = _window.Elapsed.TotalMilliseconds;
            string? error;
            try
            {
                if (connection.State != System.Data.ConnectionState.Open)
                {
                    await connection.CloseAsync();
                    await connection.OpenAsync(CancellationToken.None);
                }

                error = kind switch
                {
                    "insert" => await InsertAsync(connection, own),
                    "update" => await UpdateAsync(connection, own[random.Next(own.Count)]),
                    "cross-read" => await CrossReadAsync(connection, random, own[random.Next(own.Count)]),
                    _ => await ReadAsync(connection, own[random.Next(own.Count)]),
                };
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                error = e.Message;
            }

            var latency = _window.Elapsed.TotalMilliseconds - started;
            _latencies[index].Add((float)latency);
            lock (_ledger)
            {
                if (latency > _maxLatency)
                {
                    _maxLatency = latency;
                    _maxLatencyAt = started;
                }
            }

            if (error is not null)
            {
                Interlocked.Increment(ref _errorCount);
                if (_errors.Count < MaxListed)
                {
                    _errors.Enqueue(new ClientError(kind, started, error));
                }
            }
        }
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, string sql, long? value, long? key)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = _options.CommandTimeoutSeconds;
        if (value is { } v)
        {
            command.Parameters.Add(new NpgsqlParameter("v", NpgsqlDbType.Bigint) { Value = v });
        }

        if (key is { } k)
        {
            command.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Bigint) { Value = k });
        }

        return command;
    }

    private async Task<string?> InsertAsync(NpgsqlConnection connection, List<long> own)
    {
        var value = Interlocked.Increment(ref s_nextValue);
        await using var command = Command(connection, _options.Version.InsertSql, value, null);
        var key = await command.ExecuteScalarAsync(CancellationToken.None);
        if (key is null or DBNull)
        {
            return "the insert returned no key";
        }

        var k = Convert.ToInt64(key, CultureInfo.InvariantCulture);
        if (!_ledger.TryAdd(k, new Row(k, value, Clock.Elapsed.TotalMilliseconds)))
        {
            return $"the insert returned key {k}, which this client had already written";
        }

        own.Add(k);
        Interlocked.Increment(ref _inserts);
        return null;
    }

    private async Task<string?> UpdateAsync(NpgsqlConnection connection, long key)
    {
        var value = Interlocked.Increment(ref s_nextValue);
        var row = _ledger[key];
        row.Writing(value);
        await using var command = Command(connection, _options.Version.UpdateSql, value, key);
        var count = await command.ExecuteNonQueryAsync(CancellationToken.None);
        if (count != 1)
        {
            row.Failed(value);
            return $"the update of key {key} matched {count} rows, not 1";
        }

        row.Written(value);
        Interlocked.Increment(ref _updates);
        return null;
    }

    private async Task<string?> ReadAsync(NpgsqlConnection connection, long key)
    {
        var expected = _options.Version.ReadExpected(_ledger[key].Snapshot().Values);
        await using var command = Command(connection, _options.Version.ReadSql, null, key);
        var read = await ReadOneAsync(command);
        if (read != expected)
        {
            return $"key {key} read {Show(read)}, expected {expected}";
        }

        Interlocked.Increment(ref _reads);
        return null;
    }

    private async Task<string?> CrossReadAsync(NpgsqlConnection connection, Random random, long ownKey)
    {
        var candidates = _others.Members.Where(o => o.Version.Label != Version.Label).ToList();
        var other = candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
        var rows = other?._ledger.Values.Where(r => r.FirstWrittenMs >= _startedAtClockMs).ToList() ?? [];
        if (other is null || rows.Count == 0)
        {
            return await ReadAsync(connection, ownKey); // nothing of another version to read yet
        }

        var row = rows[random.Next(rows.Count)];
        await using var command = Command(connection, _options.Version.CrossReadSql!, null, row.Key);
        var read = await ReadOneAsync(command);
        var history = row.Snapshot(includePending: true).Values;
        var accepted = Enumerable.Range(1, history.Count).Select(n => other.Version.FinalExpected(history.Take(n).ToList())).ToHashSet(StringComparer.Ordinal);
        if (read is null || !accepted.Contains(read))
        {
            return $"key {row.Key} of [{other.Version.Label}] read {Show(read)}, expected one of {string.Join(", ", accepted)}";
        }

        Interlocked.Increment(ref _crossReads);
        return null;
    }

    private static async Task<string?> ReadOneAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        string? value = null;
        var rows = 0;
        while (await reader.ReadAsync(CancellationToken.None))
        {
            rows++;
            value = reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture);
        }

        return rows == 1 ? value : rows == 0 ? "<no row>" : $"<{rows} rows>";
    }

    private static string Show(string? value) => value ?? "<null>";

    /// <summary>A ledger row: values written (and one maybe in flight), guarded by its own lock.</summary>
    private sealed class Row(long key, long first, double firstWrittenMs)
    {
        private readonly List<long> _values = [first];
        private long? _pending;

        public long Key { get; } = key;

        public double FirstWrittenMs { get; } = firstWrittenMs;

        public void Writing(long value)
        {
            lock (_values)
            {
                _pending = value;
            }
        }

        public void Written(long value)
        {
            lock (_values)
            {
                _values.Add(value);
                _pending = null;
            }
        }

        public void Failed(long value)
        {
            lock (_values)
            {
                _pending = null;
            }
        }

        public LedgerEntry Snapshot(bool includePending = false)
        {
            lock (_values)
            {
                var values = includePending && _pending is { } p ? [.. _values, p] : _values.ToList();
                return new LedgerEntry(Key, values, FirstWrittenMs);
            }
        }
    }
}

/// <summary>Clients running side by side (old and new application versions); thread-safe.</summary>
internal sealed class VersionedClientGroup
{
    private readonly object _gate = new();
    private IReadOnlyList<VersionedClient> _members = [];

    /// <summary>The members so far.</summary>
    public IReadOnlyList<VersionedClient> Members
    {
        get
        {
            lock (_gate)
            {
                return _members;
            }
        }
    }

    /// <summary>Adds a member (done by <see cref="VersionedClient.StartAsync"/>).</summary>
    public void Add(VersionedClient client)
    {
        lock (_gate)
        {
            _members = [.. _members, client];
        }
    }
}

/// <summary>The outcome of comparing the clients' ledgers with the final table.</summary>
/// <param name="Checked">Rows compared.</param>
/// <param name="Missing">Keys written by some client and absent from the final table (at most 10 listed).</param>
/// <param name="Wrong">Rows whose final value is not the last one written, as <c>key: found vs expected</c> (at most
/// 10 listed).</param>
/// <param name="MissingCount">All missing rows.</param>
/// <param name="WrongCount">All wrong rows.</param>
internal sealed record LedgerCheck(long Checked, IReadOnlyList<long> Missing, IReadOnlyList<string> Wrong, long MissingCount, long WrongCount)
{
    /// <summary>True when every written row is there with its last value.</summary>
    public bool Ok => MissingCount == 0 && WrongCount == 0;

    /// <summary>A description for failing assertions.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"checked {Checked} rows: {MissingCount} missing [{string.Join(", ", Missing)}], {WrongCount} wrong [{string.Join("; ", Wrong)}]");
}

/// <summary>Checks clients' ledgers against the database after the migration.</summary>
internal static class VersionLedger
{
    /// <summary>Reads every row the clients wrote with <paramref name="finalSql"/> (in the final schema's names: two
    /// columns, the bigint key and a text value, for the keys in the bigint[] parameter <c>@keys</c>, e.g.
    /// <c>SELECT id, amount_cents::text FROM public.orders WHERE id = ANY(@keys)</c>) and compares each with the
    /// writer's <see cref="AppVersion.FinalExpected"/> of the values it wrote there. Call after the clients stopped.</summary>
    /// <exception cref="NpgsqlException">The query failed.</exception>
    public static async Task<LedgerCheck> VerifyAsync(string connectionString, string finalSql, IEnumerable<VersionedClient> clients, CancellationToken ct)
    {
        var expected = new Dictionary<long, string>();
        foreach (var client in clients)
        {
            foreach (var entry in client.Ledger)
            {
                expected[entry.Key] = client.Version.FinalExpected(entry.Values);
            }
        }

        var found = new Dictionary<long, string?>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(finalSql, connection);
            command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = expected.Keys.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                found[Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture)] = reader.IsDBNull(1) ? null : Convert.ToString(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var missing = expected.Keys.Where(k => !found.ContainsKey(k)).Order().ToList();
        var wrong = expected.Where(e => found.TryGetValue(e.Key, out var f) && f != e.Value)
            .OrderBy(e => e.Key)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}: {found[e.Key] ?? "<null>"} vs {e.Value}"))
            .ToList();
        return new LedgerCheck(expected.Count, missing.Take(10).ToList(), wrong.Take(10).ToList(), missing.Count, wrong.Count);
    }
}
