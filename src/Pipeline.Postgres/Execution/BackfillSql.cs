using System.Globalization;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;

namespace Pipeline.Postgres.Execution;

/// <summary>
/// The keyset statements of a backfill (<see cref="BackfillSpec"/>): the upper key of the next batch and the batch's
/// UPDATE. Keys travel as text, one parameter per key column, cast to the key's type in SQL; composite keys use row
/// comparisons (<c>(a, b) &gt; ($1::t1, $2::t2)</c>), which a B-tree on the key serves
/// (https://www.postgresql.org/docs/current/functions-comparisons.html#ROW-WISE-COMPARISON).
/// </summary>
internal sealed class BackfillSql
{
    private readonly string table;
    private readonly List<string> keys;
    private readonly List<string> types;
    private readonly BackfillSpec spec;

    /// <summary>Builds the statements of <paramref name="spec"/>.</summary>
    public BackfillSql(BackfillSpec spec)
    {
        this.spec = spec;
        table = SqlIdentifiers.Qualified(spec.Table);
        keys = spec.KeyColumns.Select(SqlIdentifiers.Quote).ToList();
        types = spec.KeyColumns.Select((_, i) => CastType(i < spec.KeyTypes.Count ? spec.KeyTypes[i] : "text")).ToList();
        if (keys.Count == 0)
        {
            throw new InvalidOperationException($"the backfill of {spec.Table} has no key columns to batch by");
        }
    }

    /// <summary>Number of key columns (parameters per key value).</summary>
    public int KeyCount => keys.Count;

    /// <summary>
    /// The key (as text) of the last row of the next batch of <paramref name="size"/> rows after the high-water
    /// mark (parameters 1..n when <paramref name="afterHighWater"/>); no row when fewer rows remain.
    /// </summary>
    public string UpperKey(bool afterHighWater, int size) =>
        $"SELECT {string.Join(", ", keys.Select(k => k + "::text"))} FROM {table}"
        + (afterHighWater ? $" WHERE {KeyRow} > {ParamRow(1)}" : "")
        + $" ORDER BY {string.Join(", ", keys)} LIMIT 1 OFFSET {(Math.Max(1, size) - 1).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The batch UPDATE: rows after the high-water mark (parameters 1..n) up to and including the upper key (the next
    /// n parameters), where the predicate still holds. Without an upper key it is the final batch.
    /// </summary>
    public string Update(bool afterHighWater, bool hasUpper)
    {
        var conditions = new List<string>();
        var next = 1;
        if (afterHighWater)
        {
            conditions.Add($"{KeyRow} > {ParamRow(next)}");
            next += keys.Count;
        }

        if (hasUpper)
        {
            conditions.Add($"{KeyRow} <= {ParamRow(next)}");
        }

        conditions.Add($"({spec.Predicate})");
        return $"UPDATE {table} SET {spec.SetClause} WHERE {string.Join(" AND ", conditions)}";
    }

    /// <summary>The table's planner estimate of its row count (<c>pg_class.reltuples</c>); no parameters.</summary>
    public string EstimateRows =>
        $"SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass({SqlIdentifiers.Literal(table)})";

    private string KeyRow => keys.Count == 1 ? keys[0] : "(" + string.Join(", ", keys) + ")";

    private string ParamRow(int first)
    {
        var parts = types.Select((t, i) => $"${(first + i).ToString(CultureInfo.InvariantCulture)}::{t}").ToList();
        return parts.Count == 1 ? parts[0] : "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>A type usable in a cast: serial pseudo-types become their integer types.</summary>
    private static string CastType(string type) => PostgresTypeNames.Normalize(type) switch
    {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        var t => t,
    };
}
