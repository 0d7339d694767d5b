using System.Globalization;
using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Staging;

public static partial class StagingBuilder
{
    private sealed partial class Run
    {
        /// <summary>
        /// Gives the partitions under each sub-partitioned partition of <paramref name="table"/> production's shares of
        /// its rows. The COPY into the parent routes each generated row by its key values, and those follow the whole
        /// tree's statistics (<c>pg_stats</c> of the parent), so each column's overall distribution is production's and
        /// the top level gets its shares from its key's own histogram; but the rows of one top-level partition are
        /// spread over its sub-partitions by the sub-key's overall distribution, which is production's split within
        /// that partition only when the two keys are independent. So, level by level from the top, the partitions of
        /// a sub-partitioned partition that hold more rows than production's share (the partitions' <c>reltuples</c>,
        /// a sub-partitioned one's leaves summed, of the rows that partition holds on staging) give their surplus, rows
        /// chosen at random, to those that hold fewer. A moved row swaps its sub-key values with a random row of a leaf
        /// outside the sub-partitioned partition whose path keys do not hold those columns and whose values are those
        /// of a row of the partition short of rows (<see cref="SwapRowsAsync"/>), so the sub-key's overall
        /// distribution is kept; when there are too few such rows, it takes the values of a random row of that
        /// partition (<see cref="MoveRowsAsync"/>), which shifts the sub-key's overall distribution toward the
        /// partition's. Both are one <c>UPDATE</c> through the parent, which moves a row whose key changes to the
        /// partition that accepts it (https://www.postgresql.org/docs/current/sql-update.html); the rows' other
        /// columns, and their deeper keys, stay, and the level below is balanced next. Hash levels are left to the
        /// server's hash, which spreads the generated values as evenly as production's. A level with an expression
        /// key, a partition short of rows with no row to take values from, and a move a constraint rejects are
        /// warned (PIPE6065) and left as routed.
        /// </summary>
        private async Task BalanceSubPartitionsAsync(QualifiedName table, PartitioningModel partitioning, CancellationToken ct)
        {
            if (!partitioning.Partitions.Any(p => p.Subpartitioning is not null))
            {
                return;
            }

            // The moves pick rows and values with the server's random(): seeded, so a --seed gives the same staging.
            await StagingCatalog.ExecuteAsync(connection,
                string.Create(CultureInfo.InvariantCulture, $"SELECT pg_catalog.setseed({(options.Seed % 1000) / 1000.0})"), ct).ConfigureAwait(false);
            foreach (var partition in partitioning.Partitions)
            {
                if (partition.Subpartitioning is { } sub)
                {
                    await BalanceLevelAsync(table, new QualifiedName(partition.Schema, partition.Name), sub, ct).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// The columns of the sub-partitions' keys (below the top level) that are not in the top-level key. Their
        /// correlation in the parent's <c>pg_stats</c> is that of ANALYZE's sample, which takes the partitions one after
        /// the other, so it reflects the order of the partitions rather than a physical order any partition has; laid
        /// out by it, they would depend on the top key's values (both follow the row position) and the rows of one
        /// top-level partition would crowd into some of its sub-partitions. They are laid out at random instead
        /// (independent of the other columns), and <see cref="BalanceSubPartitionsAsync"/> then gives each
        /// sub-partition its share.
        /// </summary>
        private static HashSet<string> SubPartitionKeyColumns(TableModel table)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            if (table.Partitioning is not { } top)
            {
                return keys;
            }

            void Add(PartitioningModel level)
            {
                foreach (var partition in level.Partitions)
                {
                    if (partition.Subpartitioning is { } sub)
                    {
                        keys.UnionWith(PostgresDialect.PartitionKeyParts(sub).OfType<string>());
                        Add(sub);
                    }
                }
            }

            Add(top);
            keys.ExceptWith(PostgresDialect.PartitionKeyParts(top).OfType<string>());
            return keys;
        }

        /// <summary>Balances the partitions of <paramref name="parent"/> (a sub-partitioned partition of
        /// <paramref name="table"/>), then the levels below.</summary>
        private async Task BalanceLevelAsync(QualifiedName table, QualifiedName parent, PartitioningModel level, CancellationToken ct)
        {
            var key = PostgresDialect.PartitionKeyParts(level);
            if (level.Strategy != "hash" && level.Partitions.Count > 1)
            {
                if (key.Count == 0 || key.Any(k => k is null))
                {
                    Warn(StagingCodes.SubPartitionSharesApproximate,
                        $"{table}: the partitions of {parent} are partitioned by an expression ({level.Key}): their rows are as the COPY routed them, not balanced to production's shares");
                }
                else
                {
                    await MoveToSharesAsync(table, parent, level, key.OfType<string>().ToList(), ct).ConfigureAwait(false);
                }
            }

            foreach (var partition in level.Partitions)
            {
                if (partition.Subpartitioning is { } sub)
                {
                    await BalanceLevelAsync(table, new QualifiedName(partition.Schema, partition.Name), sub, ct).ConfigureAwait(false);
                }
            }
        }

        private async Task MoveToSharesAsync(QualifiedName table, QualifiedName parent, PartitioningModel level, List<string> keyColumns, CancellationToken ct)
        {
            var names = level.Partitions.Select(p => new QualifiedName(p.Schema, p.Name)).ToList();
            var production = level.Partitions.Select(p => Math.Max(0, p.Stats?.Rows ?? 0)).ToList();
            if (production.Sum() == 0)
            {
                return;
            }

            var counts = (await StagingCatalog.RowsAsync(connection,
                    "SELECT " + string.Join(", ", names.Select(n => $"(SELECT count(*) FROM {SqlIdentifiers.Qualified(n)})")), ct).ConfigureAwait(false))[0]
                .Select(Convert.ToInt64).ToList();
            var targets = Shares(counts.Sum(), production);
            var spare = counts.Select((c, i) => Math.Max(0, c - targets[i])).ToArray();
            var columns = keyColumns.Select(SqlIdentifiers.Quote).ToList();
            var free = FreeLeaves(table, keyColumns);
            var shortOf = new List<string>();
            foreach (var to in Enumerable.Range(0, names.Count).Where(i => counts[i] < targets[i]))
            {
                if (counts[to] == 0)
                {
                    shortOf.Add($"{names[to]} (no row to take its key values from; {targets[to]} expected)");
                    continue;
                }

                var missing = targets[to] - counts[to];
                for (var from = 0; from < names.Count && missing > 0; from++)
                {
                    if (spare[from] == 0)
                    {
                        continue;
                    }

                    var moving = Math.Min(spare[from], missing);
                    var swapped = await SwapRowsAsync(table, free, names[from], names[to], columns, moving, ct).ConfigureAwait(false) ?? 0;
                    var moved = swapped == moving ? 0
                        : await MoveRowsAsync(parent, names[from], names[to], columns, moving - swapped, ct).ConfigureAwait(false);
                    if (moved is null)
                    {
                        shortOf.Add($"{names[to]} (moving rows from {names[from]} broke a constraint)");
                        break;
                    }

                    spare[from] -= swapped + moved.Value;
                    missing -= swapped + moved.Value;
                }
            }

            if (shortOf.Count > 0)
            {
                Warn(StagingCodes.SubPartitionSharesApproximate,
                    $"{table}: partitions of {parent} left short of production's share of its rows, as the COPY routed them: {string.Join("; ", shortOf)}");
            }
        }

        /// <summary>
        /// The leaf partitions of <paramref name="table"/> whose rows can take any values of
        /// <paramref name="keyColumns"/> without moving: no key on their path from the top (each level's
        /// <c>pg_get_partkeydef</c>) has one of those columns or an expression.
        /// </summary>
        private List<QualifiedName> FreeLeaves(QualifiedName table, List<string> keyColumns)
        {
            var leaves = new List<QualifiedName>();
            void Walk(PartitioningModel level)
            {
                var parts = PostgresDialect.PartitionKeyParts(level);
                if (parts.Count == 0 || parts.Any(p => p is null || keyColumns.Contains(p, StringComparer.Ordinal)))
                {
                    return;
                }

                foreach (var partition in level.Partitions)
                {
                    if (partition.Subpartitioning is { } sub)
                    {
                        Walk(sub);
                    }
                    else if (!partition.Partitioned)
                    {
                        leaves.Add(new QualifiedName(partition.Schema, partition.Name));
                    }
                }
            }

            if (snapshot.FindTable(table.Schema, table.Name)?.Partitioning is { } top)
            {
                Walk(top);
            }

            return leaves;
        }

        /// <summary>
        /// Swaps the values of <paramref name="columns"/> of up to <paramref name="rows"/> random rows of
        /// <paramref name="from"/> with those of as many random rows of the <paramref name="free"/> leaves whose values
        /// are values of a row of <paramref name="to"/>: the rows of <paramref name="from"/> move to
        /// <paramref name="to"/>, the others stay where they are, and each column's overall distribution is unchanged
        /// (the values only change rows). The rows swapped (fewer when the free leaves hold too few such rows), or
        /// <c>null</c> when a constraint rejected the swap (nothing changed).
        /// </summary>
        private async Task<int?> SwapRowsAsync(QualifiedName table, List<QualifiedName> free, QualifiedName from, QualifiedName to, List<string> columns, long rows, CancellationToken ct)
        {
            if (free.Count == 0)
            {
                return 0;
            }

            var list = string.Join(", ", columns);
            var oids = string.Join(", ", free.Select(l => "'" + SqlIdentifiers.Qualified(l).Replace("'", "''", StringComparison.Ordinal) + "'::pg_catalog.regclass"));
            var sql = string.Create(CultureInfo.InvariantCulture, $"""
                WITH movers AS (
                    SELECT m.*, row_number() OVER () AS pipeline_n
                      FROM (SELECT tableoid AS pipeline_t, ctid AS pipeline_c, {list} FROM {SqlIdentifiers.Qualified(from)} ORDER BY random() LIMIT {rows}) AS m),
                partners AS (
                    SELECT p.*, row_number() OVER () AS pipeline_n
                      FROM (SELECT tableoid AS pipeline_t, ctid AS pipeline_c, {list} FROM {SqlIdentifiers.Qualified(table)}
                             WHERE tableoid IN ({oids}) AND ({list}) IN (SELECT {list} FROM {SqlIdentifiers.Qualified(to)})
                             ORDER BY random() LIMIT {rows}) AS p),
                changes AS (
                    SELECT m.pipeline_t, m.pipeline_c, {string.Join(", ", columns.Select(c => "p." + c))} FROM movers m JOIN partners p USING (pipeline_n)
                    UNION ALL
                    SELECT p.pipeline_t, p.pipeline_c, {string.Join(", ", columns.Select(c => "m." + c))} FROM movers m JOIN partners p USING (pipeline_n))
                UPDATE {SqlIdentifiers.Qualified(table)} AS r
                   SET {string.Join(", ", columns.Select(c => $"{c} = x.{c}"))}
                  FROM changes x
                 WHERE r.tableoid = x.pipeline_t AND r.ctid = x.pipeline_c
                """);
            var changed = await TryExecuteAsync(sql, ct).ConfigureAwait(false);
            return changed / 2;
        }

        /// <summary>Runs a statement that moves rows; the rows it changed, or <c>null</c> when a constraint rejected
        /// it.</summary>
        private async Task<int?> TryExecuteAsync(string sql, CancellationToken ct)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            try
            {
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation
                                                   or PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.ExclusionViolation)
            {
                return null;
            }
        }

        /// <summary>Moves <paramref name="rows"/> random rows of <paramref name="from"/> into <paramref name="to"/>
        /// (both partitions of <paramref name="parent"/>), each taking the key columns' values of a random row of
        /// <paramref name="to"/>; the rows moved, or <c>null</c> when a constraint rejected the move (nothing moved).</summary>
        private async Task<int?> MoveRowsAsync(QualifiedName parent, QualifiedName from, QualifiedName to, List<string> columns, long rows, CancellationToken ct)
        {
            var list = string.Join(", ", columns);
            var sql = string.Create(CultureInfo.InvariantCulture, $"""
                WITH movers AS (
                    SELECT m.t, m.c, row_number() OVER () AS pipeline_n
                      FROM (SELECT tableoid AS t, ctid AS c FROM {SqlIdentifiers.Qualified(from)} ORDER BY random() LIMIT {rows}) AS m),
                donors AS (
                    SELECT d.*, row_number() OVER () AS pipeline_n
                      FROM (SELECT {list} FROM {SqlIdentifiers.Qualified(to)} ORDER BY random() LIMIT {rows}) AS d),
                donor_count AS (SELECT count(*) AS c FROM donors)
                UPDATE {SqlIdentifiers.Qualified(parent)} AS r
                   SET {string.Join(", ", columns.Select(c => $"{c} = d.{c}"))}
                  FROM movers m, donors d, donor_count k
                 WHERE r.tableoid = m.t AND r.ctid = m.c AND d.pipeline_n = (m.pipeline_n - 1) % k.c + 1
                """);
            return await TryExecuteAsync(sql, ct).ConfigureAwait(false);
        }

        /// <summary><paramref name="total"/> rows split in proportion to <paramref name="weights"/>, largest
        /// remainders rounded up, so the parts add up to the total.</summary>
        private static List<long> Shares(long total, List<long> weights)
        {
            var sum = (double)weights.Sum();
            var exact = weights.Select(w => total * (w / sum)).ToList();
            var parts = exact.Select(e => (long)Math.Floor(e)).ToList();
            var left = total - parts.Sum();
            foreach (var i in Enumerable.Range(0, weights.Count).OrderByDescending(i => exact[i] - parts[i]).ThenBy(i => i).Take((int)left))
            {
                parts[i]++;
            }

            return parts;
        }
    }
}
