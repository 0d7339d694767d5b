INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 200) AS g;
INSERT INTO orders SELECT g, 1 + g % 200 FROM generate_series(1, 1000) AS g;
INSERT INTO newsletter SELECT 'c' || g || '@example.com' FROM generate_series(1, 100) AS g;
INSERT INTO regions VALUES ('eu'), ('us');
INSERT INTO accounts SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 100) AS g;
INSERT INTO sessions SELECT g, 1 + g % 100 FROM generate_series(1, 500) AS g;
