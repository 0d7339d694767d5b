INSERT INTO regions SELECT 'c' || (g % 5), 'r' || g FROM generate_series(1, 50) AS g;
INSERT INTO offices SELECT g, CASE WHEN g > 1 THEN g - 1 END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'c' || (g % 5) END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'r' || (1 + (g % 10) * 5 + (g % 5) - (g % 5)) END,
       CASE WHEN g = 3 THEN NULL ELSE 'b' || g END,
       g % 12
FROM generate_series(1, 2000) AS g;
-- make every (country, region) pair exist
INSERT INTO regions SELECT DISTINCT country, region FROM offices WHERE country IS NOT NULL ON CONFLICT DO NOTHING;
INSERT INTO desks SELECT 1 + g % 2000, g FROM generate_series(1, 3000) AS g;
ANALYZE;
