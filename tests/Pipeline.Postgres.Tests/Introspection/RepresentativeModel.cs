using Pipeline.Core.Model;

namespace Pipeline.Postgres.Tests.Introspection;

/// <summary>The model <see cref="RepresentativeSchema.Ddl"/> must introspect to (statistics aside).</summary>
internal static class RepresentativeModel
{
    public static SchemaModel Public { get; } = new(
        "public",
        [
            new TableModel(
                "Orders",
                [
                    new ColumnModel("order_id", "serial", false),
                    new ColumnModel("small", "smallserial", false),
                    new ColumnModel("big", "bigserial", false),
                    new ColumnModel("customer_id", "bigint", true),
                    new ColumnModel("région", "sales.region", true, "'eu'::sales.region"),
                    new ColumnModel("total", "numeric", true),
                    new ColumnModel("doubled", "numeric", true, Generated: "total * 2::numeric"),
                    new ColumnModel("created", "timestamp(3) without time zone", true, "(now() + '1 day'::interval)"),
                ],
                PrimaryKey: new PrimaryKeyModel("Orders_pkey", ["order_id"]),
                Indexes:
                [
                    new IndexModel("orders_expr_idx", ["(total * 2::numeric)", "created DESC"], Where: "total IS NOT NULL"),
                    new IndexModel("orders_incl_idx", ["customer_id"], Include: ["total", "small"]),
                ],
                ForeignKeys:
                [
                    new ForeignKeyModel("Orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"], "cascade", "restrict"),
                ],
                Checks: [new CheckConstraintModel("orders_total_check", "total > 0::numeric AND total < 1000000::numeric")]),
            new TableModel(
                "customers",
                [
                    new ColumnModel("id", "bigint", false, Identity: IdentityKind.Always),
                    new ColumnModel("email", "character varying(200)", false, Comment: "Login"),
                    new ColumnModel("Display Name", "text", true),
                    new ColumnModel("age", "integer", true),
                    new ColumnModel("created_at", "timestamp with time zone", false, "now()"),
                    new ColumnModel("token", "uuid", true, "gen_random_uuid()"),
                    new ColumnModel("balance", "numeric(12,2)", true, "0"),
                    new ColumnModel("tags", "text[]", true, "'{}'::text[]"),
                    new ColumnModel("status", "order_status", false, "'pending'::order_status"),
                    new ColumnModel("ticket", "integer", true, "nextval('shared_seq'::regclass)"),
                ],
                PrimaryKey: new PrimaryKeyModel("customers_pkey", ["id"]),
                Uniques: [new UniqueConstraintModel("customers_email_key", ["email"])],
                Indexes:
                [
                    new IndexModel("customers_lower_email_idx", ["(lower(email::text))"]),
                    new IndexModel("customers_name_uq", ["Display Name DESC"], Unique: true),
                    new IndexModel("customers_tags_gin", ["tags"], Method: "gin"),
                ],
                Checks: [new CheckConstraintModel("customers_age_check", "age >= 0")],
                Comment: "People who buy"),
            new TableModel("dupes", [new ColumnModel("v", "integer", true)]),
            new TableModel(
                "events",
                [
                    new ColumnModel("id", "bigint", false),
                    new ColumnModel("at", "timestamp with time zone", false),
                ],
                PrimaryKey: new PrimaryKeyModel("events_pkey", ["id", "at"]),
                Indexes: [new IndexModel("events_at_idx", ["at"])]),
        ],
        [new EnumTypeModel("order_status", ["pending", "paid", "refunded", "shipped"])]);

    public static SchemaModel Sales { get; } = new(
        "sales",
        [
            new TableModel(
                "counters",
                [
                    new ColumnModel("id", "serial", false),
                    new ColumnModel("customer_id", "bigint", true, "0"),
                ],
                PrimaryKey: new PrimaryKeyModel("counters_pkey", ["id"])),
            new TableModel(
                "items",
                [
                    new ColumnModel("a", "integer", false),
                    new ColumnModel("b", "integer", false),
                    new ColumnModel("id", "integer", false, Identity: IdentityKind.ByDefault),
                ],
                PrimaryKey: new PrimaryKeyModel("items_pkey", ["b", "a"]),
                Uniques: [new UniqueConstraintModel("items_a_b_key", ["a", "b"])]),
            new TableModel(
                "lines",
                [
                    new ColumnModel("x", "integer", true),
                    new ColumnModel("y", "integer", true),
                    new ColumnModel("customer_id", "bigint", true),
                ],
                ForeignKeys:
                [
                    new ForeignKeyModel("lines_customer_id_fkey", ["customer_id"], "public", "customers", ["id"], "set default"),
                    new ForeignKeyModel("lines_item_fkey", ["y", "x"], "sales", "items", ["a", "b"], "set null"),
                ]),
        ],
        [new EnumTypeModel("region", ["eu", "us"])]);
}
