INSERT INTO parents SELECT g, 'f' || g, 'c' || g FROM generate_series(1, 100) AS g;
INSERT INTO children SELECT g, 1 + g % 100 FROM generate_series(1, 300) AS g;
INSERT INTO archive.old_rows SELECT g FROM generate_series(1, 10) AS g;
