INSERT INTO payments SELECT g, g / 100.0, CASE WHEN g % 2 = 0 THEN 'open' END FROM generate_series(1, 3000) AS g;
INSERT INTO accounts (id, mail, nick) SELECT g, 'm' || g, 'n' || g FROM generate_series(1, 1000) AS g;
INSERT INTO clients SELECT g, 'c' || g FROM generate_series(1, 1000) AS g;
