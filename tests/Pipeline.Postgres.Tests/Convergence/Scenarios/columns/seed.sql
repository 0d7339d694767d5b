INSERT INTO accounts (email, nickname)
SELECT 'user' || g || '@example.com', CASE WHEN g % 3 = 0 THEN NULL ELSE 'nick' || g END
FROM generate_series(1, 5000) AS g;
ANALYZE accounts;
