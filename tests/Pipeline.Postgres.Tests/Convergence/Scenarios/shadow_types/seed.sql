INSERT INTO orders (payload, code, created, note)
SELECT '{"n": ' || g || '}', 'C' || g, timestamp '2026-01-01' + g * interval '1 minute', 'note ' || g
FROM generate_series(1, 2000) AS g;
INSERT INTO items (order_id, qty) SELECT 1 + g % 2000, g % 7 FROM generate_series(1, 5000) AS g;
INSERT INTO payments SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 1 + g % 2000 END FROM generate_series(1, 3000) AS g;
ANALYZE orders; ANALYZE items; ANALYZE payments;
