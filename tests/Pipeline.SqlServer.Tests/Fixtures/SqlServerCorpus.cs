using Pipeline.SqlServer.Dacpac;
using Pipeline.Testing;

namespace Pipeline.SqlServer.Tests.Fixtures;

/// <summary>The SQL Server sample schemas in ../shared/corpora/sqlserver (read in place, never copied).</summary>
public static class SqlServerCorpus
{
    /// <summary>The script of a corpus: <c>northwind</c>, <c>adventureworks</c> or <c>chinook</c>; skips (fails under
    /// CI=true) when the corpus is absent.</summary>
    public static string ReadScript(string name)
    {
        var dir = Corpora.Require(Path.Combine("sqlserver", name));
        var file = Directory.GetFiles(dir, "*.sql").Single();
        return File.ReadAllText(file);
    }

    /// <summary>The script of a corpus split into schema and skipped statements.</summary>
    public static SchemaScript Parse(string name) => SchemaScript.Parse(ReadScript(name));
}
