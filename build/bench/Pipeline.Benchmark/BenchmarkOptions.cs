using System.Globalization;
using Pipeline.Core.Release;

namespace Pipeline.Benchmark;

/// <summary>Command-line options of the benchmark.</summary>
/// <param name="Rows">Rows in <c>public.orders</c>. Default 3,000,000.</param>
/// <param name="Clients">Concurrent client connections. Default 4.</param>
/// <param name="RatePerClient">Target statements/s per client (0 = as fast as possible). Default 200.</param>
/// <param name="LockTimeoutMs">lock_timeout of the plan, ms. Default 2000.</param>
/// <param name="Execution">Executor options (batching flags).</param>
/// <param name="Only">Run only <c>naive</c> or <c>pipeline</c>; <c>null</c> = both.</param>
/// <param name="Repeat">How many times both runs are repeated, each on fresh copies of the same seeded table. Default 3.</param>
/// <param name="ScenarioName">The change measured (<c>--scenario</c>, <see cref="BenchScenario.Named"/>). Default
/// <c>backfill</c>.</param>
/// <param name="PlateauRows">With <c>--memory-plateau</c>: the table sizes (rows) at which only the plan's backfill
/// is run and its process's memory measured, instead of the side-by-side comparison.</param>
/// <param name="BriefLockTimeoutMs">lock_timeout of the plan's brief lock steps (<see cref="Pipeline.Core.Planning.BriefLocks"/>),
/// ms; 0 = off (every DDL under <paramref name="LockTimeoutMs"/>). Default 50.</param>
/// <param name="NaiveAfterExpand">(a) runs the plan's expand statements and then its one UPDATE
/// (<see cref="NaiveRun.AfterExpandSteps"/>), so that the UPDATE pays the fill trigger and the FOREIGN KEY … NOT VALID
/// per row as the batches do (<c>--naive-after-expand</c>).</param>
/// <param name="BackfillWorkers">With <c>--backfill-workers</c>: the executor's backfill worker counts to measure, each
/// in every repeat (interleaved, each beside its own naive run); <c>null</c> = <see cref="ExecutionOptions.BackfillWorkers"/>
/// of <paramref name="Execution"/> alone.</param>
internal sealed record BenchmarkOptions(long Rows, int Clients, double RatePerClient, int LockTimeoutMs, ExecutionOptions Execution, string? Only, int Repeat = 3, string ScenarioName = "backfill", IReadOnlyList<long>? PlateauRows = null, int BriefLockTimeoutMs = 50, bool NaiveAfterExpand = false, IReadOnlyList<int>? BackfillWorkers = null)
{
    /// <summary>The plan options of the pipeline run.</summary>
    public Pipeline.Core.Planning.PlanOptions PlanOptions => new(LockTimeoutMs: LockTimeoutMs, BriefLockTimeoutMs: BriefLockTimeoutMs);

    /// <summary>The change measured.</summary>
    public BenchScenario Scenario => BenchScenario.Named(ScenarioName);

    public const string Usage = """
        usage: benchmark.sh [--rows N] [--clients N] [--rate N] [--lock-timeout-ms N] [--brief-lock-timeout-ms N]
                            [--batch-size N] [--target-batch-ms N] [--min-batch-size N] [--max-batch-size N] [--batch-pause-ms N]
                            [--max-client-impact-ms N] [--durable-batch-commits] [--only naive|pipeline] [--repeat N]
                            [--backfill-workers N[,N…]]
                            [--scenario backfill|bigint] [--memory-plateau N,N,…] [--naive-after-expand]
          --rows N             rows in the scenario's busy table (default 3000000)
          --clients N          concurrent client connections (default 4)
          --rate N             target statements/s per client, 0 = unthrottled (default 200)
          --lock-timeout-ms N  lock_timeout of the plan (default 2000)
          --brief-lock-timeout-ms N  lock_timeout of the plan's brief lock steps (catalog-only DDL under a lock that
                               blocks writes), retried with backoff and jitter (default 50; 0 = off, --lock-timeout-ms)
          --batch-size N       executor: initial rows per backfill batch (default: the plan's, 1000)
          --target-batch-ms N  executor: batch time the adaptive batch size steers toward (default 100)
          --min-batch-size N   executor: lower bound of the batch size (default 100)
          --max-batch-size N   executor: upper bound of the batch size (default 50000)
          --batch-pause-ms N   executor: pause between batches (default: the executor's)
          --max-client-impact-ms N   executor: longest a client should wait behind a batch; the batch size steers
                               toward half of it (default 100; 0 = no limit)
          --durable-batch-commits    executor: every batch waits for its WAL flush (default: synchronous_commit = off
                               for all batches but the last)
          --only WHICH         run only the naive statements or only the pipeline plan
          --repeat N           repeat both runs N times on fresh copies of the table; figures as min/median/max (default 3)
          --backfill-workers N[,N…]  executor: connections that run the backfill side by side, each over its own key
                               range (default 1); a list (e.g. 1,2) runs every setting in every repeat, interleaved,
                               each beside its own naive run, and prints the backfill ratio per setting
          --scenario NAME      backfill: public.orders gets a NOT NULL column backfilled, an index, a foreign key (default);
                               bigint: the integer (serial) primary key of public.accounts, referenced by a foreign key
                               from public.invoices (a tenth as many rows), moves to bigint with the referencing column
          --naive-after-expand (a) runs the plan's expand statements (fill trigger, FOREIGN KEY … NOT VALID, index)
                               and then its one UPDATE, so that both backfills pay the same per-row trigger and
                               foreign-key costs: (b)/(a) is then what batching costs (backfill scenario only)
          --memory-plateau N,N,…  instead of the comparison: for each table size (rows, e.g. 1000000,3000000,10000000),
                               a fresh table, expand, then the backfill alone in its own process without clients;
                               prints its peak working set, resident set size over the run and live heap at the end,
                               each as a ratio to the smallest size (constant memory: ratios near 1)
        """;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value; the message says which.</exception>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions(3_000_000, 4, 200, 2000, new ExecutionOptions(), null);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new ArgumentException("");
            }

            if (name == "--naive-after-expand")
            {
                options = options with { NaiveAfterExpand = true };
                continue;
            }

            if (name == "--durable-batch-commits")
            {
                options = options with { Execution = options.Execution with { DurableBatchCommits = true } };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            var e = options.Execution;
            options = name switch
            {
                "--rows" => options with { Rows = Number(name, value, 1, 1_000_000_000) },
                "--clients" => options with { Clients = (int)Number(name, value, 1, 200) },
                "--rate" => options with { RatePerClient = Number(name, value, 0, 1_000_000) },
                "--lock-timeout-ms" => options with { LockTimeoutMs = (int)Number(name, value, 1, 600_000) },
                "--brief-lock-timeout-ms" => options with { BriefLockTimeoutMs = (int)Number(name, value, 0, 600_000) },
                "--batch-size" => options with { Execution = e with { BatchSize = (int)Number(name, value, 1, 10_000_000) } },
                "--target-batch-ms" => options with { Execution = e with { TargetBatchMs = Number(name, value, 1, 600_000) } },
                "--min-batch-size" => options with { Execution = e with { MinBatchSize = (int)Number(name, value, 1, 10_000_000) } },
                "--max-batch-size" => options with { Execution = e with { MaxBatchSize = (int)Number(name, value, 1, 10_000_000) } },
                "--batch-pause-ms" => options with { Execution = e with { BatchPauseMs = (int)Number(name, value, 0, 600_000) } },
                "--max-client-impact-ms" => options with { Execution = e with { MaxClientImpactMs = Number(name, value, 0, 600_000) } },
                "--repeat" => options with { Repeat = (int)Number(name, value, 1, 100) },
                "--backfill-workers" => options with { BackfillWorkers = value.Split(',').Select(v => (int)Number(name, v.Trim(), 1, 64)).Distinct().ToList() },
                "--only" when value is "naive" or "pipeline" => options with { Only = value },
                "--only" => throw new ArgumentException("--only takes naive or pipeline"),
                "--scenario" => options with { ScenarioName = BenchScenario.Named(value).Name },
                "--memory-plateau" => options with { PlateauRows = value.Split(',').Select(v => Number(name, v.Trim(), 1, 1_000_000_000)).Distinct().Order().ToList() },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        if (options.Execution.MinBatchSize > options.Execution.MaxBatchSize)
        {
            throw new ArgumentException("--min-batch-size is above --max-batch-size");
        }

        return options;
    }

    private static long Number(string name, string value, long min, long max) =>
        long.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} takes a whole number from {min} to {max}, not '{value}'");
}
