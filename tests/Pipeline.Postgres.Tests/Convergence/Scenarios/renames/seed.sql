INSERT INTO clients SELECT g, 'm' || g FROM generate_series(1, 100) AS g;
