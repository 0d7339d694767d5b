using Pipeline.Cli.Release;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>apply.json</c>'s enums are written as kebab-case strings: each has its generic string-enum converter
/// in <see cref="ApplyReport"/>'s options (listed one by one, so that the native CLI needs no reflection).</summary>
public class ApplyReportJsonTests
{
    [Fact]
    public void Every_enum_of_apply_json_is_written_as_a_kebab_case_string()
    {
        var enums = JsonEnums.Reachable(ApplyReport.Json, typeof(ApplyReport));

        Assert.NotEmpty(enums);
        foreach (var type in enums)
        {
            Assert.All(JsonEnums.Written(ApplyReport.Json, type), json => Assert.Matches("^\"[a-z]+(-[a-z]+)*\"$", json));
        }
    }
}
