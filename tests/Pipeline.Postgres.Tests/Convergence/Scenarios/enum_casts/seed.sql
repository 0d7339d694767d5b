INSERT INTO tickets (id, state, kind, prio, label, code, severity)
SELECT g, 'closed', CASE WHEN g % 3 = 0 THEN 'done'::old_status ELSE 'new'::old_status END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'high'::priority END, CASE WHEN g % 2 = 0 THEN 'red' ELSE 'green' END, g::text, 'low'
FROM generate_series(1, 1000) AS g;
