namespace Pipeline.Postgres.Execution;

/// <summary>
/// One key range of a backfill split across workers, as the journal records it (<c>pipeline.journal_ranges</c>):
/// the keys after <see cref="Lower"/> up to and including <see cref="Upper"/>. Bounds and mark are JSON arrays of
/// the key's columns as text (the form of the single stream's high-water mark); <c>null</c> bounds are open.
/// </summary>
/// <param name="Number">Range number, from 0 in key order.</param>
/// <param name="Lower">Exclusive lower bound, or <c>null</c> (below every key).</param>
/// <param name="Upper">Inclusive upper bound, or <c>null</c> (above every key).</param>
/// <param name="HighWater">The range's high-water mark (last key of its last committed batch), or <c>null</c>
/// before its first batch.</param>
/// <param name="RowsDone">Rows the range's batches updated, rows.</param>
/// <param name="Done">Whether the range's last batch ran and its completion was recorded.</param>
internal sealed record BackfillRange(int Number, string? Lower, string? Upper, string? HighWater, long RowsDone, bool Done);
