INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 500) AS g;
INSERT INTO orders SELECT g, 1 + g % 500, (g % 997)::numeric / 10, CASE WHEN g % 2 = 0 THEN 'REF-' || g END FROM generate_series(1, 20000) AS g;
INSERT INTO events SELECT g, 'k' || (g % 5) FROM generate_series(1, 2000) AS g;
ANALYZE;
