namespace Pipeline.Postgres.Staging;

/// <summary>
/// Lays a column's values out over the rows of a synthetic table: the exact number of rows per value of the
/// <see cref="ColumnDomain"/>, in value order, then a share 1 − |correlation| of the positions shuffled among
/// themselves (so the correlation between physical order and value order, which PostgreSQL measures in
/// <c>pg_stats.correlation</c>, is about the production one; descending for a negative one), and the NULLs at
/// random positions.
/// </summary>
internal static class RowArranger
{
    /// <summary>The id of a NULL.</summary>
    public const int Null = int.MinValue;

    /// <summary>Per row the value id: ≥ 0 a rest value, &lt; 0 a common value (−1 − index), <see cref="Null"/>.</summary>
    public static int[] Arrange(ColumnDomain domain, int rows, double correlation, Random random)
    {
        var nonNull = (int)Math.Min(rows, domain.RestRows + domain.McvRows.Sum());
        var values = new int[nonNull];
        var at = 0;
        var mcvOrder = Enumerable.Range(0, domain.Mcv.Length).OrderBy(j => domain.McvBefore[j]).ToArray();
        var next = 0;
        var perRest = domain.RestDistinct == 0 ? 0 : domain.RestRows / domain.RestDistinct;
        var extra = domain.RestDistinct == 0 ? 0 : domain.RestRows % domain.RestDistinct;
        for (var k = 0; k <= domain.RestDistinct; k++)
        {
            while (next < mcvOrder.Length && Math.Min(domain.McvBefore[mcvOrder[next]], domain.RestDistinct) <= k)
            {
                var j = mcvOrder[next++];
                for (var r = 0L; r < domain.McvRows[j] && at < nonNull; r++)
                {
                    values[at++] = -j - 1;
                }
            }

            if (k == domain.RestDistinct)
            {
                break;
            }

            var count = perRest + (k < extra ? 1 : 0);
            for (var r = 0L; r < count && at < nonNull; r++)
            {
                values[at++] = k;
            }
        }

        if (correlation < 0)
        {
            Array.Reverse(values, 0, at);
        }

        Shuffle(values, at, 1 - Math.Min(1, Math.Abs(correlation)), random);
        if (at == rows)
        {
            return values;
        }

        // Selection sampling: exactly rows − at NULLs at uniformly random positions.
        var result = new int[rows];
        var nulls = rows - at;
        var source = 0;
        for (var i = 0; i < rows; i++)
        {
            if (random.NextDouble() * (rows - i) < nulls)
            {
                result[i] = Null;
                nulls--;
            }
            else
            {
                result[i] = source < at ? values[source++] : Null;
            }
        }

        return result;
    }

    /// <summary>Picks each position with probability <paramref name="share"/> and permutes the picked ones.</summary>
    private static void Shuffle(int[] values, int length, double share, Random random)
    {
        if (share <= 0)
        {
            return;
        }

        var picked = new List<int>((int)(length * share) + 16);
        for (var i = 0; i < length; i++)
        {
            if (share >= 1 || random.NextDouble() < share)
            {
                picked.Add(i);
            }
        }

        for (var i = picked.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[picked[i]], values[picked[j]]) = (values[picked[j]], values[picked[i]]);
        }
    }
}
