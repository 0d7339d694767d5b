INSERT INTO line_items (id, quantity, unit_price, label)
SELECT g, 1 + g % 9, (g % 100) / 4.0, 'item ' || g FROM generate_series(1, 5000) AS g;
ANALYZE;
