using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Planning;

/// <summary>The rollback steps of a plan: numbering, reverse order, fingerprint coverage, plan.json and the
/// rollback scripts.</summary>
public class RollbackPlanTests
{
    private static MigrationPlan TwoColumns() => Planner.Plan(
        Db(Table("t", Col("id"), Col("a", "text"), Col("b", "text"))),
        Db(Table("t", Col("id"))),
        new FakeDialect(), new PlanOptions(), "snapshot");

    [Fact]
    public void Rollback_steps_are_numbered_after_the_forward_steps_in_reverse_order()
    {
        var plan = TwoColumns();

        Assert.Equal([1, 2], plan.Steps.Select(s => s.Ordinal));
        Assert.Equal(["add column public.t.a", "add column public.t.b"], plan.Steps.Select(s => s.Summary));
        Assert.Equal([3, 4], plan.RollbackSteps.Select(s => s.Ordinal));
        Assert.Equal(["undo add column public.t.b", "undo add column public.t.a"], plan.RollbackSteps.Select(s => s.Summary));
        Assert.Equal([2, 1], plan.RollbackSteps.Select(s => s.Undoes!.Value));
        Assert.All(plan.RollbackSteps, s => Assert.Equal(Phase.Expand, s.Phase));
        Assert.Equal([4], plan.Steps[0].Rollback!.Steps.Select(s => s.Ordinal));
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Expand));
    }

    [Fact]
    public void The_plan_fingerprint_covers_the_rollback_steps_and_plan_json_recomputes_it()
    {
        var plan = TwoColumns();
        var document = PlanDocument.Parse(PlanDocument.From(plan).ToJson(), "plan.json");

        Assert.Equal(plan.Fingerprint, Fingerprints.OfPlan(document.Executed()));
        Assert.Equal(2, document.RollbackSteps!.Count);
        Assert.Equal(RollbackKind.Undo, document.Steps[0].Rollback!.Kind);
        Assert.Equal(2, document.RollbackSteps[0].Undoes);

        var edited = document with { RollbackSteps = [document.RollbackSteps[0] with { Sql = "drop table t;" }, document.RollbackSteps[1]] };
        Assert.NotEqual(plan.Fingerprint, Fingerprints.OfPlan(edited.Executed()));
        var relabelled = document with { Steps = [document.Steps[0] with { Rollback = document.Steps[0].Rollback! with { Kind = RollbackKind.Nothing } }, document.Steps[1]] };
        Assert.NotEqual(plan.Fingerprint, Fingerprints.OfPlan(relabelled.Executed()));
    }

    [Fact]
    public void Rollback_script_has_the_header_and_step_blocks_in_reverse_order_with_lock_timeout()
    {
        var plan = TwoColumns();
        var script = RollbackScriptWriter.Write(plan, Phase.Expand, new FakeDialect());

        Assert.Contains($"-- Plan fingerprint:    {plan.Fingerprint}", script, StringComparison.Ordinal);
        Assert.Contains("-- Run with:            fakesql -f rollback-expand.sql", script, StringComparison.Ordinal);
        Assert.Contains("-- Step 3/4 · rollback expand · undo add column public.t.b", script, StringComparison.Ordinal);
        Assert.Contains("-- Undoes:   step 2 (add column public.t.b)", script, StringComparison.Ordinal);
        var b = script.IndexOf("SET lock_timeout = '2000ms';\nundo add column public.t.b;", StringComparison.Ordinal);
        var a = script.IndexOf("SET lock_timeout = '2000ms';\nundo add column public.t.a;", StringComparison.Ordinal);
        Assert.True(b > 0 && a > b, script);
        Assert.Throws<ArgumentOutOfRangeException>(() => RollbackScriptWriter.Write(plan, Phase.Contract, new FakeDialect()));
    }

    [Fact]
    public void A_step_without_an_inverse_makes_its_phase_irreversible_and_the_script_runs_nothing()
    {
        var impact = new LockImpact([], TableWork.CatalogOnly, 1, RiskLevel.Low, "test");
        var steps = new List<PlanStep>
        {
            new(Phase.Expand, "first", "first;", true, impact, "why", Ordinal: 1) { Rollback = StepRollback.Undo("u", new PlanStep(Phase.Expand, "undo first", "undo first;", true, impact, "w")) },
            new(Phase.Expand, "second", "second;", true, impact, "why", Ordinal: 2),
            new(Phase.Backfill, "fill", "fill;", false, impact, "why", Kind: StepKind.Backfill, Ordinal: 3) { Rollback = StepRollback.Kept("the values stay") },
        };
        var (forward, rollback) = RollbackNumbering.Number(steps);
        var plan = new MigrationPlan("fake", "s", "d", "f", null, forward, [], new PlanOptions(), "x") { RollbackSteps = rollback };

        Assert.Equal(["second"], plan.IrreversibleStepsOf(Phase.Expand).Select(s => s.Summary));
        Assert.Empty(plan.IrreversibleStepsOf(Phase.Backfill));
        var script = RollbackScriptWriter.Write(plan, Phase.Expand, new FakeDialect());
        Assert.Contains("CANNOT ROLL BACK: step 2 (second)", script, StringComparison.Ordinal);
        Assert.DoesNotContain(script.Split('\n'), l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal));
        var backfill = RollbackScriptWriter.Write(plan, Phase.Backfill, new FakeDialect());
        Assert.Contains("-- Rollback: kept (no statement): the values stay", backfill, StringComparison.Ordinal);
        Assert.Equal(RollbackKind.Kept, PlanDocument.From(plan).Steps[2].Rollback!.Kind);
    }
}
