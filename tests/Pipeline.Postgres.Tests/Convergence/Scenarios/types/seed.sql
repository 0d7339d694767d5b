INSERT INTO products SELECT g, 'product ' || g, 'SKU' || g, g % 1000, g % 50, CASE WHEN g % 2 = 0 THEN 'y' ELSE 'n' END
FROM generate_series(1, 3000) AS g;
ANALYZE products;
