using System.Globalization;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>Draws the values of one or more consecutive <c>$n</c> parameters of a load statement. Values are SQL
/// literals as text (or <c>null</c>), sent untyped so the server gives them the type the statement needs.</summary>
internal interface IParameterSource
{
    /// <summary>How many parameters one draw fills.</summary>
    int Count { get; }

    /// <summary>Writes <see cref="Count"/> values at <paramref name="offset"/>.</summary>
    void Fill(Random random, string?[] values, int offset);
}

/// <summary>A uniformly drawn integer between <paramref name="Min"/> and <paramref name="Max"/> inclusive (e.g. a key
/// range).</summary>
internal sealed record RangeSource(long Min, long Max) : IParameterSource
{
    /// <inheritdoc />
    public int Count => 1;

    /// <inheritdoc />
    public void Fill(Random random, string?[] values, int offset) =>
        values[offset] = random.NextInt64(Min, Max == long.MaxValue ? Max : Max + 1).ToString(CultureInfo.InvariantCulture);
}

/// <summary>One of <paramref name="Rows"/>, drawn uniformly: each row fills <see cref="Count"/> parameters together
/// (a sampled composite key, a sampled value).</summary>
internal sealed record ValuesSource(IReadOnlyList<string?[]> Rows) : IParameterSource
{
    /// <inheritdoc />
    public int Count => Rows[0].Length;

    /// <inheritdoc />
    public void Fill(Random random, string?[] values, int offset)
    {
        var row = Rows[random.Next(Rows.Count)];
        Array.Copy(row, 0, values, offset, row.Length);
    }
}

/// <summary>A fresh integer key for an insert: one above the highest existing key, counting up; shared by every
/// statement and client that inserts into the same table, so no two inserts draw the same key.</summary>
internal sealed class NewKeySource(long highest) : IParameterSource
{
    private long _last = highest;

    /// <inheritdoc />
    public int Count => 1;

    /// <inheritdoc />
    public void Fill(Random random, string?[] values, int offset) =>
        values[offset] = Interlocked.Increment(ref _last).ToString(CultureInfo.InvariantCulture);
}
