using Pipeline.Core.Planning;
using Pipeline.Core.Policy;
using Pipeline.Core.Tests.Reports;
using Xunit;

namespace Pipeline.Core.Tests.Policy;

public class FailPolicyTests
{
    [Theory]
    [InlineData("data-loss", FailRuleKind.DataLoss, 0)]
    [InlineData("rewrite", FailRuleKind.Rewrite, 0)]
    [InlineData("blocks-writes>2s", FailRuleKind.BlocksWrites, 2000)]
    [InlineData("blocks-writes > 500ms", FailRuleKind.BlocksWrites, 500)]
    [InlineData("blocks-reads>1.5s", FailRuleKind.BlocksReads, 1500)]
    [InlineData("risk>=high", FailRuleKind.Risk, 2)]
    [InlineData("RISK>=Medium", FailRuleKind.Risk, 1)]
    [InlineData("rewrite-rows>1000000", FailRuleKind.RewriteRows, 1_000_000)]
    [InlineData("rewrite-rows>1_000_000", FailRuleKind.RewriteRows, 1_000_000)]
    [InlineData("warnings", FailRuleKind.Warnings, 0)]
    [InlineData("none", FailRuleKind.None, 0)]
    public void Parses_each_rule(string text, FailRuleKind kind, double threshold)
    {
        var rule = Assert.Single(FailPolicy.Parse(text).Rules);
        Assert.Equal(kind, rule.Kind);
        Assert.Equal(threshold, rule.Threshold);
    }

    [Fact]
    public void Parses_a_comma_separated_list_and_defaults_to_data_loss()
    {
        var policy = FailPolicy.Parse("data-loss, blocks-writes>2s,rewrite-rows>1000000,data-loss");
        Assert.Equal([FailRuleKind.DataLoss, FailRuleKind.BlocksWrites, FailRuleKind.RewriteRows], policy.Rules.Select(r => r.Kind));
        Assert.Equal("data-loss,blocks-writes>2s,rewrite-rows>1000000", policy.ToString());
        Assert.Equal("data-loss", FailPolicy.Parse(null).ToString());
        Assert.Equal("data-loss", FailPolicy.Parse("  ").ToString());
    }

    [Theory]
    [InlineData("rewrites", "unknown rule 'rewrites'")]
    [InlineData("data-loss,blocks-writes>soon", "'blocks-writes>soon': 'soon' is not a duration")]
    [InlineData("risk>=extreme", "the risk level must be low, medium or high")]
    [InlineData("risk>=2", "the risk level must be low, medium or high")]
    [InlineData("rewrite-rows>many", "the row count must be a whole number")]
    [InlineData("none,rewrite", "'none' cannot be combined")]
    [InlineData(",", "no rule given")]
    public void Unknown_or_invalid_rules_name_the_rule_and_list_the_valid_ones(string text, string expected)
    {
        var e = Assert.Throws<FailPolicyException>(() => FailPolicy.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        if (!expected.Contains("cannot be combined", StringComparison.Ordinal))
        {
            Assert.Contains("valid rules: data-loss, rewrite, blocks-writes>DURATION, blocks-reads>DURATION, risk>=low|medium|high, rewrite-rows>N, warnings, none", e.Message, StringComparison.Ordinal);
        }
    }

    private static PlanReview Review(string policy, bool blockedAsWarnings = false) =>
        PlanReview.Create(LargePlan.Create(), FailPolicy.Parse(policy), blockedAsWarnings);

    private static IEnumerable<string> Errors(PlanReview review) =>
        review.Findings.Where(f => f.Severity == DiagnosticSeverity.Error).Select(f => f.Code);

    [Fact]
    public void Data_loss_keeps_the_blocked_drop_an_error_and_without_it_the_drop_is_a_warning()
    {
        Assert.Equal(["PIPE2001"], Errors(Review("data-loss")));
        Assert.Equal(Verdict.Fail, Review("data-loss").Verdict);

        var without = Review("blocks-writes>1min");
        Assert.Empty(Errors(without));
        Assert.Equal(Verdict.Pass, without.Verdict);
        Assert.Equal(DiagnosticSeverity.Warning, without.Findings.Single(f => f.Code == "PIPE2001").Severity);
        Assert.Empty(Errors(Review("data-loss", blockedAsWarnings: true)));
    }

    [Fact]
    public void Each_rule_fails_exactly_the_steps_that_break_it()
    {
        // The plan: a 27.6 s rewrite of t7 (5,000,000 rows, step 42), a 1.5 s ACCESS EXCLUSIVE scan of t3 (step 450),
        // 279 catalog-only ADD COLUMNs under ACCESS EXCLUSIVE for 5 ms, SHARE UPDATE EXCLUSIVE index builds and
        // validations, ROW EXCLUSIVE backfills, and a blocked drop (step 500).
        static int[] Steps(PlanReview review, string code) =>
            [.. review.PolicyFindings.Where(f => f.Code == code).Select(f => int.Parse(f.Message.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))];

        Assert.Equal([42], Steps(Review("rewrite"), PolicyCodes.Rewrite));
        Assert.Equal([42, 450], Steps(Review("blocks-writes>1s"), PolicyCodes.BlocksWrites));
        Assert.Equal([42], Steps(Review("blocks-writes>2s"), PolicyCodes.BlocksWrites));
        Assert.Empty(Steps(Review("blocks-writes>30s"), PolicyCodes.BlocksWrites));
        Assert.Equal(281, Steps(Review("blocks-reads>4ms"), PolicyCodes.BlocksReads).Length);
        Assert.Equal([42, 450], Steps(Review("risk>=high"), PolicyCodes.Risk));
        Assert.Equal(499, Steps(Review("risk>=low"), PolicyCodes.Risk).Length);
        Assert.Equal([42], Steps(Review("rewrite-rows>1000000"), PolicyCodes.RewriteRows));
        Assert.Empty(Steps(Review("rewrite-rows>5000000"), PolicyCodes.RewriteRows));
        Assert.Contains("holding about 5,000,000 rows, more than the 1,000,000 rows the policy allows", Review("rewrite-rows>1000000").PolicyFindings.Single().Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "PIPE1001", "PIPE2001" }.Order(), Errors(Review("warnings,data-loss")).Order());
    }

    [Fact]
    public void None_fails_only_what_the_planner_cannot_do()
    {
        var review = Review("none");
        Assert.Empty(Errors(review));
        Assert.Equal(Verdict.Pass, review.Verdict);
    }
}
