using System.Collections.Concurrent;
using Pipeline.Core.Model;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Reading;
using Pipeline.Testing;

namespace Pipeline.SqlServer.Tests.Fixtures;

/// <summary>The SQL Server sample schemas in ../shared/corpora/sqlserver (read in place, never copied): each is
/// parsed, built into a dacpac with DacFx once per test run, and read back from the file.</summary>
public static class SqlServerCorpus
{
    private static readonly ConcurrentDictionary<string, Lazy<Built>> Cache = new();

    /// <summary>A corpus built: its split script, the dacpac's path and size, and the model read from the file.</summary>
    public sealed record Built(SchemaScript Script, string DacpacPath, long DacpacBytes, DatabaseModel Model, TimeSpan BuildTime);

    /// <summary>The script of a corpus: <c>northwind</c>, <c>adventureworks</c> or <c>chinook</c>; skips (fails under
    /// CI=true) when the corpus is absent.</summary>
    public static string ReadScript(string name)
    {
        var dir = Corpora.Require(Path.Combine("sqlserver", name));
        var file = Directory.GetFiles(dir, "*.sql").Single();
        return File.ReadAllText(file);
    }

    /// <summary>The corpus built into a dacpac (in a temp folder) and read back with <see cref="DacpacReader.ReadFile"/>.</summary>
    public static Built Get(string name)
    {
        var script = ReadScript(name);
        return Cache.GetOrAdd(name, _ => new Lazy<Built>(() => Build(name, script))).Value;
    }

    private static Built Build(string name, string text)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var script = SchemaScript.Parse(text);
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-sqlserver-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".dacpac");
        using (var model = DacpacBuilder.BuildModel(script))
        {
            DacpacBuilder.WritePackage(model, path, name);
        }

        var read = DacpacReader.ReadFile(path);
        return new Built(script, path, new FileInfo(path).Length, read, watch.Elapsed);
    }
}
