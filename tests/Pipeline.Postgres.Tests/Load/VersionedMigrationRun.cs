using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Tests.Execution;
using Pipeline.Testing;

namespace Pipeline.Postgres.Tests.Load;

/// <summary>When a phase ran, on the clients' shared clock (<see cref="VersionedClient.Clock"/>).</summary>
/// <param name="Phase">The phase.</param>
/// <param name="StartMs">Start, ms on the shared clock.</param>
/// <param name="EndMs">End, ms on the shared clock.</param>
internal sealed record PhaseWindow(Phase Phase, double StartMs, double EndMs);

/// <summary>What <see cref="VersionedMigrationRun.RunAsync"/> saw.</summary>
/// <param name="Old">The old version's client, from before expand until contract starts.</param>
/// <param name="New">The new version's client, from after expand until after contract.</param>
/// <param name="Ledger">Every row either client wrote, compared with the final table.</param>
/// <param name="Phases">Per phase: whether it succeeded, its wall time (ms) and the executor's per-step line.</param>
/// <param name="Transcript">The executor's log lines.</param>
internal sealed record VersionedRunResult(
    VersionedClientResult Old,
    VersionedClientResult New,
    LedgerCheck Ledger,
    IReadOnlyList<(Phase Phase, bool Succeeded, long WallMs, string Detail)> Phases,
    string Transcript)
{
    /// <summary>When each phase that ran started and ended, on the clients' shared clock.</summary>
    public IReadOnlyList<PhaseWindow> Windows { get; init; } = [];

    /// <summary>Every row each client inserted (by version label), with when it was first written on the shared
    /// clock.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<LedgerEntry>> Writes { get; init; } = new Dictionary<string, IReadOnlyList<LedgerEntry>>();

    /// <summary>The window of <paramref name="phase"/>.</summary>
    /// <exception cref="InvalidOperationException">The phase did not run.</exception>
    public PhaseWindow Window(Phase phase) => Windows.Single(w => w.Phase == phase);

    /// <summary>Rows the client <paramref name="label"/> inserted (insert committed) between <paramref name="fromMs"/>
    /// and <paramref name="toMs"/> on the shared clock.</summary>
    public int InsertedBetween(string label, double fromMs, double toMs) =>
        Writes.TryGetValue(label, out var rows) ? rows.Count(r => r.FirstWrittenMs >= fromMs && r.FirstWrittenMs <= toMs) : 0;

    /// <summary>When the client <paramref name="label"/> first and last inserted a row, on the shared clock
    /// (<c>NaN</c> when it inserted none).</summary>
    public (double First, double Last) InsertSpan(string label) =>
        Writes.TryGetValue(label, out var rows) && rows.Count > 0
            ? (rows.Min(r => r.FirstWrittenMs), rows.Max(r => r.FirstWrittenMs))
            : (double.NaN, double.NaN);

    /// <summary>
    /// Checks the rollout order the run promises against the clients' ledgers (insert commit times on the shared clock)
    /// and the phases' windows: the old version wrote before expand, between backfill and contract, and not after
    /// contract started; the new version wrote only after expand ended, and still after contract ended; with
    /// <paramref name="oldWritesDuringBackfill"/>, the old version also wrote while the backfill ran (rows the backfill's
    /// high-water mark may not cover: the trigger must).
    /// </summary>
    /// <returns>One line per broken promise; empty when all hold.</returns>
    public IReadOnlyList<string> RolloutProblems(bool oldWritesDuringBackfill)
    {
        var problems = new List<string>();
        if (Windows.Count != 3)
        {
            return [$"{Windows.Count} phases ran, not 3"];
        }

        var (expand, backfill, contract) = (Window(Phase.Expand), Window(Phase.Backfill), Window(Phase.Contract));
        var (oldFirst, oldLast) = InsertSpan(Old.Label);
        var (newFirst, newLast) = InsertSpan(New.Label);
        string Ms(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        if (!(oldFirst < expand.StartMs))
        {
            problems.Add($"the old version's first insert ({Ms(oldFirst)} ms) is not before expand ({Ms(expand.StartMs)} ms)");
        }

        if (oldWritesDuringBackfill && InsertedBetween(Old.Label, backfill.StartMs, backfill.EndMs) == 0)
        {
            problems.Add($"the old version inserted nothing while the backfill ran ({Ms(backfill.StartMs)}..{Ms(backfill.EndMs)} ms)");
        }

        if (InsertedBetween(Old.Label, backfill.EndMs, contract.StartMs) == 0)
        {
            problems.Add($"the old version inserted nothing between backfill and contract ({Ms(backfill.EndMs)}..{Ms(contract.StartMs)} ms)");
        }

        if (!(oldLast <= contract.StartMs))
        {
            problems.Add($"the old version inserted at {Ms(oldLast)} ms, after contract started ({Ms(contract.StartMs)} ms)");
        }

        if (!(newFirst >= expand.EndMs))
        {
            problems.Add($"the new version's first insert ({Ms(newFirst)} ms) is not after expand ({Ms(expand.EndMs)} ms)");
        }

        if (!(newLast >= contract.EndMs))
        {
            problems.Add($"the new version's last insert ({Ms(newLast)} ms) is not after contract ({Ms(contract.EndMs)} ms)");
        }

        return problems;
    }

    /// <summary>Everything, for test output and failing assertions.</summary>
    public string Describe() => string.Join(Environment.NewLine, new[] { Old.ToString(), New.ToString(), "ledger: " + Ledger }
        .Concat(Phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase.Name()}: {(p.Succeeded ? "ok" : "FAILED")} in {p.WallMs} ms; {p.Detail}")))
        .Concat(Windows.Select(w => string.Create(CultureInfo.InvariantCulture,
            $"{w.Phase.Name()} window {w.StartMs:F0}..{w.EndMs:F0} ms: old inserted {InsertedBetween(Old.Label, w.StartMs, w.EndMs)}, new inserted {InsertedBetween(New.Label, w.StartMs, w.EndMs)}"))));
}

/// <summary>
/// Runs a plan's expand → backfill → contract through the executor while two application versions use the database
/// as a real rollout would: the <c>old</c> version (old names) writes and reads from before expand until contract
/// starts; the <c>new</c> version (new names) starts once expand is done and runs until after contract. Each keeps a
/// ledger (<see cref="VersionedClient"/>); at the end every row written is compared with the final table.
/// </summary>
/// <param name="server">The test server.</param>
internal sealed class VersionedMigrationRun(PostgresServer server)
{
    /// <summary>Executor options under which a backfill lasts long enough for the old version (about 40 inserts/s
    /// with the default client options) to write while it runs: batches of at most 2,000 rows, 20 ms apart.</summary>
    public static ExecutionOptions OverlappedBackfill { get; } = new(MaxBatchSize: 2000, BatchPauseMs: 20);

    /// <summary>Runs the plan under the two versions. Stops at the first failing phase (the result says which).</summary>
    /// <param name="database">The database, in the plan's source state.</param>
    /// <param name="plan">The plan to apply.</param>
    /// <param name="exclude">The desired model's exclusions (as <c>apply</c> passes them).</param>
    /// <param name="old">The old version's SQL.</param>
    /// <param name="new">The new version's SQL.</param>
    /// <param name="finalSql">The final check (see <see cref="VersionLedger.VerifyAsync"/>), in the new names.</param>
    /// <param name="ct">Cancels the run.</param>
    /// <param name="clientOptions">Adjusts each client's options (rate, connections); default as is.</param>
    /// <param name="execution">Executor options; default <see cref="ExecutionOptions"/>'s defaults.</param>
    public async Task<VersionedRunResult> RunAsync(
        string database,
        MigrationPlan plan,
        IReadOnlyList<string> exclude,
        AppVersion old,
        AppVersion @new,
        string finalSql,
        CancellationToken ct,
        Func<VersionedClientOptions, VersionedClientOptions>? clientOptions = null,
        ExecutionOptions? execution = null)
    {
        var cs = server.ConnectionString(database);
        var adjust = clientOptions ?? (o => o);
        var document = PlanDocument.From(plan);
        var observer = new RecordingObserver();
        var executor = new PostgresExecutor(cs, execution ?? new ExecutionOptions(), observer);
        var group = new VersionedClientGroup();
        var phases = new List<(Phase, bool, long, string)>();
        var windows = new List<PhaseWindow>();
        VersionedClientResult? oldResult = null;
        VersionedClientResult? newResult = null;
        var oldClient = await VersionedClient.StartAsync(adjust(new VersionedClientOptions(cs, old)), group, ct);
        VersionedClient? newClient = null;
        try
        {
            await oldClient.WaitForInsertsAsync(20, TimeSpan.FromSeconds(10), ct);
            foreach (var phase in new[] { Phase.Expand, Phase.Backfill, Phase.Contract })
            {
                if (phase == Phase.Contract)
                {
                    // Contract is the point after which the old version breaks: it is gone by then.
                    oldResult = await oldClient.StopAsync();
                }

                var watch = Stopwatch.StartNew();
                var startMs = VersionedClient.Clock.Elapsed.TotalMilliseconds;
                var result = await executor.RunPhaseAsync(document, phase, exclude, ct);
                windows.Add(new PhaseWindow(phase, startMs, VersionedClient.Clock.Elapsed.TotalMilliseconds));
                var detail = string.Join("; ", result.Steps.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"#{s.Ordinal} {s.State} {s.WallMs:F0} ms retries={s.LockRetries} rows={s.RowsAffected}{(s.Error is null ? "" : " error=" + s.Error)}")));
                phases.Add((phase, result.Succeeded, watch.ElapsedMilliseconds, detail));
                if (!result.Succeeded)
                {
                    break;
                }

                if (phase != Phase.Contract)
                {
                    // The old version keeps writing after each phase: rows behind the backfill's high-water mark.
                    await oldClient.WaitForInsertsAsync(oldClient.Inserts + 20, TimeSpan.FromSeconds(10), ct);
                }

                if (phase == Phase.Expand)
                {
                    newClient = await VersionedClient.StartAsync(adjust(new VersionedClientOptions(cs, @new)), group, ct);
                    await newClient.WaitForInsertsAsync(20, TimeSpan.FromSeconds(10), ct);
                }
            }

            if (newClient is not null)
            {
                await newClient.WaitForInsertsAsync(newClient.Inserts + 20, TimeSpan.FromSeconds(10), ct);
            }
        }
        finally
        {
            oldResult ??= await oldClient.StopAsync();
            if (newClient is not null)
            {
                newResult = await newClient.StopAsync();
            }

            await oldClient.DisposeAsync();
            if (newClient is not null)
            {
                await newClient.DisposeAsync();
            }
        }

        var ledger = await VersionLedger.VerifyAsync(cs, finalSql, group.Members, ct);
        return new VersionedRunResult(
            oldResult,
            newResult ?? new VersionedClientResult(@new.Label, 0, 0, 0, 0, 0, 0, 0, [], 0, 0, 0),
            ledger,
            phases,
            observer.Transcript)
        {
            Windows = windows,
            Writes = group.Members.ToDictionary(m => m.Version.Label, m => m.Ledger),
        };
    }

    /// <summary>Objects a dual-write window may leave behind: non-internal triggers on user tables, views, and
    /// functions in user schemas, schemas other than <c>public</c>, and helper columns of tables and views (an index
    /// built on a shadow column keeps that column's name for its own attribute after the swap: not a leftover), relations (shadow indexes) and
    /// constraints named <c>_pipeline…</c> (the <c>pipeline</c> journal schema and system schemas excepted), one per
    /// line as <c>trigger schema.table.name</c> / <c>view schema.name</c> / <c>schema name</c> /
    /// <c>function schema.name</c> / <c>column schema.table.name</c> / <c>relation schema.name</c> /
    /// <c>constraint schema.table.name</c>, sorted.</summary>
    public async Task<IReadOnlyList<string>> LeftoversAsync(string database)
    {
        var text = await server.QueryAsync(database, """
            SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
              SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname AS x
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE NOT t.tgisinternal AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pipeline')
              UNION ALL
              SELECT 'view ' || schemaname || '.' || viewname FROM pg_views
               WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pipeline')
              UNION ALL
              SELECT 'schema ' || nspname FROM pg_namespace
               WHERE nspname NOT IN ('public', 'pipeline', 'information_schema') AND nspname NOT LIKE 'pg\_%'
              UNION ALL
              SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pipeline') AND n.nspname NOT LIKE 'pg_toast%'
              UNION ALL
              SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE a.attname LIKE '\_pipeline%' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pipeline')
              UNION ALL
              SELECT 'relation ' || n.nspname || '.' || c.relname
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relname LIKE '\_pipeline%' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pipeline')
              UNION ALL
              SELECT 'constraint ' || n.nspname || '.' || coalesce(c.relname, '-') || '.' || k.conname
                FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace LEFT JOIN pg_class c ON c.oid = k.conrelid
               WHERE k.conname LIKE '\_pipeline%' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pipeline')) s
            """);
        return text.Length == 0 ? [] : text.Split('\n');
    }
}
