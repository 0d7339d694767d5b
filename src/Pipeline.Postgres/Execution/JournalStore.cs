using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// Reads and writes the journal of one plan on an open connection. Statements run in whatever transaction the
/// connection is in: the executor calls <see cref="MarkDoneAsync"/> and <see cref="RecordBatchAsync"/> inside the
/// step's (or batch's) transaction so the work and its record commit together, and the others in autocommit.
/// </summary>
internal sealed class JournalStore(NpgsqlConnection connection, string planFingerprint)
{
    /// <summary>The plan whose journal this is.</summary>
    public string PlanFingerprint => planFingerprint;

    /// <summary>Creates the journal schema and tables if missing, and adds the columns of this version to a journal
    /// created by an earlier one (own transaction).</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand(JournalSql.IsCurrent, connection))
        {
            if (await exists.ExecuteScalarAsync(ct) is true)
            {
                return; // no CREATE privilege needed once the journal exists
            }
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var statement in SqlScriptSplitter.Split(JournalSql.Create).Concat(SqlScriptSplitter.Split(JournalSql.Upgrade)))
        {
            await using var command = new NpgsqlCommand(statement, connection, tx);
            await command.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Reads the journal of <paramref name="fingerprint"/>; empty when the journal does not exist.</summary>
    public static async Task<JournalState> ReadAsync(NpgsqlConnection connection, string fingerprint, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand(JournalSql.Exists, connection))
        {
            if (await exists.ExecuteScalarAsync(ct) is not true)
            {
                return new JournalState(fingerprint, [], []);
            }
        }

        bool ranges;
        await using (var exists = new NpgsqlCommand(JournalSql.RangesExist, connection))
        {
            ranges = await exists.ExecuteScalarAsync(ct) is true;
        }

        var steps = new List<JournalStep>();
        await using (var command = Command(connection, ranges ? JournalSql.ReadStepsWithRanges : JournalSql.ReadSteps, Text(fingerprint)))
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                steps.Add(new JournalStep(
                    r.GetInt32(0),
                    ParsePhase(r.GetString(1)),
                    r.GetString(2),
                    ParseState(r.GetString(3)),
                    r.GetInt32(4),
                    r.GetInt32(5),
                    r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
                    r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
                    r.GetInt64(8),
                    r.IsDBNull(9) ? null : r.GetString(9),
                    r.IsDBNull(10) ? null : r.GetString(10))
                {
                    Rollback = IsRollbackName(r.GetString(1)),
                    LockRetryWaitMs = r.GetDouble(11),
                    Faults = new FaultRetries(r.GetInt32(12), r.GetInt32(13), r.GetInt32(14), r.GetDouble(15)),
                });
            }
        }

        var phases = new List<JournalPhase>();
        await using (var command = Command(connection, JournalSql.ReadPhases, Text(fingerprint)))
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                phases.Add(new JournalPhase(
                    ParsePhase(r.GetString(0)),
                    r.GetFieldValue<DateTimeOffset>(1),
                    r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
                    r.GetBoolean(3),
                    r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5))
                {
                    Rollback = IsRollbackName(r.GetString(0)),
                    RolledBackAt = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
                });
            }
        }

        return new JournalState(fingerprint, steps, phases);
    }

    /// <summary>Reads this plan's journal.</summary>
    public Task<JournalState> ReadAsync(CancellationToken ct) => ReadAsync(connection, planFingerprint, ct);

    /// <summary>Takes the session-level advisory lock of the plan; false when another session holds it.</summary>
    public async Task<bool> TryLockPlanAsync(CancellationToken ct)
    {
        await using var command = Command(connection, JournalSql.TryLockPlan, Text(planFingerprint));
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// Takes the plan's lock, polling for up to <paramref name="patience"/>: a previous executor's session may still be
    /// ending (the server releases its locks when the backend exits, shortly after the client disconnected).
    /// </summary>
    public async Task<bool> LockPlanAsync(TimeSpan patience, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await TryLockPlanAsync(ct))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(100, ct);
        }

        return true;
    }

    /// <summary>Releases the plan's lock.</summary>
    public async Task UnlockPlanAsync(CancellationToken ct)
    {
        await using var command = Command(connection, JournalSql.UnlockPlan, Text(planFingerprint));
        await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Registers the steps (pending, unless they already have a row); <paramref name="rollback"/> registers
    /// them under the rollback of their phase (<see cref="NameOf"/>).</summary>
    public async Task RegisterAsync(IEnumerable<(int Ordinal, Phase Phase, string Summary)> steps, CancellationToken ct, bool rollback = false)
    {
        foreach (var (ordinal, phase, summary) in steps)
        {
            await ExecuteAsync(JournalSql.RegisterStep, ct, Text(planFingerprint), Int(ordinal), Text(NameOf(phase, rollback)), Text(summary));
        }
    }

    /// <summary>Records the start of a phase run (or of its rollback).</summary>
    public Task StartPhaseAsync(Phase phase, CancellationToken ct, bool rollback = false) =>
        ExecuteAsync(JournalSql.StartPhase, ct, Text(planFingerprint), Text(NameOf(phase, rollback)));

    /// <summary>Records the end of a phase run (or of its rollback).</summary>
    public Task FinishPhaseAsync(Phase phase, bool completed, string? fingerprint, string? snapshot, CancellationToken ct, bool rollback = false) =>
        ExecuteAsync(JournalSql.FinishPhase, ct, Text(planFingerprint), Text(NameOf(phase, rollback)), Bool(completed), Text(fingerprint), Text(snapshot));

    /// <summary>Starts the rollback of <paramref name="phase"/> over when its previous rollback completed.</summary>
    public async Task RestartRollbackAsync(Phase phase, CancellationToken ct)
    {
        await ExecuteAsync(JournalSql.RestartRollbackPhase, ct, Text(planFingerprint), Text(NameOf(phase, rollback: true)));
        await ExecuteAsync(JournalSql.DeleteRangesOfPhase, ct, Text(planFingerprint), Text(NameOf(phase, rollback: true)));
        await ExecuteAsync(JournalSql.RestartRollbackSteps, ct, Text(planFingerprint), Text(NameOf(phase, rollback: true)));
    }

    /// <summary>Records that <paramref name="phase"/> is rolled back (call in the transaction that records the
    /// rollback as completed): its steps pending again, its row not completed, <c>rolled_back_at</c> set.</summary>
    public async Task MarkRolledBackAsync(Phase phase, CancellationToken ct)
    {
        await ExecuteAsync(JournalSql.DeleteRangesOfPhase, ct, Text(planFingerprint), Text(phase.Name()));
        await ExecuteAsync(JournalSql.MarkRolledBackSteps, ct, Text(planFingerprint), Text(phase.Name()));
        await ExecuteAsync(JournalSql.MarkRolledBackPhase, ct, Text(planFingerprint), Text(phase.Name()));
    }

    /// <summary>The journal's name of a phase, or of its rollback: <c>expand</c>, <c>rollback-expand</c>.</summary>
    public static string NameOf(Phase phase, bool rollback) => rollback ? RollbackPrefix + phase.Name() : phase.Name();

    /// <summary>Whether a journal phase name is a rollback's (<c>rollback-expand</c>, <c>rollback-backfill</c>).</summary>
    public static bool IsRollbackName(string name) => name.StartsWith(RollbackPrefix, StringComparison.Ordinal);

    private const string RollbackPrefix = "rollback-";

    /// <summary>Marks a step running and counts the attempt.</summary>
    public Task MarkRunningAsync(int ordinal, CancellationToken ct) =>
        ExecuteAsync(JournalSql.MarkRunning, ct, Text(planFingerprint), Int(ordinal));

    /// <summary>Marks a step done (call inside the step's transaction for transactional steps).</summary>
    public Task MarkDoneAsync(int ordinal, CancellationToken ct) =>
        ExecuteAsync(JournalSql.MarkDone, ct, Text(planFingerprint), Int(ordinal));

    /// <summary>Marks a step failed (unless already done) with <paramref name="error"/>.</summary>
    public Task MarkFailedAsync(int ordinal, string error, CancellationToken ct) =>
        ExecuteAsync(JournalSql.MarkFailed, ct, Text(planFingerprint), Int(ordinal), Text(error));

    /// <summary>Counts one lock_timeout retry and its backoff wait (ms).</summary>
    public Task AddLockRetryAsync(int ordinal, double waitMs, CancellationToken ct) =>
        ExecuteAsync(JournalSql.AddLockRetry, ct, Text(planFingerprint), Int(ordinal), new NpgsqlParameter { Value = waitMs, NpgsqlDbType = NpgsqlDbType.Double });

    /// <summary>Counts one retried deadlock, serialization failure or lost connection and the time it cost (ms).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is a lock timeout (see
    /// <see cref="AddLockRetryAsync"/>).</exception>
    public Task AddFaultRetryAsync(int ordinal, FaultKind kind, double waitMs, CancellationToken ct)
    {
        var column = kind switch
        {
            FaultKind.Deadlock => "deadlock_retries",
            FaultKind.SerializationFailure => "serialization_retries",
            FaultKind.ConnectionLost => "reconnects",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "lock timeouts are counted by AddLockRetryAsync"),
        };
        return ExecuteAsync(JournalSql.AddFaultRetry(column), ct, Text(planFingerprint), Int(ordinal), new NpgsqlParameter { Value = waitMs, NpgsqlDbType = NpgsqlDbType.Double });
    }

    /// <summary>The journal row of step <paramref name="ordinal"/>, or <c>null</c>.</summary>
    public async Task<JournalStep?> ReadStepAsync(int ordinal, CancellationToken ct) =>
        (await ReadAsync(ct)).Steps.FirstOrDefault(s => s.Ordinal == ordinal);

    /// <summary>Records a backfill batch inside its transaction; returns rows done in all.</summary>
    public async Task<long> RecordBatchAsync(int ordinal, long rows, string? highWaterJson, bool last, CancellationToken ct)
    {
        await using var command = Command(connection, JournalSql.RecordBatch,
            Text(planFingerprint), Int(ordinal), new NpgsqlParameter { Value = rows, NpgsqlDbType = NpgsqlDbType.Bigint }, Text(highWaterJson), Bool(last));
        return await command.ExecuteScalarAsync(ct) is long total ? total : rows;
    }

    /// <summary>The statement of <see cref="RecordBatchAsync"/> as a command of a batch (so that it can share a round
    /// trip with the COMMIT); its result is the rows done in all.</summary>
    public NpgsqlBatchCommand RecordBatchCommand(int ordinal, long rows, string? highWaterJson, bool last)
    {
        var command = new NpgsqlBatchCommand(JournalSql.RecordBatch);
        command.Parameters.AddRange(new[] { Text(planFingerprint), Int(ordinal), new NpgsqlParameter { Value = rows, NpgsqlDbType = NpgsqlDbType.Bigint }, Text(highWaterJson), Bool(last) });
        return command;
    }

    /// <summary>The statement of <see cref="JournalSql.RecordBatchMark"/> as a command of a batch, after the batch
    /// statement and before the COMMIT; its result is the rows done in all (no row when the batch found no key).</summary>
    public NpgsqlBatchCommand RecordBatchMarkCommand(int ordinal)
    {
        var command = new NpgsqlBatchCommand(JournalSql.RecordBatchMark);
        command.Parameters.AddRange(new[] { Text(planFingerprint), Int(ordinal) });
        return command;
    }

    /// <summary>The key ranges of backfill step <paramref name="ordinal"/> (empty when it was not split).</summary>
    public async Task<IReadOnlyList<BackfillRange>> ReadRangesAsync(int ordinal, CancellationToken ct)
    {
        var ranges = new List<BackfillRange>();
        await using var command = Command(connection, JournalSql.ReadRanges, Text(planFingerprint), Int(ordinal));
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            ranges.Add(new BackfillRange(
                r.GetInt32(0),
                r.IsDBNull(1) ? null : r.GetString(1),
                r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3),
                r.GetInt64(4),
                r.GetBoolean(5)));
        }

        return ranges;
    }

    /// <summary>Records the key ranges of backfill step <paramref name="ordinal"/>, all in one transaction (ranges
    /// already recorded are kept); bounds are JSON arrays of the key's columns as text, <c>null</c> for none.</summary>
    public async Task InsertRangesAsync(int ordinal, IReadOnlyList<(string? Lower, string? Upper)> ranges, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        for (var i = 0; i < ranges.Count; i++)
        {
            await ExecuteAsync(JournalSql.InsertRange, ct, Text(planFingerprint), Int(ordinal), Int(i), Text(ranges[i].Lower), Text(ranges[i].Upper));
        }

        await tx.CommitAsync(ct);
    }

    /// <summary><see cref="JournalSql.RecordRangeMark"/> as a command of a batch, after the batch statement and before
    /// the COMMIT; its result is the range's rows done (no row when the batch found no key).</summary>
    public NpgsqlBatchCommand RecordRangeMarkCommand(int ordinal, int rangeNo)
    {
        var command = new NpgsqlBatchCommand(JournalSql.RecordRangeMark);
        command.Parameters.AddRange(new[] { Text(planFingerprint), Int(ordinal), Int(rangeNo) });
        return command;
    }

    /// <summary>Marks key range <paramref name="rangeNo"/> of step <paramref name="ordinal"/> done (own transaction).</summary>
    public Task MarkRangeDoneAsync(int ordinal, int rangeNo, CancellationToken ct) =>
        ExecuteAsync(JournalSql.MarkRangeDone, ct, Text(planFingerprint), Int(ordinal), Int(rangeNo));

    /// <summary>Marks a backfill split into key ranges done when every range is (own transaction); returns the rows
    /// done in all, or <c>null</c> while a range is not done.</summary>
    public async Task<long?> FinishRangesAsync(int ordinal, CancellationToken ct)
    {
        await using var command = Command(connection, JournalSql.FinishRanges, Text(planFingerprint), Int(ordinal));
        return await command.ExecuteScalarAsync(ct) is long total ? total : null;
    }

    /// <summary>The phase of its lower-case journal name; for a rollback's name, the phase it undoes.</summary>
    public static Phase ParsePhase(string name) =>
        Enum.Parse<Phase>(IsRollbackName(name) ? name[RollbackPrefix.Length..] : name, ignoreCase: true);

    private static StepState ParseState(string state) => Enum.Parse<StepState>(state, ignoreCase: true);

    private async Task ExecuteAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Int(int value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Integer };

    private static NpgsqlParameter Bool(bool value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Boolean };
}
