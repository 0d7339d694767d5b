using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Tests.Support;
using Xunit;

namespace Pipeline.Core.Tests.Diff;

public class KeyDependentsTests
{
    private static readonly FakeDialect Dialect = new();

    private static DatabaseModel Db(params TableModel[] tables) => new([new SchemaModel("public", tables, [])], []);

    private static TableModel Customers(string pkName) => new("customers", [new ColumnModel("id", "integer", false)],
        PrimaryKey: new PrimaryKeyModel(pkName, ["id"]));

    private static TableModel Orders(bool withFk = true) => new("orders",
        [new ColumnModel("id", "integer", false), new ColumnModel("customer_id", "integer", true)],
        PrimaryKey: new PrimaryKeyModel("orders_pkey", ["id"]),
        ForeignKeys: withFk ? [new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])] : null);

    [Fact]
    public void A_replaced_primary_key_drops_and_re_adds_the_unchanged_foreign_key_around_it()
    {
        var changes = SchemaDiffer.Diff(Db(Customers("customers_pk"), Orders()), Db(Customers("customers_pkey"), Orders()), Dialect.Normalizer);

        var dropFk = Assert.Single(changes.OfType<DropForeignKey>());
        Assert.True(dropFk.Replacement);
        var add = Assert.Single(changes.OfType<AddForeignKey>());
        Assert.Equal("public.customers.customers_pkey", add.ReaddedForKey);
        Assert.NotNull(add.ActualTable);
        Assert.True(ChangeOrder.Rank(dropFk) < ChangeOrder.Rank(changes.OfType<DropPrimaryKey>().Single()));
        Assert.True(ChangeOrder.Rank(changes.OfType<AddPrimaryKey>().Single()) < ChangeOrder.Rank(add));
    }

    [Fact]
    public void A_final_key_drop_with_a_kept_foreign_key_moves_to_expand_and_so_do_final_foreign_key_drops()
    {
        var customers = new TableModel("customers", [new ColumnModel("id", "integer", false)], Uniques: [new UniqueConstraintModel("customers_id_key", ["id"])]);
        var archive = new TableModel("archive", [new ColumnModel("customer_id", "integer", true)],
            ForeignKeys: [new ForeignKeyModel("archive_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])]);
        var changes = SchemaDiffer.Diff(Db(customers, Orders(), archive with { ForeignKeys = [] }), Db(Customers("customers_pkey"), Orders(), archive), Dialect.Normalizer);

        Assert.True(Assert.Single(changes.OfType<DropPrimaryKey>()).Early);
        Assert.True(changes.OfType<DropForeignKey>().Single(d => d.ForeignKey.Name == "archive_customer_id_fkey").Early);
        Assert.True(ChangeOrder.IsReplacement(changes.OfType<DropForeignKey>().Single(d => d.ForeignKey.Name == "orders_customer_id_fkey")));
    }

    [Fact]
    public void A_foreign_key_to_columns_without_a_key_is_refused()
    {
        var customers = new TableModel("customers", [new ColumnModel("id", "integer", false)]);
        var changes = SchemaDiffer.Diff(Db(customers, Orders()), Db(customers, Orders(withFk: false)), Dialect.Normalizer);
        var refused = Assert.Single(changes.OfType<UnsupportedChange>());
        Assert.Equal("PIPE2031", refused.Code);
        Assert.Contains("orders_customer_id_fkey", refused.Description, StringComparison.Ordinal);
        Assert.Empty(changes.OfType<AddForeignKey>());
    }

    [Fact]
    public void Rename_x_to_y_and_add_a_new_x()
    {
        var actual = Db(new TableModel("t", [new ColumnModel("x", "integer", true)]));
        var desired = Db(new TableModel("t", [new ColumnModel("y", "integer", true, RenamedFrom: "x"), new ColumnModel("x", "text", true)]));
        var changes = SchemaDiffer.Diff(desired, actual, Dialect.Normalizer);
        Assert.Collection(changes,
            c => Assert.Equal(("x", "y"), (Assert.IsType<RenameColumn>(c).From, ((RenameColumn)c).To)),
            c => Assert.Equal("x", Assert.IsType<AddColumn>(c).Column.Name));
    }

    [Fact]
    public void Declared_enum_label_renames_become_renames_not_an_unsupported_removal()
    {
        var actual = new DatabaseModel([new SchemaModel("public", [], [new EnumTypeModel("s", ["pending", "sent"])])], []);
        var desired = new DatabaseModel([new SchemaModel("public", [], [new EnumTypeModel("s", ["pending", "shipped", "sent2"])
        {
            Renames = [new EnumLabelRename("sent", "shipped")],
        }])], []);
        var changes = SchemaDiffer.Diff(desired, actual, Dialect.Normalizer);
        Assert.Collection(changes,
            c => Assert.Equal(("sent", "shipped"), (Assert.IsType<RenameEnumValue>(c).From, ((RenameEnumValue)c).To)),
            c => Assert.Equal(("sent2", "shipped"), (Assert.IsType<AddEnumValue>(c).Value, ((AddEnumValue)c).After)));

        // Once renamed, the same desired model has nothing left to do.
        var renamed = new DatabaseModel([new SchemaModel("public", [], [new EnumTypeModel("s", ["pending", "shipped", "sent2"])])], []);
        Assert.Empty(SchemaDiffer.Diff(desired, renamed, Dialect.Normalizer));
    }
}
