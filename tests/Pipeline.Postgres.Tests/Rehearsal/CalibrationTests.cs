using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Rehearsal;
using Pipeline.Testing;
using Xunit;
using static Pipeline.Postgres.Tests.Rehearsal.RehearsalDb;

namespace Pipeline.Postgres.Tests.Rehearsal;

/// <summary>
/// Estimates that learn, on the real server: a passing rehearsal records the throughput it observed per kind of work;
/// a re-plan with that calibration on a second, identical copy estimates closer to what the server then takes (its
/// own journal timestamps, <c>clock_timestamp()</c> at each step's start and end) than the defaults; and the re-plan
/// keeps the fingerprint, so the release gate still accepts the first rehearsal.
/// </summary>
[Collection(TimingComparisonsRunAlone.Name)]
public sealed class CalibrationTests(PostgresServer server) : IDisposable
{
    private const int Orders = 200_000;

    private readonly List<string> _folders = [];

    /// <summary>The change set: a backfilled NOT NULL column (row updates, a validating scan), two concurrent index
    /// builds, a validated foreign key (a scan) and a stored generated column (a rewrite).</summary>
    private const string ChangeYaml = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: name, type: text, nullable: false}
                primaryKey: [id]
              orders:
                columns:
                  - {name: id, type: bigint, nullable: false}
                  - {name: customer_id, type: bigint, nullable: false}
                  - {name: amount, type: integer, nullable: false}
                  - {name: note, type: text}
                  - {name: amount_cents, type: bigint, nullable: false, backfill: "amount * 100"}
                  - {name: customer_x2, type: bigint, generated: customer_id * 2}
                primaryKey: [id]
                indexes:
                  - {name: orders_customer_id_idx, columns: [customer_id]}
                  - {name: orders_amount_idx, columns: [amount]}
                foreignKeys:
                  - {columns: [customer_id], references: {table: customers, columns: [id]}}
        """;

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Calibrated_estimates_are_closer_to_the_observed_durations_than_the_defaults_and_keep_the_fingerprint()
    {
        var first = await ShopAsync(server, Orders);
        var second = await ShopAsync(server, Orders);
        var (defaultFolder, defaultPlan) = await Plan(first, null);

        var rehearsed = await Rehearser.RunAsync(defaultFolder, server.ConnectionString(first), Generous, Fast, null, null, Ct);
        Assert.True(rehearsed.Passed, rehearsed.ToJson());
        var calibration = Assert.IsType<DurationCalibration>(rehearsed.Calibration);
        Assert.Equal("postgres", calibration.Dialect);
        Assert.StartsWith(calibration.ServerVersion + " ", await server.QueryAsync(first, "SHOW server_version") + " ", StringComparison.Ordinal);
        foreach (var work in new[] { TableWork.Scan, TableWork.Rewrite, TableWork.IndexBuild, TableWork.RowUpdate })
        {
            var expectedSteps = defaultPlan.Steps.Count(s => s.Impact.Work == work && s.Impact.WorkSize > 0);
            Assert.True(expectedSteps > 0, $"the change set has no {work} step on an existing table");
            Assert.Equal(expectedSteps, calibration.Of(work)?.Steps);
        }

        var report = await File.ReadAllTextAsync(Path.Combine(defaultFolder, PlanWriter.ReportFileName), Ct);
        Assert.Contains("- **Calibration:** catalog-only ", report, StringComparison.Ordinal);

        // Re-plan the second copy with the calibration, and with the defaults, as a user would.
        var applied = CalibrationFile.Load(Path.Combine(defaultFolder, RehearsalDocument.FileName), PgLock.Dialect, DurationModel.Default);
        Assert.Empty(applied.Defaulted);
        var (calibratedFolder, calibratedPlan) = await Plan(second, applied);
        var (_, secondDefaultPlan) = await Plan(second, null);

        // Estimates are informational: the fingerprint is that of the rehearsed plan, and the gate accepts its rehearsal.
        Assert.Equal(defaultPlan.Fingerprint, calibratedPlan.Fingerprint);
        Assert.NotEqual(defaultPlan.Steps.Select(s => s.Impact.EstimatedMs), calibratedPlan.Steps.Select(s => s.Impact.EstimatedMs));
        GateAcceptsTheDefaultPlansRehearsal(calibratedFolder, defaultFolder);

        var planJson = PlanDocument.Parse(await File.ReadAllTextAsync(Path.Combine(calibratedFolder, PlanWriter.PlanJsonFileName), Ct), "plan.json");
        Assert.Equal(Path.Combine(defaultFolder, RehearsalDocument.FileName), planJson.Estimates!.CalibrationFile);
        Assert.All(planJson.Estimates.Constants, c => Assert.Equal("calibrated", c.Source));
        Assert.Contains("calibrated from `", await File.ReadAllTextAsync(Path.Combine(calibratedFolder, PlanWriter.ReportFileName), Ct), StringComparison.Ordinal);

        var second_ = await Rehearser.RunAsync(calibratedFolder, server.ConnectionString(second), Generous, Fast, null, null, Ct);
        Assert.True(second_.Passed, second_.ToJson());

        // What the server observed on the second copy: its journal's timestamps, not the executor's stopwatch.
        var observed = await ServerDurationsAsync(second, calibratedPlan.Fingerprint);
        var sized = calibratedPlan.Steps.Where(s => s.Impact.Work != TableWork.CatalogOnly && s.Impact.WorkSize > 0).ToList();
        var before = new List<double>();
        var after = new List<double>();
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine("step | work | default ms | calibrated ms | observed ms (server)");
        foreach (var step in sized)
        {
            var defaultMs = secondDefaultPlan.Steps.Single(s => s.Ordinal == step.Ordinal).Impact.EstimatedMs;
            var ms = observed[step.Ordinal];
            before.Add(Math.Abs(defaultMs - ms) / ms);
            after.Add(Math.Abs(step.Impact.EstimatedMs - ms) / ms);
            output?.WriteLine($"{step.Ordinal} {step.Summary} | {step.Impact.Work} | {defaultMs:0.0} | {step.Impact.EstimatedMs:0.0} | {ms:0.0}");
        }

        var medianBefore = Median(before);
        var medianAfter = Median(after);
        output?.WriteLine($"median absolute error: default {medianBefore:P0}, calibrated {medianAfter:P0}");
        Assert.True(sized.Count >= 5, $"only {sized.Count} size-of-data steps");
        // Judged on the total over the steps, not the median: with six steps the median is one step's error, and a
        // default that happens to fit one step (index builds 121 ms estimated, 117-126 ms observed) decided it in 2 of
        // 3 CI runs although the calibrated total was half the default's (1.63 against 3.25).
        Assert.True(after.Sum() < before.Sum(), $"total relative error calibrated {after.Sum():0.00} is not below the default's {before.Sum():0.00}");
    }

    [Fact]
    public async Task A_failed_rehearsal_records_no_calibration()
    {
        var db = await ShopAsync(server, 20_000);
        var (folder, _) = await Plan(db, null);

        // The rewrite holds ACCESS EXCLUSIVE longer than 1 ms: the rehearsal fails on that budget.
        var doc = await Rehearser.RunAsync(folder, server.ConnectionString(db), new RehearsalBudgets(MaxAccessExclusiveMs: 1), Fast, null, null, Ct);

        Assert.False(doc.Passed);
        Assert.Null(doc.Calibration);
        var attempt = Directory.GetFiles(Path.Combine(folder, RehearsalDocument.AttemptsFolder)).Single();
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Load(attempt, PgLock.Dialect, DurationModel.Default));
        Assert.Equal(CalibrationCodes.NoCalibration, e.Code);
    }

    private async Task<(string Folder, MigrationPlan Plan)> Plan(string database, AppliedCalibration? calibration)
    {
        var options = new PlanOptions(AllowDataLoss: true);
        if (calibration is not null)
        {
            options = options with { Durations = calibration.Model, Calibration = calibration };
        }

        var result = await PlanFolderAsync(server, database, ChangeYaml, options);
        _folders.Add(result.Folder);
        Assert.False(result.Plan.IsBlocked);
        return result;
    }

    /// <summary>A copy of the calibrated plan folder holding the default plan's passing rehearsal passes the plan
    /// folder's integrity check and the rehearsal part of the release gate.</summary>
    private void GateAcceptsTheDefaultPlansRehearsal(string calibratedFolder, string defaultFolder)
    {
        var copy = Path.Combine(Path.GetTempPath(), "pipeline-calibration-gate-" + Guid.NewGuid().ToString("N"));
        _folders.Add(copy);
        Directory.CreateDirectory(Path.Combine(copy, RehearsalDocument.AttemptsFolder));
        foreach (var file in Directory.GetFiles(calibratedFolder))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(defaultFolder, RehearsalDocument.FileName), Path.Combine(copy, RehearsalDocument.FileName));
        var folder = PlanFolder.Read(copy);
        var integrity = PlanIntegrity.Check(folder, new PostgresDialect());
        Assert.True(integrity.Problems.Count == 0, string.Join("; ", integrity.Problems.Select(p => p.Message)));
        var decision = ReleaseGate.CheckRehearsal(folder.Plan, integrity.Fingerprint, folder.Rehearsals, DateTimeOffset.UtcNow, TimeSpan.FromHours(24));
        Assert.True(decision.Allowed, string.Join("; ", decision.Reasons.Select(r => r.Message)));
    }

    /// <summary>Per step ordinal, the ms between the journal's start and end timestamps (server clock).</summary>
    private async Task<Dictionary<int, double>> ServerDurationsAsync(string database, string fingerprint)
    {
        var rows = await server.QueryAsync(database,
            $"SELECT ordinal, extract(epoch FROM finished_at - started_at) * 1000 FROM pipeline.journal_steps WHERE plan_fingerprint = '{fingerprint}' AND state = 'done'");
        return rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('|')).ToDictionary(
            c => int.Parse(c[0], CultureInfo.InvariantCulture), c => double.Parse(c[1], CultureInfo.InvariantCulture));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
