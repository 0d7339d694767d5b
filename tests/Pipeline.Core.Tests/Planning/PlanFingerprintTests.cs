using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Xunit;

namespace Pipeline.Core.Tests.Planning;

/// <summary>The plan fingerprint covers every part that decides what runs, and nothing the reviewer-only text holds;
/// <see cref="PlanDifference"/> names the first change.</summary>
public sealed class PlanFingerprintTests
{
    private static readonly BackfillSpec Spec = new(
        new QualifiedName("public", "accounts"), ["id"], ["bigint"], "email_lower = lower(email)", "email_lower IS NULL", 1000);

    private static readonly ExecutedPlan Base = new(2000, 1000,
    [
        new ExecutedStep(1, Phase.Expand, StepKind.Ddl, true, false, "ALTER TABLE public.accounts ADD COLUMN email_lower text;", null),
        new ExecutedStep(2, Phase.Expand, StepKind.Ddl, false, false, "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_idx ON public.accounts (email);", null),
        new ExecutedStep(3, Phase.Backfill, StepKind.Backfill, false, false, "DO $$ … $$;", Spec),
    ]);

    public static TheoryData<string, ExecutedPlan, string> Edits() => new()
    {
        { "sql", With(1, s => s with { Sql = "CREATE INDEX IF NOT EXISTS accounts_idx ON public.accounts (email);" }), "step 2: sql `CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_idx ON publ…` is now `CREATE INDEX IF NOT EXISTS accounts_idx" },
        { "phase", With(1, s => s with { Phase = Phase.Contract }), "step 2: phase `expand` is now `contract`" },
        { "ordinal", With(1, s => s with { Ordinal = 7 }), "step 2 in listed order: ordinal `2` is now `7`" },
        { "kind", With(1, s => s with { Kind = StepKind.Cleanup }), "step 2: kind `ddl` is now `cleanup`" },
        { "transactional", With(1, s => s with { Transactional = true }), "step 2: transactional `false` is now `true`" },
        { "blocked", With(0, s => s with { Blocked = true }), "step 1: blocked `false` is now `true`" },
        { "set clause", With(2, s => s with { Backfill = Spec with { SetClause = "email_lower = upper(email)" } }), "step 3: backfill SET clause `email_lower = lower(email)` is now `email_lower = upper(email)`" },
        { "predicate", With(2, s => s with { Backfill = Spec with { Predicate = "true" } }), "step 3: backfill predicate `email_lower IS NULL` is now `true`" },
        { "key", With(2, s => s with { Backfill = Spec with { KeyColumns = ["email"] } }), "step 3: backfill key `id` is now `email`" },
        { "batch size", With(2, s => s with { Backfill = Spec with { BatchSize = 50_000 } }), "step 3: backfill batch size `1000` is now `50000`" },
        { "table", With(2, s => s with { Backfill = Spec with { Table = new QualifiedName("public", "orders") } }), "step 3: backfill table `public.accounts` is now `public.orders`" },
        { "lock_timeout", Base with { LockTimeoutMs = 60_000 }, "plan options: lock_timeout `2000 ms` is now `60000 ms`" },
        { "step lock_timeout", With(0, s => s with { LockTimeoutMs = 50 }), "step 1: lock_timeout `` is now `50 ms`" },
        { "order", Base with { Steps = [Base.Steps[1], Base.Steps[0], Base.Steps[2]] }, "step 1 in listed order: ordinal `1` is now `2`" },
        { "step removed", Base with { Steps = Base.Steps.Take(2).ToList() }, "the plan had 3 steps and now has 2" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Every_part_that_decides_what_runs_changes_the_fingerprint_and_is_named(string part, ExecutedPlan edited, string difference)
    {
        Assert.NotEqual(Fingerprints.OfPlan(Base), Fingerprints.OfPlan(edited));
        var named = PlanDifference.First(Base, edited);
        Assert.True(named is not null && named.StartsWith(difference, StringComparison.Ordinal), $"{part}: {named}");
    }

    [Fact]
    public void The_same_plan_has_the_same_fingerprint_and_no_difference()
    {
        var copy = Base with { Steps = Base.Steps.Select(s => s with { }).ToList() };
        Assert.Equal(Fingerprints.OfPlan(Base), Fingerprints.OfPlan(copy));
        Assert.Null(PlanDifference.First(Base, copy));
        Assert.Matches("^sha256:[0-9a-f]{64}$", Fingerprints.OfPlan(Base));
    }

    [Fact]
    public void Values_cannot_be_shifted_between_fields()
    {
        var a = Base with { Steps = [Base.Steps[2] with { Backfill = Spec with { SetClause = "a = 1", Predicate = "b" } }] };
        var b = Base with { Steps = [Base.Steps[2] with { Backfill = Spec with { SetClause = "a = 1b", Predicate = "" } }] };
        Assert.NotEqual(Fingerprints.OfPlan(a), Fingerprints.OfPlan(b));
    }

    [Fact]
    public void Plan_json_round_trips_to_the_planners_fingerprint()
    {
        var plan = new MigrationPlan("postgres", "sha256:s", "sha256:d", "", null,
            Base.Steps.Select(s => new PlanStep(s.Phase, "summary " + s.Ordinal, s.Sql, s.Transactional,
                new Locking.LockImpact([], Locking.TableWork.CatalogOnly, 5, Locking.RiskLevel.Low, ""), "why",
                Kind: s.Kind, Backfill: s.Backfill, BlockedReason: s.Blocked ? "blocked" : null, Ordinal: s.Ordinal)).ToList(),
            [], new PlanOptions(LockTimeoutMs: 2000, BackfillBatchSize: 1000), "snapshot");
        var fingerprint = Fingerprints.OfPlan(ExecutedPlan.Of(plan));
        var json = PlanDocument.From(plan with { Fingerprint = fingerprint }).ToJson();

        var read = PlanDocument.Parse(json, "plan.json");

        Assert.Equal(fingerprint, read.Fingerprint);
        Assert.Equal(fingerprint, Fingerprints.OfPlan(read.Executed()));
        Assert.Null(PlanDifference.First(ExecutedPlan.Of(plan), read.Executed()));
        // Reviewer-only text (summary, why, estimates) is not part of it.
        var reworded = plan with { Steps = plan.Steps.Select(s => s with { Summary = "other", Why = "other" }).ToList() };
        Assert.Equal(fingerprint, Fingerprints.OfPlan(ExecutedPlan.Of(reworded)));
    }

    private static ExecutedPlan With(int index, Func<ExecutedStep, ExecutedStep> edit) =>
        Base with { Steps = Base.Steps.Select((s, i) => i == index ? edit(s) : s).ToList() };
}
