using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;

namespace Pipeline.Postgres.Observation;

/// <summary>
/// Watches one backend (the target: e.g. the rehearsal executor's connection, whose pid is
/// <see cref="NpgsqlConnection.ProcessID"/>) from a second connection of its own, and records which relation locks
/// the target really holds and waits for, and for how long.
/// <para>
/// Every <see cref="Interval"/> (a <see cref="PeriodicTimer"/>: ticks that pass while a slow sample runs collapse
/// into one, so a slow server lowers the rate instead of queueing samples) it runs one prepared query joining <c>pg_stat_activity</c> (the target's
/// <c>wait_event_type</c>, https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW)
/// to its <c>pg_locks</c> rows of <c>locktype = 'relation'</c>, granted and not granted
/// (https://www.postgresql.org/docs/current/view-pg-locks.html), and to <c>pg_class</c>/<c>pg_namespace</c> for
/// names. Left out: locks of other backends (including the sampler's own), non-relation locks (virtualxid,
/// transactionid, tuple, advisory…; a wait on those still counts in <see cref="LockObservation.LockWaitMs"/>),
/// relations in <c>pg_catalog</c>, <c>information_schema</c> and <c>pg_toast</c>, and relations the sampler cannot
/// see yet (created in the target's uncommitted transaction). A lock on an index is reported as a separate
/// <see cref="ObservedLock"/> with <see cref="ObservedLock.Table"/> = its table (<c>pg_index.indrelid</c>) and
/// <see cref="ObservedLock.Index"/> = the index.
/// </para>
/// <para>
/// Resolution: a duration is measured from the first to the last sample that saw the lock, so it underestimates by
/// up to about two sampling intervals (see <see cref="LockObservation.MeanIntervalMs"/> and
/// <see cref="LockObservation.MaxIntervalMs"/>), and a lock held for less than one interval may be missed entirely
/// (e.g. a catalog-only ALTER TABLE in autocommit takes well under a millisecond). Reading <c>pg_locks</c> briefly
/// takes the lock manager's partition locks, so the view documentation warns it has some cost; at the default 5 ms
/// this is meant for a staging database, not production.
/// </para>
/// Thread safety: <see cref="CutAsync"/>, <see cref="StopAsync"/> and <see cref="DisposeAsync"/> may be called from
/// any thread; they are serialized with the sampling loop.
/// </summary>
public sealed class LockSampler : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _command;
    private readonly string _target;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly long _origin = Stopwatch.GetTimestamp();
    private LockAccumulator _current = new();
    private Task _loop = Task.CompletedTask;
    private PipelineConnectionException? _failure;
    private bool _stopped;
    private bool _disposed;

    private LockSampler(NpgsqlConnection connection, NpgsqlCommand command, string target, int targetPid, TimeSpan interval)
    {
        _connection = connection;
        _command = command;
        _target = target;
        TargetPid = targetPid;
        Interval = interval;
    }

    /// <summary>The default sampling interval: 5 ms.</summary>
    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The pid of the observed backend.</summary>
    public int TargetPid { get; }

    /// <summary>The requested sampling interval (the achieved one is in <see cref="LockObservation.MeanIntervalMs"/>).</summary>
    public TimeSpan Interval { get; }

    /// <summary>Starts sampling every <see cref="DefaultInterval"/>; see
    /// <see cref="StartAsync(string, int, TimeSpan, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">No backend has <paramref name="targetPid"/> or it is connected to another
    /// database.</exception>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static Task<LockSampler> StartAsync(string connectionString, int targetPid, CancellationToken ct)
        => StartAsync(connectionString, targetPid, DefaultInterval, ct);

    /// <summary>
    /// Opens the sampler's own connection (application name <c>pipeline lock sampler</c>, not pooled), checks that the
    /// target exists in the same database, takes a first sample and starts sampling in the background.
    /// </summary>
    /// <param name="connectionString">Connection to the target's database (Npgsql keywords or a <c>postgres://</c>
    /// URI); never echoed in messages. Seeing other roles' queries and wait events needs the same role, a superuser
    /// or <c>pg_read_all_stats</c>.</param>
    /// <param name="targetPid">Backend pid to observe (<see cref="NpgsqlConnection.ProcessID"/> of the executor).</param>
    /// <param name="interval">Time between samples, from 1 ms to 1 minute.</param>
    /// <param name="ct">Cancels the start (not the sampling: stop that with <see cref="StopAsync"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> or <paramref name="targetPid"/> is out of range.</exception>
    /// <exception cref="ArgumentException">No backend has <paramref name="targetPid"/>, it is the sampler itself, or it
    /// is connected to another database (its relation names could not be resolved).</exception>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<LockSampler> StartAsync(string connectionString, int targetPid, TimeSpan interval, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, TimeSpan.FromMinutes(1));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPid);
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStrings.ToNpgsql(connectionString))
        {
            ApplicationName = "pipeline lock sampler",
            Pooling = false,
        };
        var target = ConnectionStrings.Describe(connectionString);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        NpgsqlCommand? command = null;
        try
        {
            await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
            {
                await connection.OpenAsync(ct);
                return true;
            });
            if (connection.ProcessID == targetPid)
            {
                throw new ArgumentException("The lock sampler cannot observe its own connection.", nameof(targetPid));
            }

            var inThisDatabase = await ConnectionStrings.GuardAsync("Cannot read pg_stat_activity of PostgreSQL at", target, async () =>
            {
                await using var check = new NpgsqlCommand(ObservationQueries.TargetInThisDatabase, connection)
                {
                    Parameters = { new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = targetPid } },
                };
                return await check.ExecuteScalarAsync(ct);
            });
            if (inThisDatabase is null)
            {
                throw new ArgumentException($"No PostgreSQL backend with pid {targetPid} is running at {target}.", nameof(targetPid));
            }

            if (inThisDatabase is not true)
            {
                throw new ArgumentException($"Backend {targetPid} is connected to another database than {target}; its locks cannot be named.", nameof(targetPid));
            }

            command = new NpgsqlCommand(ObservationQueries.Sample, connection)
            {
                Parameters = { new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = targetPid } },
            };
            await ConnectionStrings.GuardAsync("Cannot prepare the lock sampling query at", target, async () =>
            {
                await command.PrepareAsync(ct);
                return true;
            });
            var sampler = new LockSampler(connection, command, target, targetPid, interval);
            sampler._current.Add(await sampler.SampleAsync(ct));
            sampler._loop = Task.Run(() => sampler.RunAsync(sampler._stop.Token), CancellationToken.None);
            return sampler;
        }
        catch
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Takes one more sample and returns everything observed since the start or the previous cut; the next
    /// observation starts at that same sample, so consecutive cuts cover the time without a gap (a lock held across
    /// a cut is counted in both observations from/to the boundary sample). Call it between two steps.
    /// </summary>
    /// <param name="ct">Cancellation of the boundary sample.</param>
    /// <exception cref="InvalidOperationException">The sampler has been stopped or disposed.</exception>
    /// <exception cref="PipelineConnectionException">The sampling connection failed (now or earlier in the
    /// background); the sampler stops sampling.</exception>
    public async Task<LockObservation> CutAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            ThrowIfNotRunning();
            var boundary = await SampleAsync(ct);
            _current.Add(boundary);
            var observation = _current.Build();
            _current = new LockAccumulator();
            _current.Add(boundary);
            return observation;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops sampling, takes a last sample, closes the connection and returns what was observed since the start or
    /// the previous <see cref="CutAsync"/>.
    /// </summary>
    /// <param name="ct">Cancellation of the last sample.</param>
    /// <exception cref="InvalidOperationException">The sampler has already been stopped or disposed.</exception>
    /// <exception cref="PipelineConnectionException">The sampling connection failed (now or earlier in the background).</exception>
    public async Task<LockObservation> StopAsync(CancellationToken ct = default)
    {
        await StopLoopAsync();
        await _gate.WaitAsync(ct);
        try
        {
            ThrowIfNotRunning();
            _stopped = true;
            _current.Add(await SampleAsync(ct));
            return _current.Build();
        }
        finally
        {
            _stopped = true;
            _gate.Release();
            await DisposeAsync();
        }
    }

    /// <summary>Stops sampling (discarding the observation) and closes the connection. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopLoopAsync();
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopped = true;
            await _command.DisposeAsync();
            await _connection.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopLoopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await _gate.WaitAsync(stop);
                try
                {
                    if (_failure is not null || _stopped)
                    {
                        return;
                    }

                    _current.Add(await SampleAsync(CancellationToken.None));
                }
                catch (PipelineConnectionException)
                {
                    return; // recorded in _failure; reported by CutAsync/StopAsync
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // stopped
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unexpected (not a driver error): keep the loop task from faulting; CutAsync/StopAsync report it.
            _failure ??= new PipelineConnectionException($"Lock sampling failed at {_target}: {ex.Message}", ex) { Target = _target };
        }
    }

    private void ThrowIfNotRunning()
    {
        if (_failure is not null)
        {
            throw new PipelineConnectionException(_failure.Message, _failure) { Target = _target };
        }

        if (_stopped || _disposed)
        {
            throw new InvalidOperationException("The lock sampler has been stopped.");
        }
    }

    private async Task<LockSample> SampleAsync(CancellationToken ct)
    {
        try
        {
            return await ConnectionStrings.GuardAsync("Lock sampling failed at", _target, () => QueryAsync(ct));
        }
        catch (PipelineConnectionException ex)
        {
            _failure ??= ex;
            throw;
        }
    }

    private async Task<LockSample> QueryAsync(CancellationToken ct)
    {
        var before = Stopwatch.GetTimestamp();
        var present = false;
        var waiting = false;
        var locks = new List<SampledLock>();
        await using (var reader = await _command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                present = true;
                waiting |= !reader.IsDBNull(0) && reader.GetString(0) == "Lock";
                if (LockRowReader.Read(reader) is not { } sampled)
                {
                    continue; // no lock, a relation this snapshot cannot see, a system catalog or an unknown mode
                }

                locks.Add(sampled);
            }
        }

        var after = Stopwatch.GetTimestamp();
        var atMs = Stopwatch.GetElapsedTime(_origin, before + ((after - before) / 2)).TotalMilliseconds;
        return new LockSample(atMs, present, waiting, locks);
    }
}
