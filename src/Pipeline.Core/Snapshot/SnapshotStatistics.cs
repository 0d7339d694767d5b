namespace Pipeline.Core.Snapshot;

/// <summary>
/// The optional <c>statistics</c> section of a snapshot (<c>pipeline snapshot --with-stats</c>): what the server's
/// planner knows about the data, never the rows themselves. PostgreSQL: <c>pg_class</c>
/// (https://www.postgresql.org/docs/current/catalog-pg-class.html), <c>pg_stats</c>
/// (https://www.postgresql.org/docs/current/view-pg-stats.html) and, when installed and readable,
/// <c>pg_stat_statements</c> (https://www.postgresql.org/docs/current/pgstatstatements.html). Snapshots without it
/// load as before; the section does not take part in any fingerprint.
/// </summary>
/// <param name="Tables">Per-table statistics, in the snapshot's table order (tables the role could not read, or that
/// were never analysed, are still listed, with their columns missing; see <paramref name="Warnings"/>).</param>
/// <param name="TopStatements">The most called statements of the database (<c>pg_stat_statements</c>), most calls
/// first; <c>null</c> when the extension is not installed or not readable.</param>
/// <param name="Warnings">What could not be read and why, one sentence each (e.g. the tables without column
/// statistics); empty when everything was read.</param>
public sealed record SnapshotStatistics(
    IReadOnlyList<TableStatistics> Tables,
    IReadOnlyList<TopStatement>? TopStatements = null,
    IReadOnlyList<string>? Warnings = null)
{
    /// <summary>Finds a table's statistics by schema and name, or <c>null</c>.</summary>
    public TableStatistics? Find(string schema, string table) =>
        Tables.FirstOrDefault(t => t.Schema == schema && t.Name == table);
}

/// <summary>
/// One table's statistics. For a partitioned table, the sums over its leaf partitions and the column statistics of
/// the whole inheritance tree (<c>pg_stats.inherited = true</c>).
/// </summary>
/// <param name="Schema">Schema name.</param>
/// <param name="Name">Table name.</param>
/// <param name="RelTuples">Estimated rows (<c>pg_class.reltuples</c>); -1 when the table was never vacuumed or
/// analysed (PostgreSQL 14 and later).</param>
/// <param name="RelPages">Heap pages (<c>pg_class.relpages</c>, 8 KiB each by default).</param>
/// <param name="TableBytes">Heap + TOAST + free space and visibility maps, in bytes (<c>pg_table_size</c>).</param>
/// <param name="IndexBytes">All indexes, in bytes (<c>pg_indexes_size</c>).</param>
/// <param name="TotalBytes">Table and indexes, in bytes (<c>pg_total_relation_size</c>).</param>
/// <param name="Columns">Per-column statistics of the columns <c>pg_stats</c> showed, in column order.</param>
public sealed record TableStatistics(
    string Schema,
    string Name,
    double RelTuples,
    long RelPages,
    long TableBytes,
    long IndexBytes,
    long TotalBytes,
    IReadOnlyList<ColumnStatistics> Columns)
{
    /// <summary>Finds a column's statistics by name, or <c>null</c>.</summary>
    public ColumnStatistics? Find(string column) => Columns.FirstOrDefault(c => c.Name == column);
}

/// <summary>
/// One column's row of <c>pg_stats</c> (https://www.postgresql.org/docs/current/view-pg-stats.html). Values are in
/// the column type's text form (read with <c>DateStyle = ISO</c>, <c>TimeZone = UTC</c>).
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="NullFrac">Fraction of entries that are NULL (0–1).</param>
/// <param name="AvgWidth">Average width in bytes of the non-NULL entries.</param>
/// <param name="NDistinct">Distinct non-NULL values: a positive number is a count; a negative one is minus a
/// fraction of the rows (-1: every value distinct), which scales with the table.</param>
/// <param name="MostCommonVals">The most common values, or <c>null</c>.</param>
/// <param name="MostCommonFreqs">Their frequencies (fractions of all rows, NULLs included), or <c>null</c>.</param>
/// <param name="HistogramBounds">Bounds dividing the other values into groups of about equal population, or
/// <c>null</c>.</param>
/// <param name="Correlation">Statistical correlation between physical row order and the logical order of the values
/// (-1 to 1), or <c>null</c>.</param>
/// <param name="BaseType">For a column of a domain type: the domain's base type (<c>format_type</c> spelling), used
/// by <c>staging create</c>, since the model does not carry domains; otherwise <c>null</c>.</param>
/// <param name="Unread">True when <c>pg_stats</c> had no row for the column (never analysed, or not readable by the
/// role): only <paramref name="BaseType"/> is meaningful then. Written only when true.</param>
public sealed record ColumnStatistics(
    string Name,
    double NullFrac,
    int AvgWidth,
    double NDistinct,
    IReadOnlyList<string>? MostCommonVals = null,
    IReadOnlyList<double>? MostCommonFreqs = null,
    IReadOnlyList<string>? HistogramBounds = null,
    double? Correlation = null,
    string? BaseType = null,
    bool? Unread = null)
{
    /// <summary>The number of distinct non-NULL values in a table of <paramref name="rows"/> rows: the count itself,
    /// or the fraction times the rows for a negative <see cref="NDistinct"/>.</summary>
    public double DistinctFor(double rows) => NDistinct >= 0 ? NDistinct : -NDistinct * rows;
}

/// <summary>A statement of <c>pg_stat_statements</c> with the number of times it ran.</summary>
/// <param name="Query">The normalised statement text (constants replaced by <c>$1</c>, <c>$2</c>, …).</param>
/// <param name="Calls">Times executed since the statistics were last reset.</param>
public sealed record TopStatement(string Query, long Calls);
