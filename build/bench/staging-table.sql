-- The benchmark table of build/bench-staging.sh: :rows rows with skewed columns (psql variable rows).
CREATE TYPE event_kind AS ENUM ('view', 'click', 'purchase', 'refund', 'signup', 'error');
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id integer NOT NULL,
    kind event_kind NOT NULL,
    amount numeric(10,2) CHECK (amount >= 0),
    country character(2) NOT NULL,
    note text,
    created_at timestamp with time zone NOT NULL,
    priority smallint NOT NULL,
    session uuid,
    score double precision);
INSERT INTO events (account_id, kind, amount, country, note, created_at, priority, session, score)
SELECT 1 + floor(200000 * power(random(), 3))::int,
       (ARRAY['view','view','view','view','view','click','click','purchase','refund','signup'])[1 + floor(random() * 10)::int]::event_kind,
       CASE WHEN random() < 0.6 THEN NULL ELSE round((power(random(), 2) * 900)::numeric, 2) END,
       (ARRAY['US','US','US','US','DE','DE','FR','GB','JP','BR'])[1 + floor(random() * 10)::int],
       CASE WHEN random() < 0.8 THEN NULL ELSE md5(i::text) || repeat('x', i % 30) END,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '3 seconds',
       CASE WHEN random() < 0.7 THEN 3 ELSE 1 + floor(random() * 5)::int END,
       CASE WHEN random() < 0.5 THEN NULL ELSE gen_random_uuid() END,
       CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 1000)::numeric, 1)::float8 END
  FROM generate_series(1, :rows) i;
CREATE INDEX events_account_id_idx ON events (account_id);
CREATE INDEX events_created_at_idx ON events (created_at);
