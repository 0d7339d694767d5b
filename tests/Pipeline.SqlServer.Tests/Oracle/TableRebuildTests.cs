using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;
using Xunit;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>
/// Never a hidden rebuild: every change for which DacFx's deploy report says <c>TableRebuild</c> (with its
/// <c>DataMotion</c> alert) is, in our plan, a step reported as a rewrite (PIPE1001, with its estimate), a safe
/// alternative that says what it does instead (PIPE5030: the column appended), or a refusal that names the table and
/// the way to do it by hand — never a plan that looks cheap.
/// </summary>
public sealed class TableRebuildTests(ITestOutputHelper output)
{
    private const string Base = """
        CREATE TABLE dbo.A (Id int NOT NULL CONSTRAINT PK_A PRIMARY KEY CLUSTERED, V int NULL);
        GO
        CREATE TABLE dbo.B (Id int NOT NULL CONSTRAINT PK_B PRIMARY KEY CLUSTERED, AId int NOT NULL CONSTRAINT FK_B_A REFERENCES dbo.A (Id), X int NULL);
        GO
        CREATE TABLE dbo.C (K1 int NOT NULL, K2 int NOT NULL, V nvarchar(20) NULL, CONSTRAINT PK_C PRIMARY KEY CLUSTERED (K1, K2));
        GO
        CREATE TABLE dbo.D (Id int NOT NULL CONSTRAINT PK_D PRIMARY KEY CLUSTERED, M varchar(max) NULL);
        GO
        """;

    /// <summary>How our plan answers a rebuild.</summary>
    public enum Answer
    {
        /// <summary>A step on the table with TableWork.Rewrite, and PIPE1001 naming the table.</summary>
        Rewrite,

        /// <summary>The column appended, PIPE5030 naming the table.</summary>
        Appended,

        /// <summary>No step; an error naming the table and the way to do it by hand.</summary>
        Refused,
    }

    [Theory]
    [InlineData("column-in-the-middle", "PRIMARY KEY CLUSTERED, V int NULL)", "PRIMARY KEY CLUSTERED, N int NULL, V int NULL)", "", "", "dbo.A", Answer.Appended)]
    [InlineData("primary-key-int-to-bigint", "CREATE TABLE dbo.A (Id int NOT NULL", "CREATE TABLE dbo.A (Id bigint NOT NULL", "AId int NOT NULL", "AId bigint NOT NULL", "dbo.A", Answer.Refused)]
    [InlineData("composite-key-int-to-bigint", "K2 int NOT NULL", "K2 bigint NOT NULL", "", "", "dbo.C", Answer.Refused)]
    [InlineData("identity-added", "CREATE TABLE dbo.A (Id int NOT NULL", "CREATE TABLE dbo.A (Id int IDENTITY(1,1) NOT NULL", "", "", "dbo.A", Answer.Refused)]
    [InlineData("int-to-rowversion", "X int NULL", "X rowversion NULL", "", "", "dbo.B", Answer.Refused)]
    public void A_DacFx_table_rebuild_is_never_hidden_in_our_plan(string name, string from, string to, string from2, string to2, string table, Answer answer)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-rebuild-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var currentPath = Path.Combine(dir, name + "-current.dacpac");
        var desiredPath = Path.Combine(dir, name + "-desired.dacpac");
        var text = Base.Replace(from, to, StringComparison.Ordinal);
        text = from2.Length > 0 ? text.Replace(from2, to2, StringComparison.Ordinal) : text;
        Assert.NotEqual(Base, text);
        using (var m = DacpacBuilder.BuildModel(Base))
        {
            DacpacBuilder.WritePackage(m, currentPath, "current");
        }

        using (var m = DacpacBuilder.BuildModel(text))
        {
            DacpacBuilder.WritePackage(m, desiredPath, "desired");
        }

        var current = DacpacReader.ReadFile(currentPath);
        var desired = OracleRun.Unstated(DacpacReader.ReadFile(desiredPath));
        var run = OracleRun.Of(currentPath, current, desiredPath, desired,
            new PlanOptions(AllowDataLoss: true) { TargetVersion = "2022", TargetEdition = "Enterprise" });
        foreach (var s in run.Plan.Steps)
        {
            output.WriteLine($"step {s.Ordinal} {s.Phase} {s.Impact.Work}: {s.Summary}");
        }

        foreach (var d in run.Plan.Diagnostics)
        {
            output.WriteLine($"{d.Severity} {d.Code}: {d.Message}");
        }

        var quoted = TSql.Qualified(table.Split('.')[0], table.Split('.')[1]);
        Assert.Contains(quoted, run.Report.Rebuilds);
        Assert.Contains(run.Report.Alerts, a => a == "DataMotion: " + quoted);
        var mentions = (PlanDiagnostic d) => d.Message.Contains(table, StringComparison.Ordinal);
        switch (answer)
        {
            case Answer.Rewrite:
                Assert.Contains(run.Plan.Steps, s => s.Impact.Rewrites && s.Tables.Any(t => t.ToString() == table));
                Assert.Contains(run.Plan.Diagnostics, d => d.Code == DiagnosticCodes.LongBlockingLock && mentions(d) && d.Message.Contains("estimated", StringComparison.Ordinal));
                break;
            case Answer.Appended:
                Assert.Contains(run.Plan.Diagnostics, d => d.Code == SqlServerPlanCodes.ColumnAppended && mentions(d));
                Assert.All(run.Plan.Steps, s => Assert.False(s.Impact.Rewrites, s.Summary));
                Assert.Contains(run.Plan.Steps, s => s.Sql == "ALTER TABLE [dbo].[A] ADD [N] int NULL;");
                break;
            case Answer.Refused:
                Assert.Contains(run.Plan.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && mentions(d));
                Assert.DoesNotContain(run.Plan.Steps, s => s.Tables.Any(t => t.ToString() == table) && s.Phase == Phase.Expand && s.Kind == StepKind.Ddl && !s.Impact.Rewrites
                    && s.Sql.Contains("ALTER COLUMN", StringComparison.Ordinal));
                break;
        }
    }
}
