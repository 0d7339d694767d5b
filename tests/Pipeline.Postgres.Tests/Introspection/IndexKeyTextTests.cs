using Pipeline.Postgres.Introspection;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class IndexKeyTextTests
{
    [Theory]
    [InlineData("(a + b)", true)]
    [InlineData("(a) + (b)", false)]
    [InlineData("lower(x)", false)]
    [InlineData("(lower(x) || ')(')", true)]
    public void Recognises_one_outer_pair_of_parentheses(string text, bool expected)
        => Assert.Equal(expected, IndexKeyText.IsParenthesized(text));

    [Fact]
    public void Reads_the_key_list_of_an_index_definition()
    {
        var items = IndexKeyText.KeyListItems(
            "CREATE INDEX \"odd (name, x\" ON public.\"t(1)\" USING btree (b COLLATE \"C\" text_pattern_ops DESC NULLS LAST, lower(b) varchar_pattern_ops, (a + 1) NULLS FIRST, f(x, ',(')) INCLUDE (c) WHERE a > 5");
        Assert.Equal(["b COLLATE \"C\" text_pattern_ops DESC NULLS LAST", "lower(b) varchar_pattern_ops", "(a + 1) NULLS FIRST", "f(x, ',(')"], items);
    }

    [Fact]
    public void Keys_take_collation_and_operator_class_from_the_definition_and_order_from_indoption()
    {
        var row = new IndexRow(
            1, "i", false, "btree", true,
            ["b", "lower(b)", "(a + 1)"], [false, true, true], [true, false, false], [], null,
            "CREATE INDEX i ON t USING btree (b COLLATE \"C\" text_pattern_ops DESC NULLS LAST, lower(b) varchar_pattern_ops, (a + 1) NULLS FIRST)",
            ["b", "lower(b)", "(a + 1)"], [false, false, true], [], false, null, [], false, false);

        var keys = IndexKeyText.Keys(row);

        Assert.Equal(new Pipeline.Core.Model.IndexKeyModel("b", null, "C", "text_pattern_ops", true, false), keys[0]);
        Assert.Equal(new Pipeline.Core.Model.IndexKeyModel(null, "lower(b)", null, "varchar_pattern_ops"), keys[1]);
        Assert.Equal(new Pipeline.Core.Model.IndexKeyModel(null, "a + 1", NullsFirst: true), keys[2]);
    }
}
