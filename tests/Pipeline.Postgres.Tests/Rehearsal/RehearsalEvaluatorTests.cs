using Pipeline.Postgres.Dialect;
using Pipeline.Core.Locking;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Postgres.Observation;
using Pipeline.Postgres.Rehearsal;
using Xunit;

namespace Pipeline.Postgres.Tests.Rehearsal;

public sealed class RehearsalEvaluatorTests
{
    private static readonly RehearsalBudgets Budgets = new(MaxAccessExclusiveMs: 100, MaxWriteBlockingMs: 300, MaxLockRetries: 2);

    private static RehearsalStep Step(int ordinal, StepState state = StepState.Done, int retries = 0, string? error = null, params ObservedTableLock[] observed) =>
        new(ordinal, Phase.Expand, $"change {ordinal}", state, [new PlanDocumentLock("public.t", "ACCESS EXCLUSIVE")], 5, observed, 10, 0, retries, error);

    private static StepOutcome Out(RehearsalStep step, double ae = 0, double wb = 0, bool skipped = false) =>
        new(step, ae, ae > 0 ? "public.t" : null, Math.Max(ae, wb), skipped);

    private static RehearsalValidation Ok(string name) => new(name, true, "fine");

    [Fact]
    public void Passes_when_every_step_is_done_within_budgets_and_validations_hold()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1), ae: 100), Out(Step(2), wb: 200)], [Ok("row counts unchanged")], Budgets);
        Assert.True(verdict.Passed, string.Join("; ", verdict.Reasons));
        Assert.Empty(verdict.Reasons);
    }

    [Fact]
    public void An_empty_plan_with_passing_validations_passes()
    {
        Assert.True(RehearsalEvaluator.Evaluate([], [], [Ok("x")], new RehearsalBudgets()).Passed);
    }

    [Fact]
    public void Access_exclusive_over_budget_names_the_step_table_and_figures()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1)), Out(Step(2), ae: 250.4)], [], Budgets with { MaxWriteBlockingMs = 10_000 });
        Assert.False(verdict.Passed);
        var reason = Assert.Single(verdict.Reasons);
        Assert.Equal("step 2 (expand: change 2) held ACCESS EXCLUSIVE on public.t for 250 ms, over the budget of 100 ms (reads and writes wait that long)", reason);
    }

    [Fact]
    public void Write_blocking_time_is_summed_over_steps()
    {
        // 150 + 200 = 350 > 300, though each step alone is within.
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1), wb: 150), Out(Step(2), wb: 200), Out(Step(3))], [], Budgets);
        var reason = Assert.Single(verdict.Reasons);
        Assert.StartsWith("writes were blocked for 350 ms in all, over the budget of 300 ms (step 2: 200 ms, step 1: 150 ms)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_lock_retries_fail_the_step()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1, retries: 2)), Out(Step(2, retries: 3))], [], Budgets);
        var reason = Assert.Single(verdict.Reasons);
        Assert.StartsWith("step 2 (expand: change 2) needed 3 lock_timeout retries, more than the budget of 2", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_step_fails_with_its_error_and_later_steps_are_reported_as_not_run()
    {
        var verdict = RehearsalEvaluator.Evaluate(
            [],
            [Out(Step(1)), Out(Step(2, StepState.Failed, error: "42P07: relation exists")), Out(Step(3, StepState.Pending)), Out(Step(4, StepState.Pending))],
            [],
            Budgets);
        Assert.False(verdict.Passed);
        Assert.Equal(["step 2 (expand: change 2) failed: 42P07: relation exists", "steps 3, 4 did not run"], verdict.Reasons);
    }

    [Fact]
    public void An_interrupted_step_fails()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1, StepState.Running))], [], Budgets);
        Assert.Equal(["step 1 (expand: change 1) did not finish"], verdict.Reasons);
    }

    [Fact]
    public void A_refusal_before_running_does_not_also_list_every_step_as_not_run()
    {
        var verdict = RehearsalEvaluator.Evaluate(["staging drifted"], [Out(Step(1, StepState.Pending)), Out(Step(2, StepState.Pending))], [Ok("x")], Budgets);
        Assert.Equal(["staging drifted"], verdict.Reasons);
    }

    [Fact]
    public void A_run_error_comes_first_then_unrun_steps()
    {
        var verdict = RehearsalEvaluator.Evaluate(["the backfill phase stopped with an error: x"], [Out(Step(1)), Out(Step(2, StepState.Pending))], [], Budgets);
        Assert.Equal(["the backfill phase stopped with an error: x", "step 2 did not run"], verdict.Reasons);
    }

    [Fact]
    public void A_step_skipped_by_the_journal_was_not_rehearsed()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1), skipped: true)], [], Budgets);
        Assert.Contains("was skipped because the journal on staging already recorded it as done", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_validations_fail_with_name_and_detail()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1))], [Ok("a"), new RehearsalValidation("no INVALID index left", false, "left INVALID: public.i")], Budgets);
        Assert.Equal(["validation 'no INVALID index left' failed: left INVALID: public.i"], verdict.Reasons);
    }

    [Fact]
    public void Budgets_at_exactly_the_limit_pass()
    {
        var verdict = RehearsalEvaluator.Evaluate([], [Out(Step(1, retries: 2), ae: 100, wb: 100), Out(Step(2), wb: 200)], [], Budgets);
        Assert.True(verdict.Passed, string.Join("; ", verdict.Reasons));
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var verdict = RehearsalEvaluator.Evaluate(
            [],
            [Out(Step(1, retries: 5), ae: 400), Out(Step(2, StepState.Failed, error: "x"))],
            [new RehearsalValidation("row counts unchanged", false, "public.t: 1 rows before, 2 after")],
            Budgets);
        Assert.Equal(5, verdict.Reasons.Count); // failed step, ACCESS EXCLUSIVE, retries, write-blocking total, validation
    }

    [Fact]
    public void Outcome_from_document_rows_uses_the_strongest_mode_holds()
    {
        var step = Step(1, observed:
        [
            new ObservedTableLock("public.a", "ACCESS EXCLUSIVE", 40, 0),
            new ObservedTableLock("public.b", "SHARE", 70, 0),
            new ObservedTableLock("public.c", "SHARE UPDATE EXCLUSIVE", 900, 0),
        ]);
        var outcome = StepOutcome.FromStep(step);
        Assert.Equal(40, outcome.AccessExclusiveMs);
        Assert.Equal("public.a", outcome.AccessExclusiveTable);
        Assert.Equal(70, outcome.WriteBlockingMs);
    }

    [Fact]
    public void Observation_summary_merges_index_locks_into_the_table_and_ignores_the_journal()
    {
        var t = new QualifiedName("public", "t");
        LockObservation observation = new(
            [
                new ObservedLock(t, PgLock.RowExclusive, 50, 3, new Dictionary<LockMode, double> { [PgLock.RowExclusive] = 50 }),
                new ObservedLock(t, PgLock.AccessExclusive, 12, 0, new Dictionary<LockMode, double> { [PgLock.AccessExclusive] = 12, [PgLock.Share] = 30 })
                    { Index = new QualifiedName("public", "t_idx") },
                new ObservedLock(new QualifiedName("pipeline", "journal"), PgLock.AccessExclusive, 999, 0,
                    new Dictionary<LockMode, double> { [PgLock.AccessExclusive] = 999 }),
            ],
            20, 100, 5, 6, 3, 0);
        var outcome = ObservedLockSummary.Outcome(Step(1), observation, skipped: false);
        var row = Assert.Single(outcome.Step.ObservedLocks);
        Assert.Equal(new ObservedTableLock("public.t", "ACCESS EXCLUSIVE", 12, 3), row);
        Assert.Equal(12, outcome.AccessExclusiveMs);
        Assert.Equal("public.t", outcome.AccessExclusiveTable);
        Assert.Equal(30, outcome.WriteBlockingMs); // the SHARE hold was longer than the ACCESS EXCLUSIVE one
    }

    [Fact]
    public void Exact_held_locks_merge_with_sampled_ones_taking_the_stronger_mode_and_the_longer_hold()
    {
        var a = new QualifiedName("public", "a");
        var b = new QualifiedName("public", "b");
        LockObservation observation = new(
            [
                // a: sampling saw only ROW EXCLUSIVE; b: sampling saw ACCESS EXCLUSIVE longer than the exact figure.
                new ObservedLock(a, PgLock.RowExclusive, 40, 2, new Dictionary<LockMode, double> { [PgLock.RowExclusive] = 40 }),
                new ObservedLock(b, PgLock.AccessExclusive, 9, 0, new Dictionary<LockMode, double> { [PgLock.AccessExclusive] = 9 }),
            ],
            20, 100, 5, 6, 2, 0);
        IReadOnlyList<HeldLock> held =
        [
            new(a, PgLock.AccessExclusive, 3.04),
            new(a, PgLock.RowExclusive, 3.04),
            new(b, PgLock.AccessExclusive, 3.04),
            new(new QualifiedName("pipeline", "journal"), PgLock.RowExclusive, 3.04),
        ];

        var outcome = ObservedLockSummary.Outcome(Step(1), observation, skipped: false, held);
        Assert.Equal(
            [new ObservedTableLock("public.a", "ACCESS EXCLUSIVE", 3, 2), new ObservedTableLock("public.b", "ACCESS EXCLUSIVE", 9, 0)],
            outcome.Step.ObservedLocks);
        Assert.Equal(9, outcome.AccessExclusiveMs);
        Assert.Equal("public.b", outcome.AccessExclusiveTable);
        Assert.Equal(9, outcome.WriteBlockingMs);

        // Without a sampled observation (sampling failed) the exact locks still count.
        var exactOnly = ObservedLockSummary.Outcome(Step(1), null, skipped: false, held);
        Assert.Equal(["public.a", "public.b"], exactOnly.Step.ObservedLocks.Select(l => l.Table));
        Assert.Equal(3, exactOnly.AccessExclusiveMs);
    }

    [Fact]
    public void Without_an_observation_the_step_has_no_observed_locks()
    {
        var outcome = ObservedLockSummary.Outcome(Step(1), null, skipped: true);
        Assert.Empty(outcome.Step.ObservedLocks);
        Assert.True(outcome.Skipped);
        Assert.Equal(0, outcome.WriteBlockingMs);
    }
}
