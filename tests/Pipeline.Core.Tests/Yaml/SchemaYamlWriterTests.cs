using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

public class SchemaYamlWriterTests
{
    private static void AssertRoundTrips(DatabaseModel model)
    {
        var yaml = SchemaYamlWriter.Write(model, "./pipeline.schema.json");
        DatabaseModel loaded;
        try
        {
            loaded = SchemaYamlLoader.Load(yaml, "written.yaml");
        }
        catch (SchemaLoadException ex)
        {
            Assert.Fail(ex.Message + "\n" + yaml);
            throw;
        }

        Assert.Equal(ModelDump.Of(model), ModelDump.Of(loaded));
        Assert.Equal(yaml, SchemaYamlWriter.Write(loaded, "./pipeline.schema.json"));
    }

    [Fact]
    public void Writes_the_documented_format()
    {
        var orders = new TableModel(
            "orders",
            [
                new ColumnModel("id", "bigint", false, Identity: IdentityKind.Always),
                new ColumnModel("customer_id", "bigint", false),
                new ColumnModel("status", "public.order_status", false, "'pending'::public.order_status", Comment: "where it is"),
                new ColumnModel("note", "text", true),
            ],
            new PrimaryKeyModel("orders_pkey", ["id"]),
            [new UniqueConstraintModel("orders_customer_id_status_key", ["customer_id", "status"])],
            [new IndexModel("orders_note_idx", ["(lower(note))", "id DESC"], Where: "note IS NOT NULL", Method: "gin", Include: ["status"])],
            [new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"], "cascade")],
            [new CheckConstraintModel("orders_note_check", "note <> ''")],
            Comment: "Orders: placed # by customers");
        var customers = new TableModel(
            "customers",
            [new ColumnModel("id", "bigint", false, Identity: IdentityKind.ByDefault)],
            new PrimaryKeyModel("customers_pk", ["id"]),
            Uniques: [new UniqueConstraintModel("customers_id_uq", ["id"])]);
        var model = new DatabaseModel(
            [new SchemaModel("public", [customers, orders], [new EnumTypeModel("order_status", ["pending", "paid", "true"])])],
            ["public.legacy_*"]);

        var yaml = SchemaYamlWriter.Write(model, "./pipeline.schema.json");

        Assert.Equal("""
            # yaml-language-server: $schema=./pipeline.schema.json
            version: 1
            exclude: ['public.legacy_*']
            schemas:
              public:
                enums:
                  order_status: [pending, paid, 'true']
                tables:
                  customers:
                    columns:
                      - name: id
                        type: bigint
                        nullable: false
                        identity: by default
                    primaryKey:
                      name: customers_pk
                      columns: [id]
                    unique:
                      - name: customers_id_uq
                        columns: [id]
                  orders:
                    comment: 'Orders: placed # by customers'
                    columns:
                      - name: id
                        type: bigint
                        nullable: false
                        identity: always
                      - name: customer_id
                        type: bigint
                        nullable: false
                      - name: status
                        type: public.order_status
                        nullable: false
                        default: "'pending'::public.order_status"
                        comment: where it is
                      - name: note
                        type: text
                        nullable: true
                    primaryKey: [id]
                    unique:
                      - columns: [customer_id, status]
                    indexes:
                      - name: orders_note_idx
                        columns: [(lower(note)), id DESC]
                        where: note IS NOT NULL
                        method: gin
                        include: [status]
                    foreignKeys:
                      - columns: [customer_id]
                        references: {schema: public, table: customers, columns: [id]}
                        onDelete: cascade
                    checks:
                      - name: orders_note_check
                        expression: "note <> ''"

            """.Replace("\r\n", "\n"), yaml);
        AssertRoundTrips(model);
    }

    [Fact]
    public void Writes_empty_models_and_omits_the_header_without_url()
    {
        Assert.Equal("version: 1\nschemas: {}\n", SchemaYamlWriter.Write(DatabaseModel.Empty));
        var model = new DatabaseModel([new SchemaModel("s", [new TableModel("t", [])], [])], []);
        Assert.Equal("version: 1\nschemas:\n  s:\n    tables:\n      t:\n        columns: []\n", SchemaYamlWriter.Write(model));
        AssertRoundTrips(DatabaseModel.Empty);
        AssertRoundTrips(new DatabaseModel([new SchemaModel("empty", [], [])], []));
        AssertRoundTrips(model);
    }

    [Fact]
    public void The_sample_file_round_trips()
    {
        var model = SchemaYamlLoader.Load(SchemaYamlLoaderTests.Sample, "app.schema.yaml");
        AssertRoundTrips(model);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b # c")]
    [InlineData("it's \"quoted\"")]
    [InlineData("line1\nline2\n")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("TRUE")]
    [InlineData("0o17")]
    [InlineData("1e3")]
    [InlineData("  padded  ")]
    [InlineData("\ttab")]
    [InlineData("bıgınt")]
    [InlineData("😀")]
    [InlineData("\u0085\u2028\u2029\ufeff")]
    [InlineData("- x")]
    [InlineData("? x")]
    [InlineData("x\r\ny")]
    public void Awkward_strings_round_trip_everywhere(string text)
    {
        var name = text.Length == 0 ? "e" : text;
        var column = new ColumnModel(name, "text", true, text, Comment: text, RenamedFrom: name, Backfill: text, Using: text);
        var table = new TableModel(
            name,
            [column],
            Indexes: [new IndexModel(name + "_i", [name], Where: text)],
            Checks: [new CheckConstraintModel(name + "_c", text)],
            Comment: text,
            RenamedFrom: name);
        var model = new DatabaseModel([new SchemaModel(name, [table], [new EnumTypeModel(name + "_e", [name])])], [name]);
        AssertRoundTrips(model);
    }

    [Fact]
    public void Serial_columns_round_trip()
    {
        var model = new DatabaseModel(
            [new SchemaModel("public", [new TableModel("t", [new ColumnModel("id", "bigserial", false)], new PrimaryKeyModel("t_pkey", ["id"]))], [])],
            []);
        AssertRoundTrips(model);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Generated_models_round_trip(int seed)
    {
        var generator = new ModelGenerator(seed);
        for (var i = 0; i < 25; i++)
        {
            AssertRoundTrips(generator.Next());
        }
    }

    [Fact]
    public void Output_is_deterministic_and_ignores_locations_stats_and_server()
    {
        var model = SchemaYamlLoader.Load(SchemaYamlLoaderTests.Sample, "app.schema.yaml");
        var stripped = model with
        {
            Server = new ServerInfo("postgres", 150018, "15.18"),
            Schemas = model.Schemas.Select(s => s with
            {
                Location = null,
                Tables = s.Tables.Select(t => t with { Location = null, Stats = new TableStats(10, 1, 8192) }).ToList(),
            }).ToList(),
        };
        Assert.Equal(SchemaYamlWriter.Write(model), SchemaYamlWriter.Write(stripped));
    }
}
