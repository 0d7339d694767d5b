using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres;
using Pipeline.Postgres.Staging;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline staging create --from SNAPSHOT [--connection CS] [--scale F]</c>: builds a synthetic staging database
/// shaped by a snapshot's statistics (<see cref="StagingBuilder"/>). The staging connection comes from
/// <c>--connection</c> or <c>PIPELINE_STAGING_CONNECTION</c>, never from <c>PIPELINE_CONNECTION</c>, and is never
/// printed. Exit 0 built, 2 bad input (no statistics, staging not empty, bad scale).
/// </summary>
internal static class StagingCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext context)
    {
        var from = new Option<string>("--from") { Description = "Snapshot written by 'pipeline snapshot --with-stats'.", HelpName = "SNAPSHOT", Required = true };
        var connection = new Option<string?>("--connection", "-c")
        {
            Description = $"Staging connection string (default: {CliContext.StagingConnectionVariable}; {CliContext.ConnectionVariable} is never used here). An empty database: NEVER production.",
            HelpName = "CS",
        };
        var scale = new Option<double>("--scale")
        {
            Description = "Factor on production's row counts (default 1: production size; 0.1 = a tenth).",
            HelpName = "F",
            DefaultValueFactory = _ => 1.0,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the random choices (default 42): the same inputs give the same rows.", DefaultValueFactory = _ => 42 };
        var create = new Command("create", "Create the snapshot's schema on an empty staging database and fill it with rows generated from the snapshot's statistics.")
        {
            from, connection, scale, seed,
        };
        create.SetAction(async (parse, ct) =>
            await RunAsync(context, parse.GetValue(from)!, parse.GetValue(connection), parse.GetValue(scale), parse.GetValue(seed), ct).ConfigureAwait(false));
        return new Command("staging", "Synthetic staging databases shaped like production.") { create };
    }

    private static async Task<int> RunAsync(CliContext context, string snapshotPath, string? connectionOption, double scale, int seed, CancellationToken ct)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new CliInputException($"--scale must be a positive number, not {scale.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!File.Exists(snapshotPath))
        {
            throw new CliInputException("snapshot not found", snapshotPath);
        }

        var (model, statistics) = SnapshotSerializer.DeserializeWithStatistics(await File.ReadAllTextAsync(snapshotPath, ct).ConfigureAwait(false), snapshotPath);
        if (statistics is null)
        {
            throw new CliInputException($"the snapshot has no statistics ({StagingCodes.NoStatistics}): take it with 'pipeline snapshot --with-stats'", snapshotPath);
        }

        if (model.Dialect != Core.Model.DatabaseModel.PostgresDialect)
        {
            throw new CliInputException($"staging create builds PostgreSQL databases; the snapshot is of dialect {model.Dialect}", snapshotPath);
        }

        var (connectionString, _) = context.ResolveConnection(connectionOption, CliContext.StagingConnectionVariable);
        if (connectionString is null)
        {
            throw new CliInputException(
                $"no staging database configured: pass --connection or set {CliContext.StagingConnectionVariable} ({CliContext.ConnectionVariable} is deliberately not used: staging create writes to the database)");
        }

        var stdout = context.Stdout;
        await stdout.WriteLineAsync($"Building staging database {ConnectionStrings.Describe(connectionString)} from {snapshotPath} (scale {scale.ToString(CultureInfo.InvariantCulture)})").ConfigureAwait(false);
        StagingResult result;
        try
        {
            if (context.StdoutIsTerminal)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
                StagingResult? built = null;
                await console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        built = await StagingBuilder.CreateAsync(connectionString, model, statistics, new StagingOptions(scale, seed), new BarProgress(progress), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                result = built!;
            }
            else
            {
                result = await StagingBuilder.CreateAsync(connectionString, model, statistics, new StagingOptions(scale, seed), new LineProgress(stdout), ct).ConfigureAwait(false);
            }
        }
        catch (StagingException ex)
        {
            ErrorReporter.WriteError(context, null, ex.Code, ex.Message);
            return ExitCodes.BadInput;
        }

        foreach (var warning in result.Warnings)
        {
            await stdout.WriteLineAsync("staging: " + warning).ConfigureAwait(false);
        }

        var rate = result.LoadMs > 0 ? result.Rows / (result.LoadMs / 1000) : 0;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Staging database built: {result.Tables.Count} tables, {result.Rows:N0} rows loaded in {result.LoadMs / 1000:0.0} s ({rate:N0} rows/s), {result.TotalMs / 1000:0.0} s in all with keys, indexes, constraints and VACUUM (ANALYZE)")).ConfigureAwait(false);
        if (result.Phases.Count > 0)
        {
            await stdout.WriteLineAsync("Phases (wall s / client CPU s): " + string.Join("; ", result.Phases.Select(p =>
                string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.WallMs / 1000:0.00} / {p.ClientCpuMs / 1000:0.00}")))).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>A Spectre.Console progress bar per table (interactive terminal).</summary>
    private sealed class BarProgress(ProgressContext progress) : IStagingProgress
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void Planned(IReadOnlyList<(string Table, long Rows)> tables)
        {
            foreach (var (table, rows) in tables)
            {
                _tasks[table] = progress.AddTask(table, autoStart: false, maxValue: Math.Max(1, rows));
            }
        }

        public void Loaded(string table, long rows)
        {
            if (_tasks.TryGetValue(table, out var task))
            {
                task.StartTask();
                task.Value = Math.Min(task.MaxValue, rows);
            }
        }

        public void Filled(string table, long rows) => Loaded(table, long.MaxValue);

        public void Step(string description)
        {
            foreach (var task in _tasks.Values.Where(t => t.IsStarted))
            {
                task.Value = task.MaxValue;
            }
        }
    }

    /// <summary>One line per table and step (logs, CI).</summary>
    private sealed class LineProgress(TextWriter output) : IStagingProgress
    {
        private readonly Dictionary<string, long> _targets = new(StringComparer.Ordinal);

        public void Planned(IReadOnlyList<(string Table, long Rows)> tables)
        {
            foreach (var (table, rows) in tables)
            {
                _targets[table] = rows;
            }

            output.WriteLine($"staging: {tables.Count} tables to fill, {tables.Sum(t => t.Rows).ToString("N0", CultureInfo.InvariantCulture)} rows");
        }

        public void Loaded(string table, long rows)
        {
        }

        public void Filled(string table, long rows) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"staging: {table} {rows:N0}/{_targets.GetValueOrDefault(table):N0} rows"));

        public void Step(string description) => output.WriteLine($"staging: {description}");
    }
}
