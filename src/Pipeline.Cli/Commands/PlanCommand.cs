using System.CommandLine;
using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using System.Text.RegularExpressions;
using Pipeline.Core.Dialects;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline plan SCHEMA.yaml</c>: diffs the YAML against a live database, a snapshot or an empty database and
/// writes the plan folder (three scripts, plan.json, report.md).
/// </summary>
internal static partial class PlanCommand
{
    private const string LiveSource = "live database";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var schema = new Argument<string>("SCHEMA") { Description = "The desired schema (YAML)." };
        var connection = CommonOptions.Connection();
        var snapshot = new Option<string?>("--snapshot", "-s") { Description = "Plan against this JSON snapshot instead of a live database.", HelpName = "FILE" };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the plan into (created if missing).", HelpName = "DIR", Required = true };
        var allowDataLoss = new Option<bool>("--allow-data-loss") { Description = "Allow destructive steps (drops) instead of blocking them." };
        var lockTimeout = new Option<int>("--lock-timeout")
        {
            Description = "lock_timeout set before every DDL statement, e.g. 2s or 2000ms (default 2s).",
            HelpName = "DURATION",
            DefaultValueFactory = _ => 2000,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
                var ms = DurationParser.TryParseMilliseconds(text, out var error);
                if (ms is null)
                {
                    result.AddError($"--lock-timeout: {error}");
                    return 0;
                }

                return ms.Value;
            },
        };
        var briefLockTimeout = DurationOptions.Milliseconds(
            "--brief-lock-timeout",
            "lock_timeout of brief lock steps (catalog-only DDL under a lock that blocks writes: ADD CONSTRAINT … NOT VALID, CREATE TRIGGER, renames, the shadow-column swap), e.g. 50ms; retried with backoff and jitter on expiry, so a waiting lock request never queues the application for long (default: off, --lock-timeout for every DDL).");
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per backfill batch (default 1000).", HelpName = "N", DefaultValueFactory = _ => 1000 };
        batchSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--batch-size must be at least 1");
            }
        });
        var allowUnmodelled = new Option<string[]>("--allow-unmodelled")
        {
            Description = "Plan changes despite these unmodelled table properties (e.g. trigger, row-level-security, publication); comma-separated or repeated.",
            HelpName = "KIND",
            AllowMultipleArgumentsPerToken = false,
        };
        allowUnmodelled.Validators.Add(result =>
        {
            foreach (var name in SplitKinds(result.GetValueOrDefault<string[]>()))
            {
                if (UnmodelledKinds.FromOptionName(name) is null)
                {
                    result.AddError($"--allow-unmodelled: unknown kind '{name}'; known: {string.Join(", ", Enum.GetValues<UnmodelledKind>().Select(UnmodelledKinds.OptionName))}");
                }
            }
        });
        var blockedAsWarnings = new Option<bool>("--blocked-as-warnings")
        {
            Description = "Report blocked steps as warnings and exit 0 (the plan still marks them blocked).",
        };

        var failOn = new Option<string>("--fail-on")
        {
            Description = $"What fails the plan (exit 1), comma-separated rules: {string.Join(", ", FailRule.Syntaxes)} (default {FailPolicy.DefaultText}).",
            HelpName = "RULES",
            DefaultValueFactory = _ => FailPolicy.DefaultText,
        };
        var repoRoot = new Option<string?>("--repo-root")
        {
            Description = "Repository root that report.sarif and CI annotations make YAML paths relative to (default: $GITHUB_WORKSPACE or $BUILD_SOURCESDIRECTORY in CI, else the git repository holding the schema, else the current folder).",
            HelpName = "DIR",
        };
        var docsUrl = new Option<string?>("--docs-url")
        {
            Description = $"URL of the code reference (docs/codes.md) that reports link each PIPE code to (default $PIPELINE_DOCS_URL, else {ReportContext.DefaultDocsBaseUrl}).",
            HelpName = "URL",
        };
        var ifChanged = new Option<string?>("--if-changed")
        {
            Description = "Incremental: skip planning (exit 0) when STAMP records this YAML, these options and the same target (a live database's catalog digest, one cheap query; a snapshot's contents); otherwise plan and, on success, update STAMP.",
            HelpName = "STAMP",
        };

        var targetVersion = new Option<string?>("--target-version")
        {
            Description = "Server version to plan for, overriding what the source says (SQL Server: e.g. 2019, 2022 or 16; a dacpac gives its target platform's version).",
            HelpName = "VERSION",
        };
        var targetEdition = new Option<string?>("--target-edition")
        {
            Description = "Server edition to plan for (SQL Server: Enterprise, Developer, Standard, Express, Azure); decides ONLINE = ON and metadata-only NOT NULL columns. A dacpac never says.",
            HelpName = "EDITION",
        };
        var calibration = new Option<string?>("--calibration")
        {
            Description = "Estimate lock durations with the throughputs a passing rehearsal observed (its rehearsal.json) instead of the defaults.",
            HelpName = "FILE",
        };
        var command = new Command("plan", "Plan the migration from the actual database to SCHEMA.yaml.")
        {
            targetVersion, targetEdition, calibration,
            schema, connection, snapshot, output, allowDataLoss, lockTimeout, briefLockTimeout, batchSize, allowUnmodelled, blockedAsWarnings, failOn, repoRoot, docsUrl, ifChanged,
        };
        var fileSources = FileSourceOptions(context, "Plan against this {0} instead of a live database ({1} only).");
        foreach (var option in fileSources.Keys)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            new PlanRequest(
                parse.GetValue(schema)!,
                parse.GetValue(connection),
                parse.GetValue(snapshot),
                fileSources.Select(kv => (kv.Value, Path: parse.GetValue(kv.Key))).Where(x => !string.IsNullOrWhiteSpace(x.Path))
                    .Select(x => new FileSourceChoice(x.Value.Provider, x.Value.Source, x.Path!)).ToList(),
                parse.GetValue(output)!,
                new PlanOptions(parse.GetValue(allowDataLoss), parse.GetValue(lockTimeout), parse.GetValue(batchSize),
                    AllowUnmodelled: SplitKinds(parse.GetValue(allowUnmodelled)).Select(n => UnmodelledKinds.FromOptionName(n)!.Value).Distinct().ToList(),
                    BriefLockTimeoutMs: parse.GetValue(briefLockTimeout) ?? 0)
                {
                    TargetVersion = parse.GetValue(targetVersion),
                    TargetEdition = parse.GetValue(targetEdition),
                },
                parse.GetValue(blockedAsWarnings),
                parse.GetValue(failOn) ?? FailPolicy.DefaultText,
                parse.GetValue(repoRoot),
                parse.GetValue(docsUrl),
                parse.GetValue(ifChanged),
                PlanStamp.ArgumentsText(parse.Tokens.Select(t => t.Value).ToList()),
                parse.GetValue(calibration)),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, PlanRequest request, CancellationToken cancellationToken)
    {
        if (!File.Exists(request.SchemaPath))
        {
            throw new CliInputException("schema file not found", request.SchemaPath);
        }

        FailPolicy policy;
        try
        {
            policy = FailPolicy.Parse(request.FailOn);
        }
        catch (FailPolicyException ex)
        {
            ErrorReporter.WriteError(context, null, PolicyCodes.InvalidPolicy, ex.Message);
            return ExitCodes.BadInput;
        }

        var provider = context.Dialect(PeekDialect(await File.ReadAllTextAsync(request.SchemaPath, cancellationToken).ConfigureAwait(false)), request.SchemaPath);
        var target = ResolveTarget(context, request, provider);
        string? stampKey = null;
        if (!string.IsNullOrWhiteSpace(request.IfChangedStamp))
        {
            stampKey = await StampKeyAsync(request, target, provider, cancellationToken).ConfigureAwait(false);
            if (stampKey is not null && PlanStamp.IsCurrent(request.IfChangedStamp, stampKey, request.OutputDirectory))
            {
                await context.Stdout.WriteLineAsync(
                    $"Plan up to date in {request.OutputDirectory} (schema and {target.Description} unchanged since the last plan)").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            PlanStamp.Invalidate(request.IfChangedStamp);
        }

        // The server reads its catalog (and the driver starts, on another thread) while this process reads the YAML;
        // the exclude patterns the YAML holds are applied afterwards, in memory. On a 500-table schema the two take
        // about as long as each other (build/bench-plan.sh).
        var catalog = target.ConnectionString is { } live
            ? Task.Run(() => provider.BeginReadLive(live, cancellationToken) ?? Task.FromResult<Func<IReadOnlyList<string>, DatabaseModel>?>(null), cancellationToken)
            : null;
        SchemaDocument document;
        var dialect = provider.Planning;
        try
        {
            document = SchemaYamlLoader.LoadDocumentFile(request.SchemaPath);
            if (ReportAll(context, SqlFragmentCheck.Check(document, dialect)))
            {
                Forget(catalog);
                return ExitCodes.BadInput;
            }
        }
        catch
        {
            // Bad YAML is reported as such, whatever the database answers meanwhile.
            Forget(catalog);
            throw;
        }

        // The YAML's types are resolved on the server (a second pooled connection) while the catalog is still read.
        var typeCheck = target.ConnectionString is { } server
            ? Task.Run(() => provider.CheckAgainstServerAsync(document, server, cancellationToken), cancellationToken)
            : null;
        var desired = document.Model;

        // The plan folder's snapshot of the desired schema is serialised while the server still reads its catalog, the
        // actual schema's while the plan is computed (build/bench-plan.sh: megabytes each on a 500-table schema).
        var prepared = new List<SnapshotBytes> { SnapshotBytes.Start(desired) };
        DatabaseModel actual;
        string source;
        try
        {
            (actual, source) = await ReadActualAsync(context, target, provider, desired, catalog, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Forget(typeCheck);
            throw;
        }

        prepared.Add(SnapshotBytes.Start(actual));
        if (typeCheck is not null && ReportAll(context, await typeCheck.ConfigureAwait(false)))
        {
            return ExitCodes.BadInput;
        }

        var options = request.Options;
        if (!string.IsNullOrWhiteSpace(request.CalibrationPath))
        {
            var applied = CalibrationFile.Load(request.CalibrationPath, provider.Name, options.Durations, options.TargetVersion ?? actual.Server?.Version);
            options = options with { Durations = applied.Model, Calibration = applied };
        }

        MigrationPlan plan;
        try
        {
            plan = Planner.Plan(desired, actual, dialect, options, source);
        }
        catch (ArgumentException ex) when (request.Options.TargetVersion is not null || request.Options.TargetEdition is not null)
        {
            // The dialect rejects a --target-version/--target-edition it cannot plan for, naming the option.
            throw new CliInputException(ex.Message, null, ex);
        }

        var review = PlanReview.Create(plan, policy, request.BlockedAsWarnings);

        // The console's step table (Spectre.Console measures every cell) is laid out while the plan folder is written.
        var report = new PlanConsoleReport(context.Stdout, request.SchemaPath, request.BlockedAsWarnings);
        var table = Task.Run(() => report.RenderTable(plan), cancellationToken);
        var reportContext = new ReportContext(
            request.RepositoryRoot ?? CiOutput.CheckoutRoot(context) ?? GitRoot(request.SchemaPath),
            request.DocsUrl ?? (context.Environment.TryGetValue("PIPELINE_DOCS_URL", out var docs) && !string.IsNullOrWhiteSpace(docs) ? docs : null));
        try
        {
            PlanWriter.Write(review, dialect, request.OutputDirectory, reportContext, request.SchemaPath, prepared);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot write the plan: {ex.Message}", request.OutputDirectory, ex);
        }

        report.WriteDiagnostics(review);
        CiOutput.Publish(context, review, reportContext, request.SchemaPath, Path.Combine(request.OutputDirectory, PlanWriter.ReportFileName));
        report.WriteSummary(plan, request.OutputDirectory, await table.ConfigureAwait(false));
        report.WriteVerdict(review);
        var exitCode = review.Verdict == Verdict.Fail ? ExitCodes.PlanBlocked : ExitCodes.Success;
        if (exitCode == ExitCodes.Success && stampKey is not null)
        {
            PlanStamp.Write(request.IfChangedStamp!, stampKey);
        }

        return exitCode;
    }

    /// <summary>The nearest folder above the schema file holding <c>.git</c> (a folder, or a file in a worktree), or
    /// <c>null</c>.</summary>
    private static string? GitRoot(string schemaPath)
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(schemaPath))!); dir is not null; dir = dir.Parent)
        {
            var git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Writes each error as one canonical line on stderr; true when there was any.</summary>
    private static bool ReportAll(CliContext context, IReadOnlyList<PlanDiagnostic> errors)
    {
        foreach (var error in errors)
        {
            ErrorReporter.WriteError(context, error.Location?.ToString(), error.Code, error.Message);
        }

        return errors.Count > 0;
    }

    /// <summary>What the plan is computed against; checks the sources are consistent.</summary>
    private static PlanTarget ResolveTarget(CliContext context, PlanRequest request, IDialectProvider provider)
    {
        var sources = request.FileSources.Count + (string.IsNullOrWhiteSpace(request.SnapshotPath) ? 0 : 1);
        if (request.FileSources.Count > 0 && (sources > 1 || !string.IsNullOrWhiteSpace(request.ConnectionOption)))
        {
            if (!string.IsNullOrWhiteSpace(request.ConnectionOption))
            {
                context.AddSecret(request.ConnectionOption);
            }

            var names = string.Join(", ", request.FileSources.Select(f => f.Source.OptionName));
            throw new CliInputException($"--connection, --snapshot and {names} are mutually exclusive: plan against one source");
        }

        if (request.FileSources.Count == 1)
        {
            var file = request.FileSources[0];
            if (!ReferenceEquals(file.Provider, provider))
            {
                throw new CliInputException(
                    $"{file.Source.OptionName} reads a {file.Provider.DisplayName} schema, but {request.SchemaPath} is for {provider.DisplayName} (dialect: {provider.Name}); set 'dialect: {file.Provider.Name}' in the YAML or plan against a {provider.DisplayName} source");
            }

            if (!File.Exists(file.Path))
            {
                throw new CliInputException($"{file.Source.Description} not found", file.Path);
            }

            return new PlanTarget(null, null, file.Source.Description, file);
        }

        if (!string.IsNullOrWhiteSpace(request.SnapshotPath))
        {
            if (!string.IsNullOrWhiteSpace(request.ConnectionOption))
            {
                context.AddSecret(request.ConnectionOption);
                throw new CliInputException("--connection and --snapshot are mutually exclusive: plan against one source");
            }

            if (!File.Exists(request.SnapshotPath))
            {
                throw new CliInputException("snapshot file not found", request.SnapshotPath);
            }

            return new PlanTarget(request.SnapshotPath, null, "snapshot");
        }

        var connectionString = context.ResolveConnection(request.ConnectionOption);
        return connectionString is not null
            ? new PlanTarget(null, connectionString, "live database")
            : new PlanTarget(null, null, "empty database");
    }

    /// <summary>The <c>--if-changed</c> key: the YAML, the options and the target (one catalog query when live), or
    /// <c>null</c> when the dialect cannot digest its live catalog (the plan is then always made).</summary>
    private static async Task<string?> StampKeyAsync(PlanRequest request, PlanTarget target, IDialectProvider provider, CancellationToken cancellationToken)
    {
        var yaml = await File.ReadAllBytesAsync(request.SchemaPath, cancellationToken).ConfigureAwait(false);
        var source = target switch
        {
            { SnapshotPath: { } path } => "snapshot:" + PlanStamp.FileHash(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)),
            { File: { } file } => file.Source.Description + ":" + PlanStamp.FileHash(await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false)),
            { ConnectionString: { } cs } => await provider.CatalogDigestAsync(cs, cancellationToken).ConfigureAwait(false) is { } digest ? "live:" + digest : null,
            _ => "empty",
        };
        if (source is null)
        {
            return null;
        }

        var calibration = string.IsNullOrWhiteSpace(request.CalibrationPath) || !File.Exists(request.CalibrationPath)
            ? ""
            : PlanStamp.FileHash(await File.ReadAllBytesAsync(request.CalibrationPath, cancellationToken).ConfigureAwait(false));
        var options = $"{request.ArgumentsText}\ncalibration={calibration}\nout={Path.GetFullPath(request.OutputDirectory)}\ncwd={Environment.CurrentDirectory}";
        return PlanStamp.Key(yaml, options, source);
    }

    /// <summary>Lets a database read that is no longer needed end on its own, its failure observed and dropped.</summary>
    private static void Forget(Task? task) =>
        task?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private static async Task<(DatabaseModel Actual, string Source)> ReadActualAsync(
        CliContext context, PlanTarget target, IDialectProvider provider, DatabaseModel desired,
        Task<Func<IReadOnlyList<string>, DatabaseModel>?>? catalog, CancellationToken cancellationToken)
    {
        if (target.File is { } file)
        {
            try
            {
                var model = await file.Source.ReadAsync(file.Path, desired.Exclude, cancellationToken).ConfigureAwait(false);
                await context.Stdout.WriteLineAsync($"Planning against {file.Source.Description} {file.Path}").ConfigureAwait(false);
                return (model, Path.GetFileName(file.Path));
            }
            catch (DialectSourceException ex)
            {
                throw new CliInputException(ex.Message, file.Path, ex);
            }
        }

        if (target.SnapshotPath is { } snapshotPath)
        {
            var json = await File.ReadAllTextAsync(snapshotPath, cancellationToken).ConfigureAwait(false);
            try
            {
                var model = SnapshotSerializer.Deserialize(json, snapshotPath);
                if (model.Server is { Dialect: { Length: > 0 } snapshotDialect } && !string.Equals(snapshotDialect, provider.Name, StringComparison.OrdinalIgnoreCase))
                {
                    throw new CliInputException($"the snapshot is of a {snapshotDialect} database, but the schema is for {provider.Name} (dialect: in the YAML)", snapshotPath);
                }

                await context.Stdout.WriteLineAsync($"Planning against snapshot {snapshotPath}").ConfigureAwait(false);
                return (model, Path.GetFileName(snapshotPath));
            }
            catch (SnapshotFormatException ex)
            {
                throw new CliInputException(ex.Message, snapshotPath, ex);
            }
        }

        if (target.ConnectionString is { } connectionString)
        {
            await context.Stdout.WriteLineAsync($"Planning against live database {provider.DescribeConnection(connectionString)} ({provider.DisplayName})").ConfigureAwait(false);
            var started = catalog is null ? null : await catalog.ConfigureAwait(false);
            var model = started is not null
                ? started(desired.Exclude)
                : await provider.ReadLiveAsync(connectionString, desired.Exclude, cancellationToken).ConfigureAwait(false);
            return (model, LiveSource);
        }

        await context.Stdout.WriteLineAsync("no database configured: planning against an empty database").ConfigureAwait(false);
        return (DatabaseModel.Empty, "empty database");
    }

    /// <summary>The source of one plan: a snapshot file, a live database, a dialect's schema file (a dacpac), or none
    /// of them (an empty database).</summary>
    private sealed record PlanTarget(string? SnapshotPath, string? ConnectionString, string Description, FileSourceChoice? File = null);

    /// <summary>A dialect's schema file given on the command line.</summary>
    private sealed record FileSourceChoice(IDialectProvider Provider, ISchemaFileSource Source, string Path);

    /// <summary>One option per dialect file source (e.g. <c>--dacpac</c>), with the provider that reads it;
    /// <paramref name="descriptionFormat"/> gets the file kind and the dialect's display name.</summary>
    internal static Dictionary<Option<string?>, (IDialectProvider Provider, ISchemaFileSource Source)> FileSourceOptions(CliContext context, string descriptionFormat) =>
        context.Dialects.Providers
            .Where(p => p.FileSource is not null)
            .ToDictionary(
                p => new Option<string?>(p.FileSource!.OptionName)
                {
                    Description = string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptionFormat, p.FileSource.Description, p.DisplayName),
                    HelpName = "FILE",
                },
                p => (p, p.FileSource!));

    /// <summary>The value of the YAML's top-level <c>dialect:</c> key, read without parsing the whole file (so
    /// <c>--if-changed</c> stays cheap), or <c>null</c> for the default dialect. The full load checks the key.</summary>
    internal static string? PeekDialect(string yaml) => DialectKey().Match(yaml) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"^dialect:[ \t]*[""']?([A-Za-z0-9_-]+)[""']?[ \t]*(?:#.*)?$", RegexOptions.Multiline)]
    private static partial Regex DialectKey();

    /// <summary>The kind names of <c>--allow-unmodelled</c> values (each may hold several, comma-separated).</summary>
    private static IEnumerable<string> SplitKinds(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The parsed arguments of one <c>plan</c> run.</summary>
    private sealed record PlanRequest(
        string SchemaPath,
        string? ConnectionOption,
        string? SnapshotPath,
        IReadOnlyList<FileSourceChoice> FileSources,
        string OutputDirectory,
        PlanOptions Options,
        bool BlockedAsWarnings,
        string FailOn,
        string? RepositoryRoot,
        string? DocsUrl,
        string? IfChangedStamp,
        string ArgumentsText,
        string? CalibrationPath);
}
