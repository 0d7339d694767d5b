using Pipeline.Core.Diff;
using Pipeline.Core.Planning;
using Xunit;

namespace Pipeline.Core.Tests.Planning;

public sealed class ChangeGraphTests
{
    private static readonly CreateSchema A = new("a", null);
    private static readonly CreateSchema B = new("b", null);
    private static readonly CreateSchema C = new("c", null);
    private static readonly DropSchema DropD = new("d", null);

    [Fact]
    public void Without_dependencies_the_order_is_by_kind_then_by_the_differs_order()
    {
        // DropSchema ranks after CreateSchema whatever the input order.
        var ordered = ChangeGraph.Order([DropD, B, A], []);
        Assert.Equal(["create schema b", "create schema a", "drop schema d"], ordered.Select(c => c.Describe()));
    }

    [Fact]
    public void A_declared_dependency_overrides_the_kind_order()
    {
        var ordered = ChangeGraph.Order([A, B, DropD], [(DropD, A)]);
        Assert.Equal(["create schema b", "drop schema d", "create schema a"], ordered.Select(c => c.Describe()));
    }

    [Fact]
    public void Chains_are_followed_transitively()
    {
        var ordered = ChangeGraph.Order([A, B, C], [(C, B), (B, A)]);
        Assert.Equal(["create schema c", "create schema b", "create schema a"], ordered.Select(c => c.Describe()));
    }

    [Fact]
    public void Pairs_naming_unknown_changes_are_ignored()
    {
        var ordered = ChangeGraph.Order([A, B], [(C, A), (A, A)]);
        Assert.Equal(["create schema a", "create schema b"], ordered.Select(c => c.Describe()));
    }

    [Fact]
    public void A_cycle_is_an_error_naming_its_changes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ChangeGraph.Order([A, B, C], [(A, B), (B, A)]));
        Assert.Contains("create schema a", error.Message, StringComparison.Ordinal);
        Assert.Contains("create schema b", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("create schema c", error.Message, StringComparison.Ordinal);
    }
}
