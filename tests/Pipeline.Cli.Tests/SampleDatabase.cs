namespace Pipeline.Cli.Tests;

/// <summary>The small database the live CLI tests inspect and plan against: DDL and the matching YAML.</summary>
internal static class SampleDatabase
{
    /// <summary>The schema created in the test database, as YAML.</summary>
    public const string Yaml = """
        version: 1
        schemas:
          public:
            enums:
              order_status: [pending, paid]
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: text
                    nullable: false
                primaryKey: [id]
              orders:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: customer_id
                    type: bigint
                    nullable: false
                  - name: status
                    type: order_status
                    nullable: false
                    default: "'pending'::order_status"
                primaryKey: [id]
                foreignKeys:
                  - columns: [customer_id]
                    references: {table: customers, columns: [id]}
        """;

    public const string Ddl = """
        CREATE TYPE order_status AS ENUM ('pending', 'paid');
        CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          customer_id bigint NOT NULL REFERENCES customers (id),
          status order_status NOT NULL DEFAULT 'pending');
        CREATE TABLE legacy_audit (id integer);
        INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 100) g;
        ANALYZE;
        """;
}
