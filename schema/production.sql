-- The sample shop's "production" database: the same schema as production.schema.yaml, plus seed data so the
-- statistics in production.snapshot.json (row counts, sizes) make lock-duration estimates meaningful.
-- Make the snapshot with:
--   createdb shop && psql -d shop -f schema/production.sql
--   PIPELINE_CONNECTION="Host=…;Database=shop;Username=…" pipeline snapshot --out schema/production.snapshot.json
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');
CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY,
  email text NOT NULL,
  full_name varchar(200) NOT NULL,
  phone varchar(32),
  created_at timestamptz NOT NULL DEFAULT now(),
  legacy_code varchar(20),
  CONSTRAINT customers_pkey PRIMARY KEY (id),
  CONSTRAINT customers_email_key UNIQUE (email)
);
COMMENT ON TABLE customers IS 'People and companies who buy from the shop';
COMMENT ON COLUMN customers.legacy_code IS 'Customer number from the old shop system; no longer read';
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE TABLE products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku varchar(32) NOT NULL UNIQUE,
  name varchar(100) NOT NULL,
  price_cents integer NOT NULL,
  active boolean NOT NULL DEFAULT true,
  CONSTRAINT products_price_cents_check CHECK (price_cents >= 0)
);
COMMENT ON TABLE products IS 'Catalogue items';
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE RESTRICT,
  status order_status NOT NULL DEFAULT 'pending',
  total_cents bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_total_cents_check CHECK (total_cents >= 0)
);
CREATE INDEX orders_pending_idx ON orders (created_at) WHERE status = 'pending';
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line_no integer NOT NULL,
  product_id bigint NOT NULL,
  quantity integer NOT NULL,
  unit_price_cents integer NOT NULL,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0)
);
COMMENT ON TABLE order_items IS 'Lines of an order';
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

-- Seed data (about 60 MB): 100k customers, 2k products, 400k orders, 800k order lines.
INSERT INTO customers (email, full_name, phone, legacy_code)
SELECT 'customer' || g || '@example.com', 'Customer ' || g, CASE WHEN g % 3 = 0 THEN '+49 30 ' || g END, 'K' || lpad(g::text, 8, '0')
FROM generate_series(1, 100000) g;
INSERT INTO products (sku, name, price_cents)
SELECT 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || g, 100 + (g * 37) % 10000
FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, status, total_cents, created_at)
SELECT 1 + (g::bigint * 7919) % 100000, (ARRAY['pending','paid','shipped','delivered','cancelled']::order_status[])[1 + g % 5],
       (g * 13) % 50000, now() - make_interval(mins => g)
FROM generate_series(1, 400000) g;
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price_cents)
SELECT o, l, 1 + (o * 31 + l) % 2000, 1 + (o + l) % 4, 100 + (o * l) % 5000
FROM generate_series(1, 400000) o, generate_series(1, 2) l;
ANALYZE;
