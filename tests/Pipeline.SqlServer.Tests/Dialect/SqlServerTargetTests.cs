using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dialect;
using Xunit;

namespace Pipeline.SqlServer.Tests.Dialect;

/// <summary>Version and edition: options over the actual model's server, and what each target allows.</summary>
public sealed class SqlServerTargetTests
{
    private static SqlServerTarget Of(ServerInfo? server, string? version = null, string? edition = null) =>
        SqlServerTarget.Of(new PlanContext(DatabaseModel.Empty, DatabaseModel.Empty with { Server = server },
            new PlanOptions { TargetVersion = version, TargetEdition = edition }));

    [Fact]
    public void Options_override_the_dacpac_target_platform()
    {
        var dacpac = new ServerInfo("sqlserver", 160000, "16.0 (SQL Server 2022)", null, "Sql160");

        Assert.Equal(new SqlServerTarget(16, SqlServerEdition.Unknown, true), Of(dacpac));
        Assert.Equal(new SqlServerTarget(15, SqlServerEdition.Enterprise, true), Of(dacpac, "2019", "Developer"));
        Assert.Equal(new SqlServerTarget(13, SqlServerEdition.Unknown, false), Of(null));
        Assert.Equal(SqlServerEdition.Azure, Of(new ServerInfo("sqlserver", 120000, "Azure", "Azure SQL Database", "SqlAzure")).Edition);
    }

    [Theory]
    [InlineData("Standard", 16, false, false, false, false)]
    [InlineData("Enterprise", 14, true, false, false, true)]
    [InlineData("Enterprise", 15, true, true, false, true)]
    [InlineData("Developer", 16, true, true, true, true)]
    [InlineData("Azure", 12, true, true, true, false)]
    public void Online_resumable_low_priority_and_metadata_only_defaults(string edition, int major, bool online, bool resumable, bool lowPriority, bool metadataDefault)
    {
        var t = new SqlServerTarget(major, SqlServerTarget.ParseEdition(edition), true);

        Assert.Equal((online, resumable, lowPriority, metadataDefault),
            (t.OnlineIndex, t.ResumableCreateIndex, t.WaitAtLowPriorityCreateIndex, t.MetadataOnlyNotNullDefault));
    }

    [Fact]
    public void Bad_target_options_are_clear_errors()
    {
        Assert.Equal(15, SqlServerTarget.ParseMajor("15.0.4236.7"));
        Assert.Equal(17, SqlServerTarget.ParseMajor("2025"));
        Assert.Contains("--target-version", Assert.Throws<ArgumentException>(() => SqlServerTarget.ParseMajor("2020")).Message);
        Assert.Contains("--target-edition", Assert.Throws<ArgumentException>(() => SqlServerTarget.ParseEdition("Premium")).Message);
        Assert.Equal(SqlServerEdition.Enterprise, SqlServerTarget.ParseEdition("Enterprise Edition: Core-based Licensing (64-bit)"));
    }
}
