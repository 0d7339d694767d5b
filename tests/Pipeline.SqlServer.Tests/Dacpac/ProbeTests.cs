using Pipeline.Core.Yaml;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Reading;
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
        using var model = DacpacBuilder.BuildModel(script);
        var read = DacpacReader.Read(model);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), corpus + ".yaml"), SchemaYamlWriter.Write(read));
        output.WriteLine(read.Schemas.Sum(s => s.Tables.Count).ToString());
    }
}
