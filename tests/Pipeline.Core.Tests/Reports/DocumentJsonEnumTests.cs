using Pipeline.Core.Release;
using Pipeline.Core.Reports;
using Pipeline.Core.Snapshot;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

/// <summary>The documents' and the snapshot's enums are written as strings: each has its generic string-enum
/// converter in the options (the converters are listed one by one, so that the native CLI needs no reflection; an enum
/// added to a document without its converter would be written as a number).</summary>
public class DocumentJsonEnumTests
{
    public static TheoryData<string> Documents => [nameof(PlanDocument), nameof(ReportDocument), nameof(RehearsalDocument)];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_enum_of_a_document_is_written_as_a_kebab_case_string(string document)
    {
        var root = document switch
        {
            nameof(PlanDocument) => typeof(PlanDocument),
            nameof(ReportDocument) => typeof(ReportDocument),
            _ => typeof(RehearsalDocument),
        };

        var enums = JsonEnums.Reachable(DocumentJson.Options, root);

        Assert.NotEmpty(enums);
        foreach (var type in enums)
        {
            Assert.All(JsonEnums.Written(DocumentJson.Options, type), json => Assert.Matches("^\"[a-z]+(-[a-z]+)*\"$", json));
        }
    }

    [Fact]
    public void Every_enum_of_a_snapshot_is_written_as_a_camel_case_string()
    {
        var enums = JsonEnums.Reachable(SnapshotSerializer.Options, typeof(SnapshotDocument));

        Assert.NotEmpty(enums);
        foreach (var type in enums)
        {
            Assert.All(JsonEnums.Written(SnapshotSerializer.Options, type), json => Assert.Matches("^\"[a-z]+([A-Z][a-z]*)*\"$", json));
        }
    }
}
