using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Tests.Fixtures;
using Xunit;

namespace Pipeline.SqlServer.Tests.Reading;

/// <summary>
/// Each corpus: T-SQL → DacFx model → .dacpac → <see cref="Pipeline.SqlServer.Reading.DacpacReader"/> → YAML →
/// loader → differ against the model read from the dacpac: zero changes.
/// </summary>
public sealed class CorpusRoundTripTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("northwind")]
    [InlineData("chinook")]
    [InlineData("adventureworks")]
    public void Inspect_then_YAML_then_diff_against_the_same_dacpac_is_empty(string corpus)
    {
        var built = SqlServerCorpus.Get(corpus);
        var yaml = SchemaYamlWriter.Write(built.Model);
        var loaded = SchemaYamlLoader.Load(yaml, corpus + ".schema.yaml");

        var changes = SchemaDiffer.Diff(loaded, built.Model, new SqlServerNormalizer());

        var tables = built.Model.Schemas.Sum(s => s.Tables.Count);
        output.WriteLine($"{corpus}: {built.Script.Kept.Count} schema statements kept, skipped "
            + string.Join(", ", built.Script.SkippedByKind.Select(k => $"{k.Key} {k.Value}"))
            + $"; dacpac {built.DacpacBytes} bytes, built and read in {built.BuildTime.TotalSeconds:0.0} s; {tables} tables, "
            + $"{built.Model.Schemas.Sum(s => s.Tables.Sum(t => t.Columns.Count))} columns, "
            + $"{built.Model.Schemas.Sum(s => s.Tables.Sum(t => t.Indexes.Count))} indexes, "
            + $"{built.Model.Schemas.Sum(s => s.Tables.Sum(t => t.ForeignKeys.Count))} foreign keys, "
            + $"{built.Model.Schemas.Sum(s => s.Tables.Sum(t => t.Unmodelled.Count))} unmodelled facts; YAML {yaml.Length} chars");
        Assert.Equal(DatabaseModel.SqlServerDialect, loaded.Dialect);
        Assert.True(changes.Count == 0, "changes: " + string.Join("; ", changes.Take(10)));
    }

    [Theory]
    [InlineData("northwind", 13)]
    [InlineData("chinook", 11)]
    [InlineData("adventureworks", 71)]
    public void Table_count_matches_the_CREATE_TABLE_statements_of_the_script(string corpus, int tables)
    {
        // Counted by hand: grep -c '^CREATE TABLE' (case-sensitive for Chinook, whose header comment says "Create Tables").
        Assert.Equal(tables, SqlServerCorpus.Get(corpus).Model.Schemas.Sum(s => s.Tables.Count));
    }

    [Theory]
    [InlineData("northwind")]
    [InlineData("adventureworks")]
    public void The_snapshot_of_a_dacpac_keeps_every_SQL_Server_fact(string corpus)
    {
        var model = SqlServerCorpus.Get(corpus).Model;

        var back = SnapshotSerializer.Deserialize(SnapshotSerializer.Serialize(model), corpus + ".snapshot.json");

        Assert.Equal(model.Dialect, back.Dialect);
        Assert.Equal(model.Server, back.Server);
        Assert.Empty(SchemaDiffer.Diff(back, model, new SqlServerNormalizer()));
        Assert.Empty(SchemaDiffer.Diff(model, back, new SqlServerNormalizer()));
        Assert.Equal(
            model.Schemas.SelectMany(s => s.Tables).Select(t => (t.Name, t.PrimaryKey?.Clustered, t.Unmodelled.Count, t.Dependents.Count,
                t.Columns.Count(c => c.DefaultName is not null), t.Indexes.Count(i => i.Clustered))),
            back.Schemas.SelectMany(s => s.Tables).Select(t => (t.Name, t.PrimaryKey?.Clustered, t.Unmodelled.Count, t.Dependents.Count,
                t.Columns.Count(c => c.DefaultName is not null), t.Indexes.Count(i => i.Clustered))));
    }

    [Fact]
    public void The_dacpac_records_its_target_platform()
    {
        var server = SqlServerCorpus.Get("chinook").Model.Server!;

        Assert.Equal("sqlserver", server.Dialect);
        Assert.Equal("Sql160", server.TargetPlatform);
        Assert.Equal(16, server.Major);
        Assert.Null(server.Edition);
    }
}
