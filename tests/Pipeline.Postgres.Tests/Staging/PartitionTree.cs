using System.Globalization;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// A production-like partition tree three levels deep (the sub-partition fidelity test's shape): <c>events</c> by
/// RANGE (at) into a DEFAULT leaf for older rows, a 2024 partition by LIST (region) whose <c>us</c> partition is
/// itself by RANGE (kind), and a 2025 partition by HASH (id). The parent has a primary key and a partitioned index
/// (attached on every leaf); some partitions have indexes of their own: a leaf (<c>events_old</c>), a
/// second-level leaf with a partial descending index (<c>events_2024_eu</c>) and a sub-partitioned partition
/// (<c>events_2025</c>, a partitioned index of its own that PostgreSQL attaches on its two leaves). The region
/// depends on the year (60 % eu in 2024, 20 % in the other years), so the region's overall distribution, which the
/// whole tree's statistics hold, does not give the 2024 sub-partitions their shares: only the leaves' own row
/// counts do.
/// </summary>
internal static class PartitionTree
{
    /// <summary>The leaf partitions, in name order.</summary>
    public static readonly string[] Leaves =
        ["events_2024_eu", "events_2024_other", "events_2024_us_high", "events_2024_us_low", "events_2025_h0", "events_2025_h1", "events_old"];

    /// <summary>The partitions' own indexes, as <c>partition index</c>.</summary>
    public static readonly string[] OwnIndexes =
        ["events_2024_eu events_2024_eu_at_idx", "events_2025 events_2025_region_idx", "events_old events_old_payload_idx"];

    /// <summary>The SQL creating the tree and filling it with <paramref name="rows"/> rows.</summary>
    public static string Sql(int rows) => string.Create(CultureInfo.InvariantCulture, $"""
        CREATE TABLE events (
            id bigint NOT NULL,
            at timestamp with time zone NOT NULL,
            region text NOT NULL,
            kind integer NOT NULL CHECK (kind BETWEEN 1 AND 9),
            payload text,
            PRIMARY KEY (id, at, region, kind)) PARTITION BY RANGE (at);
        CREATE INDEX events_kind_idx ON events (kind);
        CREATE TABLE events_old PARTITION OF events DEFAULT;
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00') PARTITION BY LIST (region);
        CREATE TABLE events_2024_eu PARTITION OF events_2024 FOR VALUES IN ('eu');
        CREATE TABLE events_2024_us PARTITION OF events_2024 FOR VALUES IN ('us') PARTITION BY RANGE (kind);
        CREATE TABLE events_2024_us_low PARTITION OF events_2024_us FOR VALUES FROM (MINVALUE) TO (5);
        CREATE TABLE events_2024_us_high PARTITION OF events_2024_us FOR VALUES FROM (5) TO (MAXVALUE);
        CREATE TABLE events_2024_other PARTITION OF events_2024 DEFAULT;
        CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00') PARTITION BY HASH (id);
        CREATE TABLE events_2025_h0 PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE events_2025_h1 PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
        CREATE INDEX events_old_payload_idx ON events_old (payload);
        CREATE INDEX events_2024_eu_at_idx ON events_2024_eu (at DESC) WHERE kind > 3;
        CREATE INDEX events_2025_region_idx ON events_2025 (region);
        INSERT INTO events (id, at, region, kind, payload)
        SELECT i,
               CASE WHEN u < 0.2 THEN timestamptz '2023-01-01 00:00:00+00' + (u / 0.2) * interval '365 days'
                    WHEN u < 0.7 THEN timestamptz '2024-01-01 00:00:00+00' + ((u - 0.2) / 0.5) * interval '365 days'
                    ELSE timestamptz '2025-01-01 00:00:00+00' + ((u - 0.7) / 0.3) * interval '364 days' END,
               CASE WHEN u >= 0.2 AND u < 0.7
                    THEN (ARRAY['eu', 'eu', 'eu', 'eu', 'eu', 'eu', 'us', 'us', 'us', 'apac'])[1 + floor(random() * 10)::int]
                    ELSE (ARRAY['eu', 'eu', 'us', 'us', 'us', 'apac', 'apac', 'apac', 'latam', 'latam'])[1 + floor(random() * 10)::int] END,
               1 + floor(random() * 9)::int,
               CASE WHEN random() < 0.3 THEN NULL ELSE md5(i::text) END
          FROM (SELECT i, random() AS u FROM generate_series(1, {rows}) i) AS r;
        """);
}
