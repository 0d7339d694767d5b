INSERT INTO counters (plain) SELECT g FROM generate_series(1, 500) AS g;
INSERT INTO imports (note) SELECT 'n' || g FROM generate_series(1, 300) AS g;
