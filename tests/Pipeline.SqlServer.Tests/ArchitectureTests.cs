using System.Xml.Linq;
using Xunit;

namespace Pipeline.SqlServer.Tests;

/// <summary>DacFx stays in the SQL Server dialect's project: the core and the other dialects never reference it.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void Only_Pipeline_SqlServer_and_its_tests_reference_DacFx_or_ScriptDom()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var projects = Directory.GetFiles(dir.FullName, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(projects, p => p.EndsWith("Pipeline.Core.csproj", StringComparison.Ordinal));

        var referencing = projects
            .Where(p => XDocument.Load(p).Descendants("PackageReference")
                .Any(r => ((string?)r.Attribute("Include"))?.StartsWith("Microsoft.SqlServer.", StringComparison.Ordinal) == true))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(["Pipeline.SqlServer.csproj"], referencing);
    }
}
