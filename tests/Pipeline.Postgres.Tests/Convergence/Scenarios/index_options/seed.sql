INSERT INTO articles
SELECT g, 'slug-' || g, 'Title ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || (g % 50) END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE timestamptz '2024-01-01' + g * interval '1 hour' END,
       jsonb_build_object('k', g % 10),
       CASE WHEN g = 1 THEN NULL ELSE 'ext-' || g END
FROM generate_series(1, 5000) AS g;
ANALYZE;
