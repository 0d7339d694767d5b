using Pipeline.SqlServer.Dacpac;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary><c>--dacpac</c> on inspect, snapshot and plan: the SQL Server provider registered in the CLI reads a
/// dacpac built here with DacFx.</summary>
public sealed class SqlServerDacpacCliTests
{
    private const string Script = """
        CREATE TABLE dbo.Customer (
            Id int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Customer PRIMARY KEY,
            Name nvarchar(100) NOT NULL,
            Score int NOT NULL CONSTRAINT DF_Customer_Score DEFAULT ((0))
        );
        GO
        CREATE INDEX IX_Customer_Name ON dbo.Customer (Name) INCLUDE (Score);
        GO
        CREATE TRIGGER dbo.Customer_Audit ON dbo.Customer AFTER UPDATE AS SET NOCOUNT ON;
        GO
        """;

    private static string BuildDacpac(TempFolder folder)
    {
        var path = folder.File("app.dacpac");
        using var model = DacpacBuilder.BuildModel(Script);
        DacpacBuilder.WritePackage(model, path, "app");
        return path;
    }

    [Fact]
    public async Task Inspect_then_plan_against_the_same_dacpac_plans_nothing()
    {
        using var folder = new TempFolder();
        var dacpac = BuildDacpac(folder);
        var schema = folder.File("app.schema.yaml");

        var inspect = await Cli.RunAsync("inspect", "--dacpac", dacpac, "--out", schema);
        var plan = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--out", folder.File("plan"));

        Assert.Equal(0, inspect.ExitCode);
        var yaml = File.ReadAllText(schema);
        Assert.Contains("dialect: sqlserver\n", yaml, StringComparison.Ordinal);
        Assert.Contains("defaultName: DF_Customer_Score", yaml, StringComparison.Ordinal);
        Assert.Contains("warning PIPE1020: dbo.Customer: trigger Customer_Audit (AFTER UPDATE)", inspect.Stderr, StringComparison.Ordinal);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.DoesNotContain("PIPE5001", plan.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_against_a_dacpac_is_planned_as_sqlcmd_scripts()
    {
        using var folder = new TempFolder();
        var dacpac = BuildDacpac(folder);
        var schema = folder.File("app.schema.yaml");
        Assert.Equal(0, (await Cli.RunAsync("inspect", "--dacpac", dacpac, "--out", schema)).ExitCode);
        File.WriteAllText(schema, File.ReadAllText(schema).Replace(
            "          - name: Name\n", "          - {name: Email, type: nvarchar(200), nullable: true}\n          - name: Name\n", StringComparison.Ordinal));

        var plan = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--out", folder.File("plan"));

        Assert.True(plan.ExitCode == 0, plan.All);
        var expand = File.ReadAllText(Path.Combine(folder.File("plan"), "01-expand.sql")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(":on error exit\nSET XACT_ABORT ON;", expand, StringComparison.Ordinal);
        Assert.Contains("SET LOCK_TIMEOUT 2000;\nALTER TABLE [dbo].[Customer] ADD [Email] nvarchar(200) NULL;\nGO\n", expand, StringComparison.Ordinal);
        Assert.Contains("Sch-M", expand, StringComparison.Ordinal);
        Assert.DoesNotContain("PIPE5001", plan.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_edition_decides_online_index_builds_and_a_bad_target_version_is_exit_2()
    {
        using var folder = new TempFolder();
        var dacpac = BuildDacpac(folder);
        var schema = folder.File("app.schema.yaml");
        Assert.Equal(0, (await Cli.RunAsync("inspect", "--dacpac", dacpac, "--out", schema)).ExitCode);
        // A second index on Name: built ONLINE only where the edition allows it.
        File.WriteAllText(schema, File.ReadAllText(schema).Replace(
            "        indexes:\n", "        indexes:\n          - {name: IX_Customer_Score, columns: [Score]}\n", StringComparison.Ordinal));

        var enterprise = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--target-edition", "Enterprise", "--out", folder.File("ent"));
        var standard = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--target-edition", "Standard", "--out", folder.File("std"));
        var badVersion = await Cli.RunAsync("plan", schema, "--dacpac", dacpac, "--target-version", "1999", "--out", folder.File("bad"));

        Assert.True(enterprise.ExitCode == 0, enterprise.All);
        var online = File.ReadAllText(Path.Combine(folder.File("ent"), "01-expand.sql"));
        var offline = File.ReadAllText(Path.Combine(folder.File("std"), "01-expand.sql"));
        Assert.Contains("CREATE INDEX", online, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ONLINE = ON", online, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX", offline, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ONLINE = ON", offline, StringComparison.Ordinal);
        Assert.Equal(2, badVersion.ExitCode);
        Assert.Contains("error PIPE0002: --target-version '1999' is not a SQL Server version", badVersion.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badVersion.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_of_a_dacpac_and_errors_for_bad_files()
    {
        using var folder = new TempFolder();
        var dacpac = BuildDacpac(folder);
        var snapshot = folder.File("current.snapshot.json");
        var bad = folder.File("bad.dacpac", "not a package");

        var snap = await Cli.RunAsync("snapshot", "--dacpac", dacpac, "--out", snapshot);
        var broken = await Cli.RunAsync("inspect", "--dacpac", bad);
        var missing = await Cli.RunAsync("inspect", "--dacpac", folder.File("none.dacpac"));

        Assert.Equal(0, snap.ExitCode);
        Assert.Contains("\"dialect\": \"sqlserver\"", File.ReadAllText(snapshot), StringComparison.Ordinal);
        Assert.Contains("(1 tables)", snap.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("could not be read as a dacpac", broken.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", broken.All, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
    }
}
