namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Which column type changes PostgreSQL applies without rewriting the table: the binary-coercible casts and typmod
/// widenings that <c>ALTER TABLE … ALTER COLUMN … TYPE</c> recognises
/// (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES: "changing the type of an existing
/// column will require the entire table and its indexes to be rewritten … when the old type is either binary coercible
/// to the new type or an unconstrained domain over the new type, a table rewrite is not needed"). Every case here was
/// observed without a rewrite on PostgreSQL 15 (<c>pg_relation_filenode</c> unchanged). Anything else is treated as a
/// rewrite, including <c>timestamp</c> ↔ <c>timestamptz</c>, which skips the rewrite only when the session time zone
/// is UTC.
/// </summary>
internal static class TypeChangeRules
{
    /// <summary>Whether changing a column from <paramref name="from"/> to <paramref name="to"/> (both normalised) with
    /// <paramref name="usingExpression"/> is catalog-only.</summary>
    public static bool IsInPlace(string from, string to, string? usingExpression)
    {
        if (usingExpression is not null)
        {
            return false; // conservative: a USING expression may change every value
        }

        if (from == to)
        {
            return true;
        }

        if (from.EndsWith("[]", StringComparison.Ordinal) || to.EndsWith("[]", StringComparison.Ordinal))
        {
            return false;
        }

        var (fromName, fromMods) = PostgresTypeNames.Split(from);
        var (toName, toMods) = PostgresTypeNames.Split(to);

        switch (fromName)
        {
            case "character varying" when toName == "text":
                return true;
            case "character varying" when toName == "character varying":
                return toMods.Count == 0 || (fromMods.Count == 1 && toMods[0] >= fromMods[0]);
            case "text" when toName == "character varying":
                return toMods.Count == 0;
            case "numeric" when toName == "numeric":
                if (toMods.Count == 0)
                {
                    return true;
                }

                if (fromMods.Count == 0)
                {
                    return false;
                }

                var fromScale = fromMods.Count > 1 ? fromMods[1] : 0;
                var toScale = toMods.Count > 1 ? toMods[1] : 0;
                return fromScale == toScale && toMods[0] >= fromMods[0];
            case "cidr" when toName == "inet":
                return true;
            case "bit varying" or "bit" when toName == "bit varying":
                return toMods.Count == 0 || (fromMods.Count == 1 && toMods[0] >= fromMods[0]);
            case "timestamp without time zone" or "timestamp with time zone" or "time without time zone" or "interval"
                when toName == fromName:
                // No precision means 6, the maximum.
                var fromPrecision = fromMods.Count == 0 ? 6 : fromMods[0];
                var toPrecision = toMods.Count == 0 ? 6 : toMods[0];
                return toPrecision >= fromPrecision;
            default:
                return false;
        }
    }
}
