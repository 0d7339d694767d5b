using System.Globalization;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Reports;

/// <summary>
/// A generated plan of 500 steps over 50 tables: 300 expand (catalog-only ADD COLUMNs, one rewrite of public.t7 for
/// 27.6 s, 20 SHARE UPDATE EXCLUSIVE index builds), 100 backfills, 100 contract steps (VALIDATE and SET NOT NULL,
/// one 1.5 s write-blocking scan of public.t3, one blocked drop). Every figure the tests check is set here by hand.
/// </summary>
internal static class LargePlan
{
    public const int RewriteOrdinal = 42;
    public const int ContractScanOrdinal = 450;
    public const int BlockedOrdinal = 500;

    public static QualifiedName T(int i) => new("public", "t" + i.ToString(CultureInfo.InvariantCulture));

    public static MigrationPlan Create()
    {
        var steps = new List<PlanStep>();
        var diagnostics = new List<PlanDiagnostic>();
        for (var n = 1; n <= 500; n++)
        {
            var table = T(n % 50);
            var at = new SourceLocation("/repo/schema/app.schema.yaml", 10 + n, 7);
            PlanStep step;
            if (n == RewriteOrdinal)
            {
                table = T(7);
                step = Step(Phase.Expand, n, $"change type of {table}.amount to numeric(12,2) (rewrite)", $"ALTER TABLE {table} ALTER COLUMN amount TYPE numeric(12,2);",
                    table, TestLocks.AccessExclusive, TableWork.Rewrite, 27_600, RiskLevel.High, at);
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Warning, DiagnosticCodes.LongBlockingLock, $"step {n} rewrites {table} under ACCESS EXCLUSIVE for an estimated 27.6 s", at));
            }
            else if (n <= 300 && n % 15 == 0)
            {
                step = Step(Phase.Expand, n, $"create index t_idx_{n} on {table} (concurrently)", $"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_idx_{n} ON {table} (c{n});",
                    table, TestLocks.ShareUpdateExclusive, TableWork.IndexBuild, 300 + n, RiskLevel.Low, at, transactional: false);
            }
            else if (n <= 300)
            {
                step = Step(Phase.Expand, n, $"add column {table}.c{n} (nullable)", $"ALTER TABLE {table} ADD COLUMN c{n} text;",
                    table, TestLocks.AccessExclusive, TableWork.CatalogOnly, 5, RiskLevel.Low, at);
            }
            else if (n <= 400)
            {
                step = Step(Phase.Backfill, n, $"backfill {table}.c{n - 300} in batches of 1000", $"DO $$ BEGIN /* batches */ END $$;",
                    table, TestLocks.RowExclusive, TableWork.RowUpdate, 1_000, RiskLevel.Low, at, transactional: false) with
                {
                    Kind = StepKind.Backfill,
                    Backfill = new BackfillSpec(table, ["id"], ["bigint"], $"c{n - 300} = 'x'", $"c{n - 300} IS NULL", 1000),
                };
            }
            else if (n == ContractScanOrdinal)
            {
                table = T(3);
                step = Step(Phase.Contract, n, $"set not null on {table}.c3 (scan)", $"ALTER TABLE {table} ALTER COLUMN c3 SET NOT NULL;",
                    table, TestLocks.AccessExclusive, TableWork.Scan, 1_500, RiskLevel.High, at);
            }
            else if (n == BlockedOrdinal)
            {
                step = Step(Phase.Contract, n, $"drop column {table}.legacy", $"ALTER TABLE {table} DROP COLUMN legacy;",
                    table, TestLocks.AccessExclusive, TableWork.CatalogOnly, 5, RiskLevel.Low, at) with
                {
                    BlockedReason = $"drop column {table}.legacy can lose data; allow it with --allow-data-loss (MSBuild: PipelineAllowDataLoss=true).",
                    LosesData = true,
                };
                diagnostics.Add(new PlanDiagnostic(DiagnosticSeverity.Error, DiagnosticCodes.DataLossBlocked, $"drop column {table}.legacy is blocked: it can lose data", at));
            }
            else
            {
                step = Step(Phase.Contract, n, $"validate check {table}.c{n} IS NOT NULL", $"ALTER TABLE {table} VALIDATE CONSTRAINT c{n}_not_null;",
                    table, TestLocks.ShareUpdateExclusive, TableWork.Scan, 40, RiskLevel.Low, at) with { Kind = StepKind.Validate };
            }

            steps.Add(step);
        }

        var tables = Enumerable.Range(0, 50).Select(i => Table("t" + i.ToString(CultureInfo.InvariantCulture), Col("id")) with
        {
            Stats = i == 7 ? new TableStats(5_000_000, 48_000, 394_000_000) : new TableStats(1_000, 10, 81_920),
        }).ToArray();
        return new MigrationPlan("postgres", "sha256:" + new string('a', 64), "sha256:" + new string('b', 64), "sha256:" + new string('c', 64),
            new ServerInfo("postgres", 150018, "15.18"), steps, diagnostics, new PlanOptions(), "production.snapshot.json")
        {
            Source = Db(tables),
        };
    }

    private static PlanStep Step(Phase phase, int ordinal, string summary, string sql, QualifiedName table, LockMode mode, TableWork work,
        double ms, RiskLevel risk, SourceLocation at, bool transactional = true) =>
        new(phase, summary, sql, transactional, new LockImpact([new TableLock(table, mode)], work, ms, risk, "test"), "test", at, Ordinal: ordinal);
}
