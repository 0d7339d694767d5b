using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Core.Tests.Yaml;

public class SchemaYamlLoaderTests
{
    internal const string Sample = """
        # yaml-language-server: $schema=./pipeline.schema.json
        version: 1
        exclude: ["public.legacy_*"]
        schemas:
          public:
            enums:
              order_status: [pending, paid, shipped]
            tables:
              countries:
                columns:
                  - name: id
                    type: integer
                primaryKey: [id]
              customers:
                comment: "People who buy"
                renamedFrom: clients
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: " varchar(200) "
                    nullable: false
                    backfill: "lower(name)"
                  - name: name
                    type: text
                    default: "'anonymous'::text"
                    comment: "display name"
                    renamedFrom: full_name
                  - name: country_id
                    type: integer
                    using: "country_id::integer"
                  - name: created_at
                    type: timestamptz
                    nullable: false
                    default: "now()"
                  - name: legacy_id
                    type: int4
                primaryKey:
                  columns: [id]
                unique:
                  - columns: [email]
                  - name: customers_name_country
                    columns: [name, country_id]
                indexes:
                  - name: customers_lower_email_idx
                    columns: [email, "(lower(email))", created_at DESC]
                    unique: true
                    where: "created_at IS NOT NULL"
                    method: GIN
                    include: [name]
                foreignKeys:
                  - columns: [country_id]
                    references: {schema: public, table: countries, columns: [id]}
                    onDelete: SET   NULL
                    onUpdate: Cascade
                  - name: customers_legacy_fk
                    columns: [legacy_id]
                    references: {table: legacy_customers, columns: [id]}
                checks:
                  - name: customers_email_check
                    expression: "email <> ''"
        """;

    [Fact]
    public void Loads_the_sample_with_defaults_and_names()
    {
        var model = SchemaYamlLoader.Load(Sample, "app.schema.yaml");

        Assert.Equal(["public.legacy_*"], model.Exclude);
        Assert.Null(model.Server);
        var schema = Assert.Single(model.Schemas);
        Assert.Equal("public", schema.Name);
        var e = Assert.Single(schema.Enums);
        Assert.Equal("order_status", e.Name);
        Assert.Equal(["pending", "paid", "shipped"], e.Values);

        var customers = model.FindTable("public", "customers")!;
        Assert.Equal("People who buy", customers.Comment);
        Assert.Equal("clients", customers.RenamedFrom);
        Assert.Equal(["id", "email", "name", "country_id", "created_at", "legacy_id"], customers.Columns.Select(c => c.Name));

        var id = customers.Columns[0];
        Assert.Equal(new ColumnModel("id", "bigint", false, Identity: IdentityKind.Always), id with { Location = null });
        Assert.Equal("varchar(200)", customers.Columns[1].Type);
        Assert.Equal("lower(name)", customers.Columns[1].Backfill);
        var name = customers.Columns[2];
        Assert.True(name.Nullable);
        Assert.Equal("'anonymous'::text", name.Default);
        Assert.Equal("display name", name.Comment);
        Assert.Equal("full_name", name.RenamedFrom);
        Assert.Equal("country_id::integer", customers.Columns[3].Using);
        Assert.Equal("timestamptz", customers.Columns[4].Type);
        Assert.Equal("int4", customers.Columns[5].Type);

        Assert.Equal("customers_pkey", customers.PrimaryKey!.Name);
        Assert.Equal(["id"], customers.PrimaryKey.Columns);
        Assert.Equal(["customers_email_key", "customers_name_country"], customers.Uniques.Select(u => u.Name));
        Assert.Equal(["name", "country_id"], customers.Uniques[1].Columns);

        var index = Assert.Single(customers.Indexes);
        Assert.Equal(["email", "(lower(email))", "created_at DESC"], index.Keys.Select(k => k.ToString()));
        Assert.Equal(new IndexKeyModel("created_at", Descending: true, Location: index.Keys[2].Location), index.Keys[2]);
        Assert.Equal("lower(email)", index.Keys[1].Expression);
        Assert.True(index.Unique);
        Assert.Equal("created_at IS NOT NULL", index.Where);
        Assert.Equal("gin", index.Method);
        Assert.Equal(["name"], index.Include);

        var fk = customers.ForeignKeys[0];
        Assert.Equal("customers_country_id_fkey", fk.Name);
        Assert.Equal(("public", "countries"), (fk.ReferencedSchema, fk.ReferencedTable));
        Assert.Equal(["id"], fk.ReferencedColumns);
        Assert.Equal("set null", fk.OnDelete);
        Assert.Equal("cascade", fk.OnUpdate);
        var legacy = customers.ForeignKeys[1];
        Assert.Equal("customers_legacy_fk", legacy.Name);
        Assert.Equal("public", legacy.ReferencedSchema);
        Assert.Equal("no action", legacy.OnDelete);
        Assert.Equal("no action", legacy.OnUpdate);

        var check = Assert.Single(customers.Checks);
        Assert.Equal(new CheckConstraintModel("customers_email_check", "email <> ''"), check with { Location = null });
    }

    [Fact]
    public void Records_one_based_locations()
    {
        var model = SchemaYamlLoader.Load(Sample, "app.schema.yaml");
        var schema = model.Schemas[0];
        Assert.Equal(new SourceLocation("app.schema.yaml", 5, 3), schema.Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 7, 7), schema.Enums[0].Location);
        var countries = schema.Tables[0];
        Assert.Equal(new SourceLocation("app.schema.yaml", 9, 7), countries.Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 11, 13), countries.Columns[0].Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 13, 9), countries.PrimaryKey!.Location);
        var customers = schema.Tables[1];
        Assert.Equal(new SourceLocation("app.schema.yaml", 14, 7), customers.Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 40, 9), customers.PrimaryKey!.Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 43, 13), customers.Uniques[0].Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 47, 13), customers.Indexes[0].Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 54, 13), customers.ForeignKeys[0].Location);
        Assert.Equal(new SourceLocation("app.schema.yaml", 62, 13), customers.Checks[0].Location);
    }

    [Fact]
    public void Nullable_defaults_to_true_but_primary_key_identity_and_serial_columns_are_not_null()
    {
        var model = SchemaYamlLoader.Load("""
            version: 1
            schemas:
              s:
                tables:
                  t:
                    columns:
                      - {name: a, type: int}
                      - {name: b, type: int, identity: BY  DEFAULT}
                      - {name: c, type: bigserial}
                      - {name: d, type: text}
                      - {name: e, type: text, nullable: false}
                    primaryKey: [a]
            """, "f.yaml");
        var t = model.FindTable("s", "t")!;
        Assert.Equal([false, false, false, true, false], t.Columns.Select(c => c.Nullable));
        Assert.Equal(IdentityKind.ByDefault, t.Columns[1].Identity);
    }

    [Fact]
    public void Accepts_empty_schemas_tables_nulls_and_aliases()
    {
        var model = SchemaYamlLoader.Load("""
            version: 1
            exclude: []
            schemas:
              empty:
              other: {}
              s:
                enums:
                  none: []
                tables:
                  t:
                    comment: ''
                    columns: []
                  u:
                    comment: ~
                    columns:
                      - &col {name: x, type: int, default: null}
                  v:
                    columns:
                      - *col
            """, "f.yaml");
        Assert.Equal(["empty", "other", "s"], model.Schemas.Select(s => s.Name));
        Assert.Empty(model.Schemas[0].Tables);
        Assert.Empty(model.FindSchema("s")!.FindEnum("none")!.Values);
        Assert.Equal("", model.FindTable("s", "t")!.Comment);
        Assert.Null(model.FindTable("s", "u")!.Comment);
        Assert.Null(model.FindTable("s", "u")!.Columns[0].Default);
        Assert.Equal("x", model.FindTable("s", "v")!.Columns[0].Name);
    }

    [Fact]
    public void Reference_to_an_excluded_table_is_allowed()
    {
        var model = SchemaYamlLoader.Load("""
            version: 1
            exclude: ["audit.*", "legacy_?"]
            schemas:
              public:
                tables:
                  t:
                    columns: [{name: a, type: int}, {name: b, type: int}]
                    foreignKeys:
                      - columns: [a]
                        references: {schema: audit, table: log, columns: [id]}
                      - columns: [b]
                        references: {table: legacy_1, columns: [id]}
            """, "f.yaml");
        Assert.Equal(2, model.FindTable("public", "t")!.ForeignKeys.Count);
    }

    [Fact]
    public void Foreign_key_to_another_schema_in_the_file_is_checked_and_accepted()
    {
        var model = SchemaYamlLoader.Load("""
            version: 1
            schemas:
              a:
                tables:
                  child:
                    columns: [{name: p, type: int}]
                    foreignKeys:
                      - columns: [p]
                        references: {schema: b, table: parent, columns: [id]}
              b:
                tables:
                  parent:
                    columns: [{name: id, type: int}]
                    primaryKey: [id]
            """, "f.yaml");
        Assert.Equal("child_p_fkey", model.FindTable("a", "child")!.ForeignKeys[0].Name);
    }

    [Fact]
    public void LoadFile_reads_the_file_and_uses_its_path_in_locations()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pipeline-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "version: 1\nschemas:\n  public: {}\n");
        try
        {
            var model = SchemaYamlLoader.LoadFile(path);
            Assert.Equal(new SourceLocation(path, 3, 3), model.Schemas[0].Location);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_of_a_missing_file_throws_FileNotFoundException()
    {
        Assert.Throws<FileNotFoundException>(() => SchemaYamlLoader.LoadFile("/nonexistent/dir/app.schema.yaml"));
    }

    [Theory]
    [InlineData("t", "a", "t_a_key")]
    [InlineData("orders", "customer_id,shop_id", "orders_customer_id_shop_id_key")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_b_key")]
    [InlineData("short", "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", "short_ccccccccccccccccccccccccccccccccccccccccccccccccccccc_key")]
    public void Default_unique_names_follow_postgres_truncation(string table, string columns, string expected)
    {
        var name = DefaultConstraintNames.Unique(table, columns.Split(','));
        Assert.Equal(expected, name);
        Assert.True(name.Length <= 63);
    }

    [Fact]
    public void Default_names_never_split_a_multibyte_character()
    {
        var name = DefaultConstraintNames.PrimaryKey(new string('ı', 40));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(name) <= 63);
        Assert.Equal(new string('ı', 29) + "_pkey", name);
    }
}
