INSERT INTO shipments SELECT g FROM generate_series(1, 1000) AS g;
