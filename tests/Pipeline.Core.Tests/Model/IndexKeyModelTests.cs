using Pipeline.Core.Model;
using Xunit;

namespace Pipeline.Core.Tests.Model;

public class IndexKeyModelTests
{
    private static readonly string[] Columns = ["email", "with space", "code"];

    private static bool IsColumn(string name) => Columns.Contains(name);

    [Theory]
    [InlineData("email", "email", null, null, null, false, null)]
    [InlineData("email DESC", "email", null, null, null, true, null)]
    [InlineData("email desc nulls first", "email", null, null, null, true, null)]
    [InlineData("email DESC NULLS LAST", "email", null, null, null, true, false)]
    [InlineData("email ASC NULLS FIRST", "email", null, null, null, false, true)]
    [InlineData("email text_pattern_ops", "email", null, null, "text_pattern_ops", false, null)]
    [InlineData("code COLLATE \"C\" varchar_pattern_ops DESC NULLS LAST", "code", null, "C", "varchar_pattern_ops", true, false)]
    [InlineData("with space jsonb_path_ops", "with space", null, null, "jsonb_path_ops", false, null)]
    [InlineData("(lower(email)) text_pattern_ops", null, "lower(email)", null, "text_pattern_ops", false, null)]
    [InlineData("((a + b)) DESC", null, "(a + b)", null, null, true, null)]
    [InlineData("('a)b'::text) COLLATE ucs_basic", null, "'a)b'::text", "ucs_basic", null, false, null)]
    public void Parses_the_short_form_with_known_columns(
        string text, string? column, string? expression, string? collation, string? opclass, bool descending, bool? nullsFirst)
    {
        var key = IndexKeyModel.Parse(text, IsColumn);
        Assert.Equal(new IndexKeyModel(column, expression, collation, opclass, descending, nullsFirst), key);
    }

    [Theory]
    [InlineData("email DESC", "email", true)]
    [InlineData("with space DESC", "with space", true)]
    [InlineData("  padded  ", "  padded  ", false)]
    [InlineData("\"Mixed Case\" DESC", "Mixed Case", true)]
    public void Without_columns_a_name_ends_at_the_first_modifier_word(string text, string column, bool descending)
    {
        var key = IndexKeyModel.Parse(text);
        Assert.Equal(column, key.Column);
        Assert.Equal(descending, key.Descending);
    }

    [Theory]
    [InlineData("email DESC ASC")]
    [InlineData("email NULLS")]
    [InlineData("email COLLATE")]
    [InlineData("(lower(email)")]
    [InlineData("email a b")]
    public void Rejects_unreadable_modifiers(string text) =>
        Assert.Throws<FormatException>(() => IndexKeyModel.Parse(text, IsColumn));

    [Fact]
    public void Short_form_round_trips()
    {
        var key = new IndexKeyModel("code", null, "en-x-icu", "text_pattern_ops", true, false);
        Assert.Equal("code COLLATE \"en-x-icu\" text_pattern_ops DESC NULLS LAST", key.ToString());
        Assert.Equal(key, IndexKeyModel.Parse(key.ToString(), IsColumn));
        Assert.True(new IndexKeyModel("code", Descending: true).IsSimple);
        Assert.False(key.IsSimple);
    }
}
