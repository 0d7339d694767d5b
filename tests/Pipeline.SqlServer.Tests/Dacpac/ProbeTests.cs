using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Tests.Fixtures;
using Xunit;

namespace Pipeline.SqlServer.Tests.Dacpac;

public sealed class ProbeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("northwind")]
    [InlineData("chinook")]
    [InlineData("adventureworks")]
    public void Probe(string corpus)
    {
        var script = SqlServerCorpus.Parse(corpus);
        output.WriteLine($"kept {script.Kept.Count}: " + string.Join(", ", script.Kept.GroupBy(k => k.Kind).Select(g => $"{g.Key}={g.Count()}")));
        output.WriteLine("skipped: " + string.Join(", ", script.SkippedByKind.Select(k => $"{k.Key}={k.Value}")));
        output.WriteLine("sqlcmd: " + script.SqlCmdCommands.Count);
        using var model = DacpacBuilder.BuildModel(script);
        var path = Path.Combine(Path.GetTempPath(), corpus + ".dacpac");
        DacpacBuilder.WritePackage(model, path, corpus);
        output.WriteLine($"{path} {new FileInfo(path).Length}");
    }
}
