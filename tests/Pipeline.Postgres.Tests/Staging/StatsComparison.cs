using System.Globalization;
using Pipeline.Testing;

namespace Pipeline.Postgres.Tests.Staging;

/// <summary>
/// Compares what ANALYZE found on two databases (production and its synthetic staging copy), both read straight from
/// each server's own <c>pg_stats</c> and size functions with psql, never from the generator: per column
/// <c>null_frac</c> (within 0.02), the distinct count (within 10%, exact up to 20 values) and the frequency of each
/// of production's most common values (within 0.02); per table the size of its data, the main fork and its TOAST
/// table's (within 15%; the free space and visibility map forks VACUUM adds, 32 kB per table or partition, are left
/// out: production's partitions each have theirs, the synthetic copy's one plain table has one set).
/// </summary>
internal sealed class StatsComparison
{
    private const string StatsSql = """
        SELECT s.tablename || '.' || s.attname, s.null_frac, s.n_distinct,
               CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * greatest(c.reltuples, 0) ELSE s.n_distinct END,
               coalesce(array_to_string(s.most_common_vals::text::text[], chr(31)), ''),
               coalesce(array_to_string(s.most_common_freqs, chr(31)), '')
          FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = 'public'::regnamespace
         WHERE s.schemaname = 'public' AND s.inherited = (c.relkind = 'p') AND NOT c.relispartition
        """;

    private const string SizeSql = """
        SELECT c.relname,
               CASE WHEN c.relkind = 'p'
                    THEN (SELECT sum(pg_relation_size(l.oid) + coalesce(pg_relation_size(nullif(l.reltoastrelid, 0::oid)), 0)) FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf)
                    ELSE pg_relation_size(c.oid) + coalesce(pg_relation_size(nullif(c.reltoastrelid, 0::oid)), 0) END,
               CASE WHEN c.relkind = 'p' THEN (SELECT sum(l.reltuples) FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf) ELSE c.reltuples END
          FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        """;

    public sealed record ColumnStats(string Column, double NullFrac, double NDistinct, double Distinct, Dictionary<string, double> Mcv);

    public static async Task<Dictionary<string, ColumnStats>> ReadStatsAsync(PostgresServer server, string db)
    {
        var text = await server.QueryAsync(db, StatsSql);
        var result = new Dictionary<string, ColumnStats>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('|');
            var vals = f[4].Length == 0 ? [] : f[4].Split('\u001f');
            var freqs = f[5].Length == 0 ? [] : f[5].Split('\u001f').Select(D).ToArray();
            var mcv = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 0; i < vals.Length && i < freqs.Length; i++)
            {
                mcv[vals[i]] = freqs[i];
            }

            result[f[0]] = new ColumnStats(f[0], D(f[1]), D(f[2]), D(f[3]), mcv);
        }

        return result;
    }

    /// <summary>ANALYZEs <paramref name="db"/> <paramref name="runs"/> times and reads its statistics after each: per
    /// column the median n_distinct (ANALYZE estimates it from a random sample), the other figures from the last run;
    /// and every run's distinct count per column.</summary>
    public static async Task<(Dictionary<string, ColumnStats> Median, Dictionary<string, List<double>> Runs)> ReadMedianStatsAsync(PostgresServer server, string db, int runs)
    {
        var all = new List<Dictionary<string, ColumnStats>>();
        for (var i = 0; i < runs; i++)
        {
            await server.ExecuteAsync(db, "ANALYZE;");
            all.Add(await ReadStatsAsync(server, db));
        }

        var last = all[^1];
        var byColumn = last.Keys.ToDictionary(c => c, c => all.Where(r => r.ContainsKey(c)).Select(r => r[c]).ToList(), StringComparer.Ordinal);
        var median = last.ToDictionary(kv => kv.Key, kv =>
        {
            var seen = byColumn[kv.Key];
            return kv.Value with
            {
                NDistinct = Median(seen.Select(c => c.NDistinct)),
                Distinct = Median(seen.Select(c => c.Distinct)),
            };
        }, StringComparer.Ordinal);
        return (median, byColumn.ToDictionary(kv => kv.Key, kv => kv.Value.Select(c => c.Distinct).ToList(), StringComparer.Ordinal));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static async Task<Dictionary<string, (double Bytes, double Rows)>> ReadSizesAsync(PostgresServer server, string db)
    {
        var text = await server.QueryAsync(db, SizeSql);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|'))
            .ToDictionary(f => f[0], f => (D(f[1]), D(f[2])), StringComparer.Ordinal);
    }

    /// <summary>Every deviation beyond the tolerances, one line each; and the worst figures seen.</summary>
    /// <remarks>With <paramref name="scale"/> (staging built with <c>--scale</c>), a distinct count production
    /// records as a share of the rows (negative <c>n_distinct</c>) is expected scaled.</remarks>
    public static (List<string> Failures, Figures Worst) Compare(
        Dictionary<string, ColumnStats> production, Dictionary<string, ColumnStats> staging, IReadOnlySet<string> skipColumns, double scale = 1)
    {
        var failures = new List<string>();
        double nullWorst = 0, distinctWorst = 0, mcvWorst = 0;
        foreach (var (column, p) in production)
        {
            if (skipColumns.Contains(column))
            {
                continue;
            }

            if (!staging.TryGetValue(column, out var s))
            {
                failures.Add($"{column}: no pg_stats row on staging");
                continue;
            }

            var nullDiff = Math.Abs(p.NullFrac - s.NullFrac);
            nullWorst = Math.Max(nullWorst, nullDiff);
            if (nullDiff > 0.02)
            {
                failures.Add($"{column}: null_frac {p.NullFrac} vs {s.NullFrac}");
            }

            var distinct = p.NDistinct < 0 ? p.Distinct * scale : p.Distinct;
            if (distinct <= 20)
            {
                if (Math.Round(distinct) != Math.Round(s.Distinct))
                {
                    failures.Add($"{column}: n_distinct {distinct} vs {s.Distinct} (small counts must match exactly)");
                }
            }
            else
            {
                var rel = Math.Abs(distinct - s.Distinct) / distinct;
                distinctWorst = Math.Max(distinctWorst, rel);
                if (rel > 0.10)
                {
                    failures.Add($"{column}: n_distinct {distinct:0} vs {s.Distinct:0} ({rel:P1})");
                }
            }

            foreach (var (value, freq) in p.Mcv)
            {
                var other = s.Mcv.GetValueOrDefault(value);
                var diff = Math.Abs(freq - other);
                mcvWorst = Math.Max(mcvWorst, diff);
                if (diff > 0.02)
                {
                    failures.Add($"{column}: most common value '{value}' frequency {freq} vs {other}");
                }
            }
        }

        return (failures, new Figures(nullWorst, distinctWorst, mcvWorst, 0));
    }

    /// <summary>Tables whose size differs by more than 15%.</summary>
    public static (List<string> Failures, double Worst) CompareSizes(
        Dictionary<string, (double Bytes, double Rows)> production, Dictionary<string, (double Bytes, double Rows)> staging, IReadOnlySet<string> skipTables)
    {
        var failures = new List<string>();
        var worst = 0.0;
        foreach (var (table, p) in production.Where(kv => !skipTables.Contains(kv.Key)))
        {
            var s = staging.GetValueOrDefault(table);
            var rel = p.Bytes == 0 ? (s.Bytes == 0 ? 0 : 1) : Math.Abs(p.Bytes - s.Bytes) / p.Bytes;
            worst = Math.Max(worst, rel);
            if (rel > 0.15)
            {
                failures.Add($"{table}: {p.Bytes:0} bytes vs {s.Bytes:0} ({rel:P1}); rows {p.Rows} vs {s.Rows}");
            }
        }

        return (failures, worst);
    }

    public sealed record Figures(double NullFrac, double Distinct, double McvFreq, double Size)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"worst null_frac difference {NullFrac:0.0000}, n_distinct {Distinct:P1}, most common value frequency {McvFreq:0.0000}, size {Size:P1}");
    }

    private static double D(string s) => s.Length == 0 ? 0 : double.Parse(s, CultureInfo.InvariantCulture);
}
