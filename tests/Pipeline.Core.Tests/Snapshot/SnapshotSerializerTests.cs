using Pipeline.Core.Model;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Tests.Yaml;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Snapshot;

public class SnapshotSerializerTests
{
    /// <summary>What a snapshot can hold: an actual model, without desired-only fields, with stats and server.</summary>
    private static DatabaseModel AsActual(DatabaseModel model, int seed = 0) => model with
    {
        Server = new ServerInfo("postgres", 150018 + seed, "15." + (18 + seed)),
        Schemas = model.Schemas.Select(s => s with
        {
            Location = null,
            Tables = s.Tables.Select((t, i) => t with
            {
                RenamedFrom = null,
                Location = null,
                Stats = i % 2 == 0 ? new TableStats(1_000_000L * i + seed, 10L * i, 8192L * 10 * i + 123) : null,
                Columns = t.Columns.Select(c => c with { RenamedFrom = null, Backfill = null, Using = null, Location = null }).ToList(),
            }).ToList(),
        }).ToList(),
    };

    private static void AssertRoundTrips(DatabaseModel model)
    {
        var json = SnapshotSerializer.Serialize(model);
        var back = SnapshotSerializer.Deserialize(json, "snap.json");
        Assert.Equal(ModelDump.Of(model, "Location"), ModelDump.Of(back, "Location"));
        Assert.Equal(json, SnapshotSerializer.Serialize(back));
    }

    [Fact]
    public void Sample_round_trips_with_stats_and_server()
    {
        AssertRoundTrips(AsActual(SchemaYamlLoader.Load(SchemaYamlLoaderTests.Sample, "app.schema.yaml")));
        AssertRoundTrips(DatabaseModel.Empty);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void WriteTo_writes_the_UTF8_bytes_of_the_serialised_text(int seed)
    {
        var generator = new ModelGenerator(seed);
        var sample = AsActual(SchemaYamlLoader.Load(SchemaYamlLoaderTests.Sample, "app.schema.yaml"));
        var models = Enumerable.Range(0, 10).Select(i => AsActual(generator.Next(), i)).Append(sample).Append(DatabaseModel.Empty)
            .Append(sample with
            {
                Schemas = sample.Schemas.Select(s => s with
                {
                    Tables = s.Tables.Select(t => t with { Comment = "Größe ✓ 😀 \"quoted\" <tag> & 'x'" }).ToList(),
                }).ToList(),
            });
        foreach (var model in models)
        {
            using var stream = new MemoryStream();
            SnapshotSerializer.WriteTo(model, stream);

            Assert.Equal(new System.Text.UTF8Encoding(false).GetBytes(SnapshotSerializer.Serialize(model)), stream.ToArray());
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Generated_models_round_trip(int seed)
    {
        var generator = new ModelGenerator(seed);
        for (var i = 0; i < 20; i++)
        {
            AssertRoundTrips(AsActual(generator.Next(), i));
        }
    }

    [Fact]
    public void Writes_the_documented_envelope_and_omits_locations_and_desired_only_fields()
    {
        var model = new DatabaseModel(
            [new SchemaModel("public", [new TableModel(
                "bıgınt",
                [new ColumnModel("id", "bigint", false, Identity: IdentityKind.ByDefault, RenamedFrom: "old", Backfill: "1", Using: "id::bigint", Location: new SourceLocation("f", 1, 1))],
                new PrimaryKeyModel("bıgınt_pkey", ["id"]),
                RenamedFrom: "older",
                Stats: new TableStats(42, 3, 24576),
                Location: new SourceLocation("f", 1, 1))], [])],
            ["x*"],
            new ServerInfo("postgres", 150018, "15.18"));

        var json = SnapshotSerializer.Serialize(model);

        Assert.Equal("""
            {
              "format": "pipeline-snapshot",
              "version": 1,
              "server": {
                "dialect": "postgres",
                "versionNum": 150018,
                "version": "15.18"
              },
              "exclude": [
                "x*"
              ],
              "schemas": [
                {
                  "name": "public",
                  "enums": [],
                  "tables": [
                    {
                      "name": "bıgınt",
                      "stats": {
                        "rows": 42,
                        "pages": 3,
                        "totalBytes": 24576
                      },
                      "columns": [
                        {
                          "name": "id",
                          "type": "bigint",
                          "nullable": false,
                          "identity": "byDefault"
                        }
                      ],
                      "primaryKey": {
                        "name": "bıgınt_pkey",
                        "columns": [
                          "id"
                        ]
                      },
                      "uniques": [],
                      "indexes": [],
                      "foreignKeys": [],
                      "checks": []
                    }
                  ]
                }
              ]
            }

            """.Replace("\r\n", "\n"), json);
        var back = SnapshotSerializer.Deserialize(json, "snap.json");
        Assert.Null(back.Schemas[0].Tables[0].RenamedFrom);
        Assert.Null(back.Schemas[0].Tables[0].Location);
        Assert.Equal(new ColumnModel("id", "bigint", false, Identity: IdentityKind.ByDefault), back.Schemas[0].Tables[0].Columns[0]);
        Assert.Equal(15, back.Server!.Major);
    }

    private static DatabaseModel PartitionedModel(PartitioningModel partitioning) => new(
        [new SchemaModel("public", [new TableModel("events", [new ColumnModel("at", "date", false), new ColumnModel("region", "text", false)],
            Stats: new TableStats(30, 3, 24576), Partitioning: partitioning)], [])],
        [],
        new ServerInfo("postgres", 150018, "15.18"));

    [Fact]
    public void Sub_partitions_and_partition_indexes_round_trip()
    {
        var leafIndex = new IndexModel("events_2024_eu_at_idx", [new IndexKeyModel("at", Descending: true)], false, "region <> ''", "btree", []);
        var subIndex = new IndexModel("events_2024_region_idx", [new IndexKeyModel("region")], false, null, "btree", []);
        var model = PartitionedModel(new PartitioningModel("range", "RANGE (at)",
        [
            new PartitionModel("public", "events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", true, new TableStats(20, 2, 16384),
                new PartitioningModel("list", "LIST (region)",
                [
                    new PartitionModel("public", "events_2024_eu", "FOR VALUES IN ('eu')", false, new TableStats(12, 1, 8192), Indexes: [leafIndex]),
                    new PartitionModel("public", "events_2024_us", "DEFAULT", false, new TableStats(8, 1, 8192)),
                ]),
                [subIndex]),
            new PartitionModel("public", "events_old", "DEFAULT", false, new TableStats(10, 1, 8192)),
        ]));

        AssertRoundTrips(model);
        var back = SnapshotSerializer.Deserialize(SnapshotSerializer.Serialize(model), "snap.json").Schemas[0].Tables[0].Partitioning!;
        Assert.Equal("LIST (region)", back.Partitions[0].Subpartitioning!.Key);
        Assert.Equal(["events_2024_region_idx"], back.Partitions[0].Indexes.Select(i => i.Name));
        Assert.Equal(leafIndex.Keys, back.Partitions[0].Subpartitioning!.Partitions[0].Indexes.Single().Keys);
        Assert.Equal("region <> ''", back.Partitions[0].Subpartitioning!.Partitions[0].Indexes.Single().Where);
        Assert.Null(back.Partitions[1].Subpartitioning);
        Assert.Empty(back.Partitions[1].Indexes);
    }

    [Fact]
    public void Snapshots_written_before_sub_partitions_were_recorded_still_read()
    {
        // A partition as snapshots recorded it before: no "partitioning", no "indexes".
        var json = SnapshotSerializer.Serialize(PartitionedModel(new PartitioningModel("range", "RANGE (at)",
            [new PartitionModel("public", "events_2024", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", true, new TableStats(20, 2, 16384))])));
        Assert.DoesNotContain("\"indexes\"", json[json.IndexOf("\"partitions\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Equal(1, json.Split("\"partitioning\"").Length - 1);

        var partition = SnapshotSerializer.Deserialize(json, "old.json").Schemas[0].Tables[0].Partitioning!.Partitions.Single();
        Assert.True(partition.Partitioned);
        Assert.Null(partition.Subpartitioning);
        Assert.Empty(partition.Indexes);
    }

    [Theory]
    [InlineData("{\"format\": \"pipeline-snapshot\",\n  \"version\": 1,\n  \"exclude\": [,]\n}", "snap.json(3,15): invalid snapshot")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 1", "snap.json(1,")]
    [InlineData("", "snap.json(1,1): invalid snapshot")]
    [InlineData("[1, 2]", "snap.json(1,2): invalid snapshot")]
    [InlineData("null", "snap.json: not a Pipeline snapshot (expected \"format\": \"pipeline-snapshot\", found nothing)")]
    [InlineData("{\"version\": 1}", "snap.json: not a Pipeline snapshot")]
    [InlineData("{\"format\": \"something-else\", \"version\": 1}", "found \"something-else\"")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 2, \"exclude\": [], \"schemas\": []}", "snap.json: unsupported snapshot version 2")]
    [InlineData("{\"format\": \"pipeline-snapshot\"}", "snap.json: unsupported snapshot version (missing)")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 1, \"exclude\": []}", "invalid snapshot")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 1, \"exclude\": [], \"schemas\": [], \"extra\": 1}", "extra")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 1, \"exclude\": [], \"schemas\": [{\"name\": null, \"enums\": [], \"tables\": []}]}", "snap.json(1,")]
    [InlineData("{\"format\": \"pipeline-snapshot\", \"version\": 1, \"exclude\": [], \"schemas\": [{\"name\": \"s\", \"enums\": [], \"tables\": [{\"name\": \"t\", \"columns\": [{\"name\": \"c\", \"type\": \"int\", \"nullable\": true, \"identity\": \"sometimes\"}], \"uniques\": [], \"indexes\": [], \"foreignKeys\": [], \"checks\": []}]}]}", "$.schemas[0].tables[0].columns[0].identity")]
    public void Bad_input_names_the_file_and_position(string json, string expected)
    {
        var ex = Assert.Throws<SnapshotFormatException>(() => SnapshotSerializer.Deserialize(json, "snap.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("snap.json", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", ex.Message, StringComparison.Ordinal);
    }
}
