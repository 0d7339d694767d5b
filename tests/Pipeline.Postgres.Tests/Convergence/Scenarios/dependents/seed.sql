INSERT INTO regions SELECT g, 'R' || g, 'L' || g FROM generate_series(1, 50) AS g;
INSERT INTO shops SELECT g, 'R' || (1 + g % 50), 'L' || (1 + g % 50) FROM generate_series(1, 2000) AS g;
ANALYZE;
