using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Introspection;

public sealed class ServerFixtureTests(PostgresServer server)
{
    [Fact]
    public async Task Creates_databases_and_runs_sql()
    {
        var db = await server.CreateDatabaseAsync("fixture");
        await server.ExecuteAsync(db, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);");
        Assert.Equal("2", await server.QueryAsync(db, "SELECT count(*) FROM t"));
        Assert.Contains($"Database={db}", server.ConnectionString(db));
    }

    [Fact]
    public async Task Psql_file_reports_errors()
    {
        var db = await server.CreateDatabaseAsync();
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "SELECT 1;\nSELECT * FROM missing_table;\nSELECT 2;\n", TestContext.Current.CancellationToken);
        try
        {
            var result = await server.RunPsqlFileAsync(db, file, TestContext.Current.CancellationToken);
            Assert.False(result.Succeeded);
            Assert.Contains("missing_table", result.StandardError);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
