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

public class TypeChangeDependentsTests
{
    private static readonly FakeDialect Dialect = new();

    private static DatabaseModel Db(TableModel table) => new([new SchemaModel("public", [table], [])], []);

    [Fact]
    public void Checks_and_expression_indexes_on_a_retyped_column_are_dropped_before_and_added_after()
    {
        var actual = new TableModel("t", [new ColumnModel("state", "text", true), new ColumnModel("other", "text", true)],
            Indexes: [new IndexModel("t_lower", ["(lower(state))"]), new IndexModel("t_other", ["other"], Where: "state IS NOT NULL"), new IndexModel("t_plain", ["other"])],
            Checks: [new CheckConstraintModel("t_state_check", "state <> ''::text"), new CheckConstraintModel("t_other_check", "other <> 'state'::text")]);
        var desired = actual with
        {
            Columns = [new ColumnModel("state", "mood", true), new ColumnModel("other", "text", true)],
            Indexes = [actual.Indexes[1], actual.Indexes[2]],
            Checks = [new CheckConstraintModel("t_state_check", "state <> 'x'::mood"), actual.Checks[1]],
        };
        var changes = SchemaDiffer.Diff(Db(desired), Db(actual), Dialect.Normalizer);

        var type = changes.OfType<AlterColumnType>().Single();
        var early = changes.Where(c => c is DropCheck { BeforeTypeChange: true } or DropIndex { BeforeTypeChange: true }).ToList();
        Assert.Equal(["drop check constraint t_state_check on public.t", "drop index public.t_lower", "drop index public.t_other"],
            early.Select(c => c.Describe()).Order(StringComparer.Ordinal));
        Assert.All(early, c => Assert.True(ChangeOrder.Rank(c) < ChangeOrder.Rank(type)));
        Assert.Single(changes.OfType<AddCheck>(), a => a.Check.Name == "t_state_check");
        Assert.Single(changes.OfType<CreateIndex>(), a => a.Index.Name == "t_other");
        Assert.DoesNotContain(changes, c => c.Describe().Contains("t_plain", StringComparison.Ordinal) || c.Describe().Contains("t_other_check", StringComparison.Ordinal));
    }

    [Fact]
    public void Widening_a_varchar_keeps_its_checks()
    {
        var actual = new TableModel("t", [new ColumnModel("code", "character varying(10)", true)], Checks: [new CheckConstraintModel("c", "code::text <> ''::text")]);
        var desired = actual with { Columns = [new ColumnModel("code", "character varying(20)", true)] };
        Assert.IsType<AlterColumnType>(Assert.Single(SchemaDiffer.Diff(Db(desired), Db(actual), Dialect.Normalizer)));
    }

    [Fact]
    public void Drop_not_null_on_a_primary_key_column_follows_the_key_drop()
    {
        var actual = new TableModel("t", [new ColumnModel("id", "integer", false)], PrimaryKey: new PrimaryKeyModel("t_pkey", ["id"]));
        var desired = actual with { Columns = [new ColumnModel("id", "integer", true)], PrimaryKey = null };
        var changes = SchemaDiffer.Diff(Db(desired), Db(actual), Dialect.Normalizer);
        var key = Assert.Single(changes.OfType<DropPrimaryKey>());
        var notNull = Assert.Single(changes.OfType<DropNotNull>());
        Assert.True(key.Early);
        Assert.True(notNull.AfterKeyDrop);
        Assert.True(ChangeOrder.Rank(key) < ChangeOrder.Rank(notNull));
    }
}
