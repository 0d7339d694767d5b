INSERT INTO bookings (id, room_id, starts_at, ends_at, cancelled, code)
SELECT g, 1 + g % 20, timestamptz '2025-01-01' + g * interval '2 hours', timestamptz '2025-01-01' + g * interval '2 hours' + interval '90 minutes',
       g % 10 = 0, 'B' || g
FROM generate_series(1, 5000) AS g;
INSERT INTO zones SELECT g, circle(point(g * 10, 0), 1) FROM generate_series(1, 200) AS g;
ANALYZE;
