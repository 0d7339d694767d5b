INSERT INTO orders (id, status, tier)
SELECT g, (ARRAY['pending', 'sent', 'delivered'])[1 + g % 3]::order_status, (ARRAY['bronze', 'silver', 'gold'])[1 + g % 3]::tier
FROM generate_series(1, 900) AS g;
