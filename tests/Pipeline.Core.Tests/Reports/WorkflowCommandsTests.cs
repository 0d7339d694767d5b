using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;
using Xunit;

namespace Pipeline.Core.Tests.Reports;

public class WorkflowCommandsTests
{
    private static readonly ReportContext Context = new("/repo");

    private static PlanDiagnostic Finding(DiagnosticSeverity severity, string message, SourceLocation? at) =>
        new(severity, "PIPE1001", message, at);

    [Fact]
    public void GitHub_command_has_file_line_col_title_and_escapes_data_and_properties()
    {
        var at = new SourceLocation("/repo/db/a,b:c.yaml", 41, 11);
        var line = WorkflowCommands.GitHub(Finding(DiagnosticSeverity.Warning, "100% of rows\r\nrewritten: a, b", at), Context, "/repo/x.yaml");

        Assert.Equal("::warning file=db/a%2Cb%3Ac.yaml,line=41,col=11,title=PIPE1001::100%25 of rows%0D%0Arewritten: a, b", line);
        Assert.Equal("::error file=x.yaml,line=1,title=PIPE1001::blocked", WorkflowCommands.GitHub(Finding(DiagnosticSeverity.Error, "blocked", null), Context, "/repo/x.yaml"));
    }

    [Fact]
    public void Azure_command_has_type_sourcepath_line_column_code_and_escapes_as_the_task_lib()
    {
        var at = new SourceLocation("/repo/db/a;b].yaml", 7, 3);
        var line = WorkflowCommands.Azure(Finding(DiagnosticSeverity.Error, "50% done\nnext; [x]", at), Context, "/repo/x.yaml");

        Assert.Equal("##vso[task.logissue type=error;sourcepath=db/a%3Bb%5D.yaml;linenumber=7;columnnumber=3;code=PIPE1001]50%AZP25 done%0Anext; [x]", line);
        Assert.Equal("##vso[task.logissue type=warning;sourcepath=x.yaml;linenumber=1;code=PIPE1001]w", WorkflowCommands.Azure(Finding(DiagnosticSeverity.Info, "w", null), Context, "/repo/x.yaml"));
        Assert.Equal("##vso[task.uploadsummary]/repo/plan/report.md", WorkflowCommands.AzureUploadSummary("/repo/plan/report.md"));
    }
}
