using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Snapshot;

namespace Pipeline.Postgres.Staging;

/// <summary>
/// The values one column of a synthetic table takes and how many rows get each, derived from the column's
/// <c>pg_stats</c> row (https://www.postgresql.org/docs/current/view-pg-stats.html) scaled to the staging row count:
/// NULLs (<c>null_frac</c>), the most common values at their frequencies, and the rest spread evenly over as many
/// further values as make ANALYZE's estimate of the synthetic column's <c>n_distinct</c> production's
/// (<see cref="AnalyzeDistinctEstimate"/>; on a table no larger than ANALYZE's sample, <c>n_distinct</c> minus the
/// common values), placed by the histogram's quantiles between its bounds. The rest values are strictly increasing
/// in their index and never equal a common value, so the distinct count is exact. Integers, numerics, dates,
/// timestamps and times stay within production's observed [min, max] (the histogram's first and last bounds and the
/// common values; a range partition without DEFAULT accepts nothing else), and their count is capped at what that span
/// holds besides the common values (a unique column excepted: it needs every row distinct).
/// </summary>
internal sealed class ColumnDomain
{
    private static readonly bool[] Booleans = [false, true];

    /// <summary>The common values (typed for the importer).</summary>
    public required object[] Mcv { get; init; }

    /// <summary>Rows per common value.</summary>
    public required long[] McvRows { get; init; }

    /// <summary>Per common value, the rest index it sorts before (value order).</summary>
    public required int[] McvBefore { get; init; }

    /// <summary>Distinct values besides the common ones.</summary>
    public required int RestDistinct { get; init; }

    /// <summary>Rows taking one of the rest values.</summary>
    public required long RestRows { get; init; }

    /// <summary>Rows that are NULL.</summary>
    public required long NullRows { get; init; }

    /// <summary>The rest value of index k (0 ≤ k &lt; <see cref="RestDistinct"/>), increasing in k.</summary>
    public required Func<int, object> Rest { get; init; }

    /// <summary>Writes the rest value of index k with the importer, typed as <see cref="Rest"/> returns it but
    /// without boxing (the load's hot path).</summary>
    public required Action<NpgsqlBinaryImporter, int> WriteRest { get; init; }

    /// <summary>A foreign key's domain: the referenced row of rest index k (what <see cref="Rest"/> boxes), else
    /// <c>null</c>.</summary>
    public Func<int, int>? RestRow { get; init; }

    /// <summary>The typed value of an id of <see cref="RowArranger"/> (≥ 0 rest, &lt; 0 common value).</summary>
    public object Value(int id) => id >= 0 ? Rest(id) : Mcv[-id - 1];

    /// <summary>A foreign key's domain: the referenced row of an id (≥ 0 rest, &lt; 0 common value).</summary>
    public int ParentRow(int id) => id >= 0 ? RestRow!(id) : (int)Mcv[-id - 1];

    /// <summary>Writes the value of an id of <see cref="RowArranger"/> (NULL for <see cref="RowArranger.Null"/>) as
    /// <paramref name="type"/>.</summary>
    public void Write(NpgsqlBinaryImporter importer, int id, NpgsqlDbType type)
    {
        if (id >= 0)
        {
            WriteRest(importer, id);
        }
        else if (id == RowArranger.Null)
        {
            importer.WriteNull();
        }
        else
        {
            BinaryValueWriter.Write(importer, Mcv[-id - 1], type);
        }
    }

    /// <summary>Builds the domain of an ordinary column.</summary>
    /// <param name="kind">The staging column's type.</param>
    /// <param name="stats">Production's statistics, or <c>null</c> (then every value distinct, no NULLs).</param>
    /// <param name="rows">Staging rows.</param>
    /// <param name="nullable">Whether NULL is allowed.</param>
    /// <param name="unique">Whether the column alone is a primary or unique key (every value distinct).</param>
    /// <param name="sampleRows">The rows ANALYZE samples on staging (300 × statistics target).</param>
    public static ColumnDomain Build(ColumnKind kind, ColumnStatistics? stats, long rows, bool nullable, bool unique, double sampleRows)
    {
        var family = kind.Family;
        var scale = kind.NumericScale ?? InferScale(stats);
        var parsed = new List<(object Value, double Freq, string Text)>();
        if (stats is { MostCommonVals: { } vals, MostCommonFreqs: { } freqs } && !unique)
        {
            for (var i = 0; i < vals.Count && i < freqs.Count; i++)
            {
                if (Parse(kind, vals[i], scale) is { } v)
                {
                    parsed.Add((v, freqs[i], vals[i]));
                }
            }
        }

        var bounds = stats?.HistogramBounds ?? [];
        var span = family == ValueFamily.Scaled && !unique ? ScaledSpan(kind, bounds, parsed, scale) : null;
        var most = family switch
        {
            ValueFamily.Boolean => 2 - parsed.Count,
            ValueFamily.Scaled when span is { } s => SpanCapacity(s, parsed.Select(p => kind.ParseScaled(p.Text, scale))),
            _ => int.MaxValue,
        };
        var counts = Counts(stats, rows, nullable, unique, parsed.Select(p => p.Freq).ToList(), most, sampleRows);
        if (family == ValueFamily.Enum)
        {
            counts = counts with { RestDistinct = Math.Min(counts.RestDistinct, kind.EnumLabels!.Count(l => parsed.All(p => p.Text != l))) };
            if (counts.RestDistinct == 0 && counts.RestRows > 0)
            {
                counts = MoveRestToCommon(counts);
            }
        }

        var mcvTexts = parsed.Select(p => p.Text).ToList();
        var wire = kind.WireType;
        var (rest, write, before) = family switch
        {
            ValueFamily.Scaled => ScaledRest(kind, bounds, parsed, counts.RestDistinct, scale, span),
            ValueFamily.Float => FloatRest(bounds, parsed, counts.RestDistinct, wire),
            ValueFamily.Text => TextRest(bounds, mcvTexts, counts.RestDistinct, RestWidth(stats, parsed, counts, rows), kind.MaxLength ?? int.MaxValue, wire),
            ValueFamily.Enum => EnumRest(kind, mcvTexts, wire),
            ValueFamily.Boolean => BoolRest(parsed, wire),
            ValueFamily.Uuid => Typed(UuidOf, wire, parsed.Select((_, j) => j * counts.RestDistinct / Math.Max(1, parsed.Count)).ToArray()),
            ValueFamily.Bytes => BytesRest(stats, counts.RestDistinct, parsed.Count, wire),
            _ => throw new InvalidOperationException($"type {kind.TypeName} cannot be synthesised"),
        };

        return new ColumnDomain
        {
            Mcv = parsed.Select(p => p.Value).ToArray(),
            McvRows = counts.McvRows,
            McvBefore = before,
            RestDistinct = counts.RestDistinct,
            RestRows = counts.RestRows,
            NullRows = counts.NullRows,
            Rest = rest,
            WriteRest = write,
        };
    }

    /// <summary>A rest function both boxed (<see cref="Rest"/>) and as a typed importer write.</summary>
    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) Typed<T>(Func<int, T> value, NpgsqlDbType type, int[] before)
        where T : notnull =>
        (k => value(k), (importer, k) => importer.Write(value(k), type), before);

    /// <summary>
    /// The domain of a foreign key's columns: values are indices into <paramref name="parentKeys"/> (the referenced
    /// rows, in key order), so every non-NULL value references an existing row. The first column's statistics give
    /// the shape; a common value that exists among the referenced keys keeps its identity.
    /// </summary>
    public static ColumnDomain ForeignKey(ColumnKind kind, ColumnStatistics? stats, long rows, bool nullable, bool unique, IReadOnlyList<object[]> parentKeys, double sampleRows)
    {
        var scale = kind.NumericScale ?? InferScale(stats);
        var index = new Dictionary<object, int>();
        for (var i = 0; i < parentKeys.Count; i++)
        {
            index.TryAdd(parentKeys[i][0], i);
        }

        var mcv = new List<(int Row, double Freq)>();
        if (stats is { MostCommonVals: { } vals, MostCommonFreqs: { } freqs } && !unique)
        {
            for (var i = 0; i < vals.Count && i < freqs.Count; i++)
            {
                if (Parse(kind, vals[i], scale) is { } v && index.TryGetValue(v, out var row) && mcv.All(m => m.Row != row))
                {
                    mcv.Add((row, freqs[i]));
                }
            }
        }

        var taken = mcv.Select(m => m.Row).ToHashSet();
        var free = Enumerable.Range(0, parentKeys.Count).Where(i => !taken.Contains(i)).ToArray();
        var counts = Counts(stats, rows, nullable, unique, mcv.Select(m => m.Freq).ToList(), free.Length, sampleRows);
        if (parentKeys.Count == 0)
        {
            counts = new RowCounts(rows, [.. mcv.Select(_ => 0L)], 0, 0);
        }

        var distinct = counts.RestDistinct;
        return new ColumnDomain
        {
            Mcv = mcv.Select(m => (object)m.Row).ToArray(),
            McvRows = counts.McvRows,
            McvBefore = mcv.Select(m => (int)Math.Min(distinct, (long)LowerBound(free, m.Row) * distinct / Math.Max(1, free.Length))).ToArray(),
            RestDistinct = distinct,
            RestRows = counts.RestRows,
            NullRows = counts.NullRows,
            Rest = k => free[(int)((long)k * free.Length / Math.Max(1, distinct))],
            RestRow = k => free[(int)((long)k * free.Length / Math.Max(1, distinct))],
            WriteRest = (_, _) => throw new InvalidOperationException("a foreign key writes its referenced row's key (ParentRow)"),
        };
    }

    /// <summary>The shape of a column's rows: NULLs, rows per common value, rest rows and distinct rest values.</summary>
    internal sealed record RowCounts(long NullRows, long[] McvRows, long RestRows, int RestDistinct);

    /// <summary>Row counts from the statistics: exact numbers of NULLs and of each common value (frequency × rows),
    /// the remaining rows spread evenly over as many further values as make ANALYZE's expected estimate of
    /// <c>n_distinct</c> production's (<see cref="AnalyzeDistinctEstimate.RestDistinctFor"/>; <c>n_distinct</c> −
    /// common values when ANALYZE reads every row); every value distinct for a key or without statistics.</summary>
    internal static RowCounts Counts(ColumnStatistics? stats, long rows, bool nullable, bool unique, IReadOnlyList<double> freqs, int maxRestDistinct, double sampleRows)
    {
        var nullFrac = nullable && stats is not null ? Math.Clamp(stats.NullFrac, 0, 1) : 0;
        var nulls = (long)Math.Round(rows * nullFrac);
        var nonNull = rows - nulls;
        var mcvRows = freqs.Select(f => (long)Math.Round(rows * f)).ToArray();
        var total = mcvRows.Sum();
        if (total > nonNull && total > 0)
        {
            mcvRows = mcvRows.Select(c => c * nonNull / total).ToArray();
            total = mcvRows.Sum();
        }

        var restRows = nonNull - total;
        double distinct = unique || stats is null ? nonNull : stats.DistinctFor(rows);
        var restDistinct = (long)Math.Round(Math.Min(distinct - freqs.Count, restRows));
        var most = Math.Min(int.MaxValue, Math.Max(0, maxRestDistinct));
        var least = Math.Min(most, restRows > 0 && distinct - freqs.Count >= 0.5 ? 1 : 0);
        restDistinct = Math.Clamp(restDistinct, least, most);
        if (!unique && stats is not null && restDistinct > 0)
        {
            restDistinct = AnalyzeDistinctEstimate.RestDistinctFor(distinct, mcvRows, restRows, rows, sampleRows, Math.Max(1, least), Math.Min(most, restRows));
        }

        var counts = new RowCounts(nulls, mcvRows, restRows, (int)restDistinct);
        return restDistinct == 0 && restRows > 0 ? MoveRestToCommon(counts) : counts;
    }

    private static RowCounts MoveRestToCommon(RowCounts counts)
    {
        if (counts.McvRows.Length == 0)
        {
            return counts with { NullRows = counts.NullRows + counts.RestRows, RestRows = 0 };
        }

        var rows = counts.McvRows.ToArray();
        var total = Math.Max(1, rows.Sum());
        var left = counts.RestRows;
        for (var j = 0; j < rows.Length; j++)
        {
            var add = j == rows.Length - 1 ? left : counts.RestRows * counts.McvRows[j] / total;
            rows[j] += add;
            left -= add;
        }

        return counts with { McvRows = rows, RestRows = 0, RestDistinct = 0 };
    }

    private static int InferScale(ColumnStatistics? stats)
    {
        var texts = (stats?.MostCommonVals ?? []).Concat(stats?.HistogramBounds ?? []);
        return texts.Select(t => t.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? t.Length - dot - 1 : 0).DefaultIfEmpty(0).Max();
    }

    /// <summary>A value in the column type's text form, typed for the importer; <c>null</c> if it does not parse.</summary>
    internal static object? Parse(ColumnKind kind, string text, int scale)
    {
        var inv = CultureInfo.InvariantCulture;
        return kind.Family switch
        {
            ValueFamily.Scaled => kind.ParseScaled(text, scale) is { } u ? kind.FromScaled(u, scale) : null,
            ValueFamily.Float => double.TryParse(text, NumberStyles.Float, inv, out var d) ? (kind.BaseName == "float4" ? (float)d : d) : null,
            ValueFamily.Text => text,
            ValueFamily.Enum => kind.EnumLabels!.Contains(text) ? text : null,
            ValueFamily.Boolean => text switch { "t" or "true" => true, "f" or "false" => false, _ => null },
            ValueFamily.Uuid => Guid.TryParse(text, out var g) ? g : null,
            ValueFamily.Bytes => text.StartsWith("\\x", StringComparison.Ordinal) ? Convert.FromHexString(text[2..]) : Encoding.UTF8.GetBytes(text),
            _ => null,
        };
    }

    /// <summary>Production's observed range of a <see cref="ValueFamily.Scaled"/> column in units: from the smaller
    /// of the histogram's first bound and the least common value to the larger of its last bound and the greatest
    /// common value, within the type's <see cref="ColumnKind.Range"/>; <c>null</c> when the statistics hold neither.</summary>
    private static (long Lo, long Hi)? ScaledSpan(ColumnKind kind, IReadOnlyList<string> bounds, List<(object Value, double Freq, string Text)> mcv, int scale)
    {
        var seen = mcv.Select(m => kind.ParseScaled(m.Text, scale));
        if (bounds.Count >= 2)
        {
            seen = seen.Append(kind.ParseScaled(bounds[0], scale)).Append(kind.ParseScaled(bounds[^1], scale));
        }

        var units = seen.OfType<long>().ToArray();
        if (units.Length == 0)
        {
            return null;
        }

        var (min, max) = kind.Range;
        return (Math.Clamp(units.Min(), min, max), Math.Clamp(units.Max(), min, max));
    }

    /// <summary>How many values besides the common ones the span holds (each unit once), at most
    /// <see cref="int.MaxValue"/>.</summary>
    private static int SpanCapacity((long Lo, long Hi) span, IEnumerable<long?> mcvUnits)
    {
        var inside = mcvUnits.OfType<long>().Where(u => u >= span.Lo && u <= span.Hi).Distinct().Count();
        return (int)Math.Clamp((decimal)span.Hi - span.Lo + 1 - inside, 0, int.MaxValue);
    }

    /// <summary>
    /// The rest values of a <see cref="ValueFamily.Scaled"/> column: at the histogram's quantiles, each at least one
    /// unit above the one before and never a common value, then pulled back where that pushed them past the top of
    /// <paramref name="span"/> (production's observed [min, max], <see cref="ScaledSpan"/>), so every value lies within
    /// it. <see cref="Build"/> caps <paramref name="distinct"/> at what the span holds (<see cref="SpanCapacity"/>):
    /// a date column spanning a year gets at most 366 values less its common days, whatever its n_distinct asks.
    /// Without a span (no statistics, or a unique column, which needs every row's value distinct even at a
    /// <c>--scale</c> above 1), values go on upwards as the type allows.
    /// </summary>
    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) ScaledRest(ColumnKind kind, IReadOnlyList<string> bounds, List<(object Value, double Freq, string Text)> mcv, int distinct, int scale, (long Lo, long Hi)? span)
    {
        var b = bounds.Select(t => kind.ParseScaled(t, scale)).Where(v => v is not null).Select(v => (double)v!.Value).ToArray();
        var mcvUnits = mcv.Select(m => kind.ParseScaled(m.Text, scale) ?? 0).ToArray();
        if (b.Length < 2)
        {
            var lo = mcvUnits.Length > 0 ? mcvUnits.Min() : 1;
            b = span is { } s && s.Hi > s.Lo ? [s.Lo, s.Hi] : [lo, lo + Math.Max(distinct, 1)];
        }

        var avoid = mcvUnits.ToHashSet();
        var values = new long[distinct];
        var (min, max) = kind.Range;
        var (bottom, top) = span ?? (min, max);
        var prev = long.MinValue;
        for (var k = 0; k < distinct; k++)
        {
            var v = Math.Max(bottom, (long)Math.Floor(Quantile(b, (k + 0.5) / distinct)));
            v = prev == long.MinValue ? v : Math.Max(v, prev + 1);
            while (avoid.Contains(v))
            {
                v++;
            }

            values[k] = v;
            prev = v;
        }

        // Backwards from the top: each value at most one free unit below the next (the span holds them all).
        for (var k = distinct - 1; k >= 0; k--)
        {
            var limit = k == distinct - 1 ? top : values[k + 1] - 1;
            while (avoid.Contains(limit))
            {
                limit--;
            }

            values[k] = Math.Min(values[k], limit);
        }

        var before = mcvUnits.Select(u => LowerBound(values, u)).ToArray();
        var write = kind.ScaledWriter(scale);
        return (k => kind.FromScaled(values[k], scale), (importer, k) => write(importer, values[k]), before);
    }

    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) FloatRest(
        IReadOnlyList<string> bounds, List<(object Value, double Freq, string Text)> mcv, int distinct, NpgsqlDbType wire)
    {
        var b = bounds.Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN)
            .Where(double.IsFinite).ToArray();
        var mcvValues = mcv.Select(m => Convert.ToDouble(m.Value, CultureInfo.InvariantCulture)).ToArray();
        if (b.Length < 2)
        {
            b = [0, Math.Max(distinct, 1)];
        }

        var isFloat4 = mcv.Count > 0 && mcv[0].Value is float;
        var avoid = mcvValues.ToHashSet();
        var values = new double[distinct];
        var prev = double.NegativeInfinity;
        for (var k = 0; k < distinct; k++)
        {
            var v = Quantile(b, (k + 0.5) / distinct);
            if (isFloat4)
            {
                v = (float)v;
            }

            while (v <= prev || avoid.Contains(v))
            {
                v = isFloat4 ? MathF.BitIncrement((float)v) : Math.BitIncrement(v);
            }

            values[k] = v;
            prev = v;
        }

        return Typed(k => values[k], wire, mcvValues.Select(u => LowerBound(values, u)).ToArray());
    }

    private static int RestWidth(ColumnStatistics? stats, List<(object Value, double Freq, string Text)> mcv, RowCounts counts, long rows)
    {
        if (stats is null || counts.RestRows == 0)
        {
            return 8;
        }

        // avg_width counts the non-NULL entries' bytes (1-byte varlena header for short values).
        var nonNull = rows - counts.NullRows;
        var totalBytes = (double)stats.AvgWidth * nonNull;
        var mcvBytes = mcv.Select((m, j) => (Encoding.UTF8.GetByteCount(m.Text) + 1.0) * counts.McvRows[j]).Sum();
        return (int)Math.Max(1, Math.Round((totalBytes - mcvBytes) / counts.RestRows) - 1);
    }

    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) TextRest(
        IReadOnlyList<string> bounds, List<string> mcv, int distinct, int width, int max, NpgsqlDbType wire)
    {
        var digits = Math.Max(1, (int)Math.Ceiling(Math.Log(Math.Max(distinct, 2), 36)));
        var bins = bounds.Count >= 2 ? bounds : ["v", "v"];
        var avoid = mcv.ToHashSet(StringComparer.Ordinal);
        var target = Math.Min(max, Math.Max(width, digits + 1));

        // Per histogram bin the value's head: the bin's lower bound cut to leave room for "~" and the suffix.
        var heads = new string[bins.Count - 1];
        for (var bin = 0; bin < heads.Length; bin++)
        {
            heads[bin] = bins[bin][..Math.Max(0, Math.Min(bins[bin].Length, target - digits - 1))] + "~";
        }

        // head + base-36 suffix of k, padded with 'x' to the target width; only the suffix's tail when even the
        // head does not fit; a value equal to a common one ends in '#' instead.
        string Make(int k)
        {
            var head = heads[Math.Min(bins.Count - 2, (int)((k + 0.5) / distinct * (bins.Count - 1)))];
            string s;
            if (head.Length + digits > max)
            {
                s = Base36(k, digits)[^Math.Min(digits, max)..];
            }
            else
            {
                s = string.Create(Math.Max(head.Length + digits, target), (head, k, digits), static (span, state) =>
                {
                    state.head.AsSpan().CopyTo(span);
                    WriteBase36(span.Slice(state.head.Length, state.digits), state.k);
                    span[(state.head.Length + state.digits)..].Fill('x');
                });
            }

            return avoid.Count > 0 && avoid.Contains(s) ? s[..^1] + "#" : s;
        }

        var before = mcv.Select(m =>
        {
            var bin = 0;
            while (bin < bins.Count - 1 && string.CompareOrdinal(bins[bin + 1], m) <= 0)
            {
                bin++;
            }

            return (int)Math.Min(distinct, (long)bin * distinct / Math.Max(1, bins.Count - 1));
        }).ToArray();
        return Typed(Make, wire, before);
    }

    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) EnumRest(ColumnKind kind, List<string> mcv, NpgsqlDbType wire)
    {
        var rest = kind.EnumLabels!.Where(l => !mcv.Contains(l)).ToList();
        var order = kind.EnumLabels!.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var before = mcv.Select(m => rest.Count(r => order[r] < order[m])).ToArray();
        return Typed(k => rest[k], wire, before);
    }

    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) BoolRest(List<(object Value, double Freq, string Text)> mcv, NpgsqlDbType wire)
    {
        var rest = Booleans.Where(b => mcv.All(m => !m.Value.Equals(b))).ToList();
        var before = mcv.Select(m => (bool)m.Value ? rest.Count : 0).ToArray();
        return Typed(k => rest[k], wire, before);
    }

    private static (Func<int, object>, Action<NpgsqlBinaryImporter, int>, int[]) BytesRest(ColumnStatistics? stats, int distinct, int mcvCount, NpgsqlDbType wire)
    {
        var width = Math.Max(4, (stats?.AvgWidth ?? 8) - (stats?.AvgWidth > 127 ? 4 : 1));
        return Typed(k =>
        {
            var bytes = new byte[width];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, k);
            return bytes;
        }, wire, Enumerable.Range(0, mcvCount).Select(j => j * distinct / Math.Max(1, mcvCount)).ToArray());
    }

    /// <summary>16 bytes increasing (memcmp order, as uuid compares) in k, with pseudo-random low bytes.</summary>
    private static Guid UuidOf(int k)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, k);
        bytes[4..8].Clear();
        var h = (ulong)k * 0x9E3779B97F4A7C15UL;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], h);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The value at fraction p (0–1) of a histogram: linear between consecutive bounds, each bin holding an
    /// equal share of the rows.</summary>
    internal static double Quantile(double[] bounds, double p)
    {
        var x = Math.Clamp(p, 0, 1) * (bounds.Length - 1);
        var i = Math.Min(bounds.Length - 2, (int)Math.Floor(x));
        return bounds[i] + ((x - i) * (bounds[i + 1] - bounds[i]));
    }

    private static int LowerBound<T>(T[] sorted, T value) where T : IComparable<T>
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid].CompareTo(value) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static string Base36(int k, int digits)
    {
        var chars = new char[digits];
        WriteBase36(chars, k);
        return new string(chars);
    }

    /// <summary>k in base 36 over exactly the span's length (most significant first; higher digits cut off).</summary>
    private static void WriteBase36(Span<char> chars, int k)
    {
        const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[k % 36];
            k /= 36;
        }
    }
}
