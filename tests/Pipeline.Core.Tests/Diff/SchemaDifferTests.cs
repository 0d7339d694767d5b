using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Diff;

public class SchemaDifferTests
{
    private static readonly FakeDialect Dialect = new();

    private static IReadOnlyList<SchemaChange> Diff(DatabaseModel desired, DatabaseModel actual) =>
        SchemaDiffer.Diff(desired, actual, Dialect.Normalizer);

    [Fact]
    public void Identical_models_have_no_changes()
    {
        var db = Db(Table("orders", Col("id"), Col("note", "text")));
        Assert.Empty(Diff(db, db));
    }

    [Fact]
    public void Type_aliases_do_not_churn()
    {
        var desired = Db(Table("orders", Col("id", "int4")));
        var actual = Db(Table("orders", Col("id", "integer")));
        Assert.Empty(Diff(desired, actual));
    }

    [Fact]
    public void New_table_brings_its_indexes_and_foreign_keys_as_separate_changes()
    {
        var orders = Table("orders", Col("id"), Col("customer_id")) with
        {
            Indexes = [new IndexModel("orders_customer_idx", ["customer_id"])],
            ForeignKeys = [new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])],
        };
        var desired = Db(Table("customers", Col("id")), orders);
        var changes = Diff(desired, Db(Table("customers", Col("id"))));
        Assert.Collection(changes,
            c => Assert.IsType<CreateTable>(c),
            c => Assert.Null(Assert.IsType<CreateIndex>(c).ActualTable),
            c => Assert.NotNull(Assert.IsType<AddForeignKey>(c).ActualReferencedTable));
    }

    [Fact]
    public void Column_changes_are_typed()
    {
        var actual = Db(Table("t", Col("id"), Col("name", "character varying(20)"), Col("flag", "boolean", nullable: false), Col("gone", "text")));
        var desired = Db(Table("t", Col("id"), Col("name", "character varying(50)", nullable: false), Col("flag", "boolean", @default: "true"), Col("added", "text")));
        var changes = Diff(desired, actual);
        Assert.Contains(changes, c => c is AlterColumnType { From.Type: "character varying(20)", To.Type: "character varying(50)" });
        Assert.Contains(changes, c => c is SetNotNull { Column.Name: "name" });
        Assert.Contains(changes, c => c is DropNotNull { Column.Name: "flag" });
        Assert.Contains(changes, c => c is AlterColumnDefault { Column: "flag", Default: "true" });
        Assert.Contains(changes, c => c is AddColumn { Column.Name: "added" });
        Assert.Contains(changes, c => c is DropColumn { Column.Name: "gone" } && c.IsDestructive);
    }

    [Fact]
    public void Renames_only_when_declared()
    {
        var actual = Db(Table("clients", Col("id"), Col("mail", "text")));
        var guessed = Db(Table("customers", Col("id"), Col("mail", "text")));
        Assert.Contains(Diff(guessed, actual), c => c is DropTable);

        var declared = Db(Table("customers", Col("id"), Col("email", "text") with { RenamedFrom = "mail" }) with { RenamedFrom = "clients" });
        var changes = Diff(declared, actual);
        Assert.Contains(changes, c => c is RenameTable { From: "clients", To: "customers" });
        Assert.Contains(changes, c => c is RenameColumn { From: "mail", To: "email" });
        Assert.DoesNotContain(changes, c => c.IsDestructive);
        Assert.DoesNotContain(changes, c => c is DropPrimaryKey);
        Assert.Contains(changes, c => c is RenameConstraint { From: "clients_pkey", To: "customers_pkey" });
    }

    [Fact]
    public void Redefined_index_is_a_replacement_not_a_data_loss()
    {
        var actual = Db(Table("t", Col("id"), Col("a")) with { Indexes = [new IndexModel("t_a_idx", ["a"])] });
        var desired = Db(Table("t", Col("id"), Col("a")) with { Indexes = [new IndexModel("t_a_idx", ["a"], Unique: true)] });
        var changes = Diff(desired, actual);
        var drop = Assert.IsType<DropIndex>(changes[0]);
        Assert.True(drop.Replacement);
        Assert.False(drop.IsDestructive);
        Assert.IsType<CreateIndex>(changes[1]);
    }

    [Fact]
    public void Excluded_objects_are_left_alone_on_both_sides()
    {
        var actual = Db(Table("t", Col("id")), Table("legacy_audit", Col("id")));
        var desired = Db(Table("t", Col("id"))) with { Exclude = ["public.legacy_*"] };
        Assert.Empty(Diff(desired, actual));
    }

    [Fact]
    public void Dropped_tables_drop_their_foreign_keys_first()
    {
        var a = Table("a", Col("id"), Col("b_id")) with { ForeignKeys = [new ForeignKeyModel("a_b_fkey", ["b_id"], "public", "b", ["id"])] };
        var actual = Db(a, Table("b", Col("id")));
        var changes = Diff(DatabaseModel.Empty with { Schemas = [new SchemaModel("public", [], [])] }, actual);
        Assert.Equal(3, changes.Count); // the foreign key, then tables a and b
        Assert.IsType<DropForeignKey>(changes[0]);
        Assert.All(changes.Skip(1), c => Assert.IsType<DropTable>(c));
    }

    [Fact]
    public void Enum_labels_can_be_added_but_not_removed()
    {
        DatabaseModel WithEnum(params string[] values) =>
            new([new SchemaModel("public", [], [new EnumTypeModel("status", values)])], []);

        var added = Diff(WithEnum("new", "paid", "shipped"), WithEnum("new", "shipped"));
        Assert.Equal("new", Assert.IsType<AddEnumValue>(Assert.Single(added)).After);
        Assert.IsType<UnsupportedChange>(Assert.Single(Diff(WithEnum("new"), WithEnum("new", "paid"))));
        Assert.IsType<UnsupportedChange>(Assert.Single(Diff(WithEnum("paid", "new"), WithEnum("new", "paid"))));
    }

    [Fact]
    public void Public_schema_is_never_dropped_for_being_undeclared()
    {
        var actual = new DatabaseModel([new SchemaModel("public", [], []), new SchemaModel("old", [], [])], []);
        var changes = Diff(DatabaseModel.Empty, actual);
        Assert.Equal("old", Assert.IsType<DropSchema>(Assert.Single(changes)).Schema);
    }
}
