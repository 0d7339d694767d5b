using System.Globalization;

namespace Pipeline.Testing;

/// <summary>
/// A production-like pair of tables with skewed columns (the fidelity test's and <c>build/bench-staging.sh</c>'s
/// shape): <c>customers</c> (one per 12 orders, unique email, a skewed country) and <c>orders</c> (a power-law
/// foreign key, a skewed enum status, a NULL-heavy note, an ordered timestamp, a skewed priority with a CHECK, a
/// half-NULL unique uuid, a non-negative numeric).
/// </summary>
public static class SkewedTable
{
    /// <summary>The SQL creating and filling both tables with <paramref name="orders"/> orders.</summary>
    public static string Sql(int orders)
    {
        var customers = Math.Max(10, orders / 12);
        return string.Create(CultureInfo.InvariantCulture, $"""
            CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled', 'returned', 'lost');
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, country character(2) NOT NULL, signed_up date NOT NULL);
            CREATE TABLE orders (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES customers (id),
                status order_status NOT NULL,
                total numeric(10,2) NOT NULL CHECK (total >= 0),
                note text,
                created_at timestamp with time zone NOT NULL,
                priority integer NOT NULL CHECK (priority BETWEEN 1 AND 9),
                express boolean,
                code uuid UNIQUE,
                weight double precision);
            CREATE INDEX orders_customer_id_idx ON orders (customer_id);
            INSERT INTO customers (email, country, signed_up)
            SELECT 'user' || i || '@example.com',
                   (ARRAY['US','US','US','US','DE','DE','FR','GB','JP','BR'])[1 + (i * 7919) % 10],
                   date '2015-01-01' + (i % 3000)
              FROM generate_series(1, {customers}) i;
            INSERT INTO orders (customer_id, status, total, note, created_at, priority, express, code, weight)
            SELECT 1 + floor({customers} * power(random(), 3))::bigint,
                   (ARRAY['shipped','shipped','shipped','shipped','shipped','paid','paid','new','cancelled','returned'])[1 + floor(random() * 10)::int]::order_status,
                   round((power(random(), 2) * 500)::numeric, 2),
                   CASE WHEN random() < 0.7 THEN NULL ELSE md5(i::text) || repeat('x', (i % 40)) END,
                   timestamptz '2024-01-01 00:00:00+00' + i * interval '17 seconds',
                   CASE WHEN random() < 0.6 THEN 5 ELSE 1 + floor(random() * 9)::int END,
                   CASE WHEN random() < 0.3 THEN NULL ELSE random() < 0.1 END,
                   CASE WHEN random() < 0.5 THEN NULL ELSE gen_random_uuid() END,
                   CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 100)::numeric, 1)::float8 END
              FROM generate_series(1, {orders}) i;
            """);
    }
}
