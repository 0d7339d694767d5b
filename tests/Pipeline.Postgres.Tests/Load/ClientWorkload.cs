using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

// This file is also compiled into build/bench/Pipeline.Benchmark (linked), so it uses only Npgsql and the BCL.
namespace Pipeline.Postgres.Tests.Load;

/// <summary>A column the workload writes: its name and a SQL expression for the value, which may use the bigint
/// parameter <c>@r</c> (a fresh non-negative random number per statement), e.g. <c>1 + @r % 100</c>.</summary>
/// <param name="Name">Column name as SQL text (quote it yourself if needed).</param>
/// <param name="Expression">SQL value expression.</param>
internal sealed record WorkloadColumn(string Name, string Expression);

/// <summary>What the workload's statements look like; can be switched while it runs
/// (<see cref="ClientWorkload.SwitchShapeAsync"/>), as a new application version rolls out.</summary>
/// <param name="InsertColumns">Columns set by <c>INSERT</c> (empty: <c>DEFAULT VALUES</c>).</param>
/// <param name="UpdateColumns">Columns set by <c>UPDATE … WHERE key = @k</c> (empty: no updates are run, the share
/// goes to selects).</param>
/// <param name="SelectColumns">Select list of <c>SELECT … WHERE key = @k</c> (explicit columns, not <c>*</c>, as a
/// careful application does).</param>
internal sealed record WorkloadShape(
    IReadOnlyList<WorkloadColumn> InsertColumns,
    IReadOnlyList<WorkloadColumn> UpdateColumns,
    string SelectColumns);

/// <summary>Configuration of a <see cref="ClientWorkload"/>.</summary>
/// <param name="ConnectionString">Target database (loopback only; never printed).</param>
/// <param name="Table">Table as SQL text, e.g. <c>public.orders</c>.</param>
/// <param name="KeyColumn">Single-column bigint/integer primary key, filled by the database on insert
/// (identity/serial); updates and selects pick a random key between <paramref name="MinKey"/> and the highest key
/// known (given or inserted).</param>
/// <param name="MinKey">Lowest existing key.</param>
/// <param name="MaxKey">Highest existing key at start.</param>
/// <param name="Shape">Initial statement shape.</param>
/// <param name="Clients">Concurrent connections, each running one statement at a time. Default 4.</param>
/// <param name="StatementsPerSecondPerClient">Target rate per client (statements/s); 0 = as fast as possible.
/// Default 200 (a steady OLTP load that leaves CPU for the migration on a small machine).</param>
/// <param name="InsertPercent">Share of INSERTs, %. Default 20.</param>
/// <param name="UpdatePercent">Share of UPDATEs by key, %. Default 30; the rest are SELECTs by key.</param>
/// <param name="MaxDuration">Hard cap of a run; clients stop by themselves after it. Default 15 min.</param>
/// <param name="MaxStatementsPerClient">Hard cap of statements per client. Default 5,000,000.</param>
/// <param name="SlowStatementMs">Statements slower than this (ms) are listed in the result (likely lock waits).
/// Default 100.</param>
/// <param name="CommandTimeoutSeconds">Npgsql command timeout, s: a statement stuck longer is an error. Default 60.</param>
internal sealed record WorkloadOptions(
    string ConnectionString,
    string Table,
    string KeyColumn,
    long MinKey,
    long MaxKey,
    WorkloadShape Shape,
    int Clients = 4,
    double StatementsPerSecondPerClient = 200,
    int InsertPercent = 20,
    int UpdatePercent = 30,
    TimeSpan? MaxDuration = null,
    long MaxStatementsPerClient = 5_000_000,
    double SlowStatementMs = 100,
    int CommandTimeoutSeconds = 60);

/// <summary>Kind of a workload statement.</summary>
internal enum WorkloadStatementKind : byte
{
    /// <summary>INSERT … RETURNING key.</summary>
    Insert,

    /// <summary>UPDATE … WHERE key = @k.</summary>
    Update,

    /// <summary>SELECT … WHERE key = @k.</summary>
    Select,
}

/// <summary>Latency and throughput figures over an interval.</summary>
/// <param name="Statements">Statements completed (including failed ones).</param>
/// <param name="Errors">Statements that failed.</param>
/// <param name="ElapsedMs">Length of the interval, ms.</param>
/// <param name="StatementsPerSecond">Throughput, statements/s.</param>
/// <param name="P50Ms">Median latency, ms.</param>
/// <param name="P99Ms">99th percentile latency, ms.</param>
/// <param name="MaxMs">Maximum latency, ms: an upper bound of the longest time any statement waited for a lock.</param>
/// <param name="Slow">Statements slower than <see cref="WorkloadOptions.SlowStatementMs"/>.</param>
internal sealed record LatencySummary(long Statements, long Errors, double ElapsedMs, double StatementsPerSecond, double P50Ms, double P99Ms, double MaxMs, long Slow)
{
    /// <summary>One line: <c>stmts=… err=… rate=…/s p50=… p99=… max=… ms slow=…</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"stmts={Statements} err={Errors} rate={StatementsPerSecond:F0}/s p50={P50Ms:F2} p99={P99Ms:F2} max={MaxMs:F1} ms slow={Slow}");
}

/// <summary>Figures between two marks (<see cref="ClientWorkload.Mark"/>); statements are attributed to the segment
/// in which they started.</summary>
/// <param name="Label">The mark that opened the segment (<c>start</c> for the first).</param>
/// <param name="StartMs">Start, ms since the workload started.</param>
/// <param name="EndMs">End, ms since the workload started.</param>
/// <param name="Summary">Figures.</param>
internal sealed record WorkloadSegment(string Label, double StartMs, double EndMs, LatencySummary Summary);

/// <summary>A statement that was slow or failed.</summary>
/// <param name="Kind">Statement kind.</param>
/// <param name="StartMs">When it started, ms since the workload started.</param>
/// <param name="LatencyMs">How long it took, ms.</param>
/// <param name="Segment">Label of the segment it started in.</param>
/// <param name="Error">The error message, if it failed.</param>
internal sealed record WorkloadEvent(WorkloadStatementKind Kind, double StartMs, double LatencyMs, string Segment, string? Error);

/// <summary>The outcome of a workload run.</summary>
/// <param name="Total">Figures over the whole run.</param>
/// <param name="Inserts">INSERTs that succeeded.</param>
/// <param name="Updates">UPDATEs that succeeded.</param>
/// <param name="Selects">SELECTs that succeeded.</param>
/// <param name="FirstErrors">The first errors (at most 10).</param>
/// <param name="Slowest">The slowest statements above the slow threshold, slowest first (at most 10).</param>
/// <param name="Segments">Figures per marked segment, in order.</param>
internal sealed record WorkloadResult(
    LatencySummary Total,
    long Inserts,
    long Updates,
    long Selects,
    IReadOnlyList<WorkloadEvent> FirstErrors,
    IReadOnlyList<WorkloadEvent> Slowest,
    IReadOnlyList<WorkloadSegment> Segments)
{
    /// <summary>A multi-line description for logs and failing assertions.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"total: {Total} (insert={Inserts} update={Updates} select={Selects})"),
        };
        lines.AddRange(Segments.Select(s => string.Create(CultureInfo.InvariantCulture, $"  [{s.Label}] {s.StartMs:F0}..{s.EndMs:F0} ms: {s.Summary}")));
        lines.AddRange(FirstErrors.Select(e => string.Create(CultureInfo.InvariantCulture, $"  error {e.Kind} at {e.StartMs:F0} ms [{e.Segment}]: {e.Error}")));
        lines.AddRange(Slowest.Select(e => string.Create(CultureInfo.InvariantCulture, $"  slow {e.Kind} at {e.StartMs:F0} ms [{e.Segment}]: {e.LatencyMs:F1} ms")));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// A concurrent client workload, standing in for the application during a migration: N connections, each running in a
/// loop a steady mix of <c>INSERT</c>, <c>UPDATE</c> by primary key and <c>SELECT</c> by primary key (autocommit, one
/// statement at a time, at a target rate), recording every statement's latency and error. Bounded: it stops on
/// <see cref="StopAsync"/>, after <see cref="WorkloadOptions.MaxDuration"/>, or after
/// <see cref="WorkloadOptions.MaxStatementsPerClient"/> statements per client. A statement's latency is an upper bound
/// of the time it waited for locks (see https://www.postgresql.org/docs/current/explicit-locking.html).
/// </summary>
internal sealed class ClientWorkload : IAsyncDisposable
{
    private const int MaxListed = 10;
    private static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromMinutes(15);
    private readonly WorkloadOptions _options;
    private readonly List<NpgsqlConnection> _connections;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private readonly List<(string Label, double AtMs)> _marks = [("start", 0)];
    private readonly List<Record>[] _records;
    private readonly int[] _clientGeneration;
    private readonly object _gate = new();
    private (int Generation, WorkloadShape Shape) _shape;
    private Task[] _tasks = [];
    private long _maxKnownKey;
    private long _statements;
    private long _errors;
    private double _stoppedAtMs = -1;

    private ClientWorkload(WorkloadOptions options, List<NpgsqlConnection> connections)
    {
        _options = options;
        _connections = connections;
        _records = connections.Select(_ => new List<Record>()).ToArray();
        _clientGeneration = new int[connections.Count];
        _shape = (0, options.Shape);
        _maxKnownKey = options.MaxKey;
    }

    /// <summary>Statements completed so far (all clients).</summary>
    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>Statements failed so far (all clients).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Opens the connections and starts the clients.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="NpgsqlException">A connection could not be opened.</exception>
    public static async Task<ClientWorkload> StartAsync(WorkloadOptions options, CancellationToken ct)
    {
        if (options.Clients < 1 || options.InsertPercent < 0 || options.UpdatePercent < 0 || options.InsertPercent + options.UpdatePercent > 100)
        {
            throw new ArgumentException("workload: clients must be >= 1 and insert% + update% between 0 and 100", nameof(options));
        }

        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < options.Clients; i++)
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

        var workload = new ClientWorkload(options, connections);
        workload.Start();
        return workload;
    }

    /// <summary>Starts a new segment named <paramref name="label"/> now (e.g. before each migration phase).</summary>
    public void Mark(string label)
    {
        lock (_gate)
        {
            _marks.Add((label, NowMs()));
        }
    }

    /// <summary>Switches the statement shape (a new application version) and waits until every running client has
    /// finished its statements of the old shape, so from then on only the new shape runs.</summary>
    public async Task SwitchShapeAsync(WorkloadShape shape, CancellationToken ct)
    {
        int generation;
        lock (_gate)
        {
            generation = _shape.Generation + 1;
            _shape = (generation, shape);
        }

        while (true)
        {
            var pending = false;
            for (var i = 0; i < _tasks.Length; i++)
            {
                if (!_tasks[i].IsCompleted && Volatile.Read(ref _clientGeneration[i]) < generation)
                {
                    pending = true;
                }
            }

            if (!pending)
            {
                return;
            }

            await Task.Delay(5, ct);
        }
    }

    /// <summary>Lets every client finish its current statement, stops them and summarises the run.</summary>
    public async Task<WorkloadResult> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
        if (_stoppedAtMs < 0)
        {
            _stoppedAtMs = Math.Min(NowMs(), (_options.MaxDuration ?? DefaultMaxDuration).TotalMilliseconds);
        }

        return Summarise();
    }

    /// <summary>Figures of the statements that started from mark <paramref name="fromMark"/> up to mark
    /// <paramref name="untilMark"/> (or the end of the run when <c>null</c>); call after <see cref="StopAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">Not stopped yet.</exception>
    /// <exception cref="ArgumentException">An unknown mark.</exception>
    public LatencySummary SummaryBetween(string fromMark, string? untilMark)
    {
        if (_stoppedAtMs < 0)
        {
            throw new InvalidOperationException("the workload is still running");
        }

        double At(string label) => _marks.FindIndex(m => m.Label == label) is var i and >= 0
            ? _marks[i].AtMs
            : throw new ArgumentException($"no mark '{label}'", nameof(fromMark));
        var from = At(fromMark);
        var to = untilMark is null ? _stoppedAtMs : At(untilMark);
        return Summary(_records.SelectMany(r => r).Where(r => r.StartMs >= from && r.StartMs < to).ToList(), to - from);
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

    private double NowMs() => _clock.Elapsed.TotalMilliseconds;

    private void Start()
    {
        _clock.Start();
        var deadline = _options.MaxDuration ?? DefaultMaxDuration;
        _stop.CancelAfter(deadline);
        _tasks = _connections.Select((c, i) => Task.Run(() => RunClientAsync(i, c))).ToArray();
    }

    private async Task RunClientAsync(int client, NpgsqlConnection connection)
    {
        var random = new Random(unchecked((client + 1) * 7919 + Environment.TickCount));
        var records = _records[client];
        var interval = _options.StatementsPerSecondPerClient > 0 ? 1000.0 / _options.StatementsPerSecondPerClient : 0;
        var next = NowMs();
        var stop = _stop.Token;
        for (long n = 0; n < _options.MaxStatementsPerClient && !stop.IsCancellationRequested; n++)
        {
            if (interval > 0)
            {
                next += interval;
                var wait = next - NowMs();
                if (wait < -1000)
                {
                    next = NowMs(); // far behind (e.g. after a long wait): do not burst to catch up
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
            }

            (int Generation, WorkloadShape Shape) current;
            lock (_gate)
            {
                current = _shape;
            }

            Volatile.Write(ref _clientGeneration[client], current.Generation);
            var kind = PickKind(random, current.Shape);
            var started = NowMs();
            string? error = null;
            try
            {
                if (connection.State != System.Data.ConnectionState.Open)
                {
                    await connection.CloseAsync();
                    await connection.OpenAsync(CancellationToken.None);
                }

                await RunStatementAsync(connection, kind, current.Shape, random);
            }
            catch (Exception e)
            {
                error = e.Message;
            }

            var latency = NowMs() - started;
            records.Add(new Record((float)started, (float)latency, kind, error));
            Interlocked.Increment(ref _statements);
            if (error is not null)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    private WorkloadStatementKind PickKind(Random random, WorkloadShape shape)
    {
        var roll = random.Next(100);
        if (roll < _options.InsertPercent)
        {
            return WorkloadStatementKind.Insert;
        }

        return roll < _options.InsertPercent + _options.UpdatePercent && shape.UpdateColumns.Count > 0
            ? WorkloadStatementKind.Update
            : WorkloadStatementKind.Select;
    }

    private async Task RunStatementAsync(NpgsqlConnection connection, WorkloadStatementKind kind, WorkloadShape shape, Random random)
    {
        var table = _options.Table;
        var key = _options.KeyColumn;
        await using var command = connection.CreateCommand();
        command.CommandTimeout = _options.CommandTimeoutSeconds;
        command.Parameters.Add(new NpgsqlParameter("r", NpgsqlDbType.Bigint) { Value = random.NextInt64(0, long.MaxValue / 4) });
        switch (kind)
        {
            case WorkloadStatementKind.Insert:
                command.CommandText = shape.InsertColumns.Count == 0
                    ? $"INSERT INTO {table} DEFAULT VALUES RETURNING {key}"
                    : $"INSERT INTO {table} ({string.Join(", ", shape.InsertColumns.Select(c => c.Name))}) VALUES ({string.Join(", ", shape.InsertColumns.Select(c => c.Expression))}) RETURNING {key}";
                var inserted = await command.ExecuteScalarAsync(CancellationToken.None);
                if (inserted is not null and not DBNull)
                {
                    RaiseMaxKey(Convert.ToInt64(inserted, CultureInfo.InvariantCulture));
                }

                break;
            case WorkloadStatementKind.Update:
                command.CommandText = $"UPDATE {table} SET {string.Join(", ", shape.UpdateColumns.Select(c => c.Name + " = " + c.Expression))} WHERE {key} = @k";
                command.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Bigint) { Value = RandomKey(random) });
                await command.ExecuteNonQueryAsync(CancellationToken.None);
                break;
            default:
                command.CommandText = $"SELECT {shape.SelectColumns} FROM {table} WHERE {key} = @k";
                command.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Bigint) { Value = RandomKey(random) });
                await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
                {
                    while (await reader.ReadAsync(CancellationToken.None))
                    {
                    }
                }

                break;
        }
    }

    private long RandomKey(Random random) => random.NextInt64(_options.MinKey, Interlocked.Read(ref _maxKnownKey) + 1);

    private void RaiseMaxKey(long key)
    {
        var seen = Interlocked.Read(ref _maxKnownKey);
        while (key > seen)
        {
            var previous = Interlocked.CompareExchange(ref _maxKnownKey, key, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private WorkloadResult Summarise()
    {
        List<(string Label, double AtMs)> marks;
        lock (_gate)
        {
            marks = [.. _marks];
        }

        var all = _records.SelectMany(r => r).OrderBy(r => r.StartMs).ToList();
        var bounds = marks.Select(m => m.AtMs).Append(_stoppedAtMs).ToList();
        string SegmentOf(double at)
        {
            for (var i = marks.Count - 1; i >= 0; i--)
            {
                if (at >= marks[i].AtMs)
                {
                    return marks[i].Label;
                }
            }

            return marks[0].Label;
        }

        var segments = new List<WorkloadSegment>();
        for (var i = 0; i < marks.Count; i++)
        {
            var from = bounds[i];
            var to = Math.Max(from, bounds[i + 1]);
            var slice = all.Where(r => r.StartMs >= from && (i == marks.Count - 1 || r.StartMs < to)).ToList();
            segments.Add(new WorkloadSegment(marks[i].Label, from, to, Summary(slice, to - from)));
        }

        var errors = all.Where(r => r.Error is not null).Take(MaxListed)
            .Select(r => new WorkloadEvent(r.Kind, r.StartMs, r.LatencyMs, SegmentOf(r.StartMs), r.Error)).ToList();
        var slowest = all.Where(r => r.LatencyMs > _options.SlowStatementMs).OrderByDescending(r => r.LatencyMs).Take(MaxListed)
            .Select(r => new WorkloadEvent(r.Kind, r.StartMs, r.LatencyMs, SegmentOf(r.StartMs), r.Error)).ToList();
        long Ok(WorkloadStatementKind k) => all.LongCount(r => r.Kind == k && r.Error is null);
        return new WorkloadResult(
            Summary(all, _stoppedAtMs),
            Ok(WorkloadStatementKind.Insert),
            Ok(WorkloadStatementKind.Update),
            Ok(WorkloadStatementKind.Select),
            errors,
            slowest,
            segments);
    }

    private LatencySummary Summary(List<Record> records, double elapsedMs)
    {
        if (records.Count == 0)
        {
            return new LatencySummary(0, 0, elapsedMs, 0, 0, 0, 0, 0);
        }

        var sorted = records.Select(r => (double)r.LatencyMs).Order().ToArray();
        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(
            records.Count,
            records.LongCount(r => r.Error is not null),
            elapsedMs,
            elapsedMs > 0 ? records.Count * 1000.0 / elapsedMs : 0,
            Percentile(0.50),
            Percentile(0.99),
            sorted[^1],
            records.LongCount(r => r.LatencyMs > _options.SlowStatementMs));
    }

    private readonly record struct Record(float StartMs, float LatencyMs, WorkloadStatementKind Kind, string? Error);
}
