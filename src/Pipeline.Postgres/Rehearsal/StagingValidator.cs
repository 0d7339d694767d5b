using System.Globalization;
using Npgsql;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Release;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Postgres.Rehearsal;

/// <summary>
/// The catalog reads and checks of a rehearsal. The reads take an open connection to staging and let driver errors
/// through (the caller guards them); the checks compare a state before the run with the state after and are pure.
/// System schemas (<c>pg_*</c>, <c>information_schema</c>) and the journal schema are never looked at.
/// </summary>
internal static class StagingValidator
{
    /// <summary>Name of the check that staging is the schema the plan was computed against.</summary>
    public const string SourceCheck = "staging is the planned source schema";

    /// <summary>Name of the row count check.</summary>
    public const string RowCountCheck = "row counts unchanged";

    /// <summary>Name of the constraint check.</summary>
    public const string ConstraintCheck = "added constraints are VALID";

    /// <summary>Name of the index check.</summary>
    public const string IndexCheck = "no INVALID index left";

    /// <summary>Name of the desired-schema check.</summary>
    public const string SchemaCheck = "staging schema equals the desired schema";

    private const int MaxListed = 20;

    private const string NotValidConstraintsSql = """
        SELECT n.nspname, c.relname, con.conname
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT con.convalidated
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> @journal
        ORDER BY 1, 2, 3
        """;

    /// <summary>Exact row counts (<c>count(*)</c>) of <paramref name="tables"/>; a table that does not exist counts
    /// -1.</summary>
    public static async Task<IReadOnlyDictionary<QualifiedName, long>> CountRowsAsync(
        NpgsqlConnection connection, IEnumerable<QualifiedName> tables, CancellationToken ct)
    {
        var counts = new Dictionary<QualifiedName, long>();
        foreach (var table in tables.Distinct())
        {
            var qualified = SqlIdentifiers.Qualified(table);
            await using (var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection))
            {
                exists.Parameters.AddWithValue("name", qualified);
                if (await exists.ExecuteScalarAsync(ct) is not true)
                {
                    counts[table] = -1;
                    continue;
                }
            }

            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {qualified}", connection);
            counts[table] = Convert.ToInt64(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>Passes when every table of <paramref name="before"/> has the same count after the run.</summary>
    public static RehearsalValidation RowCounts(IReadOnlyDictionary<QualifiedName, long> before, IReadOnlyDictionary<QualifiedName, long> after)
    {
        if (before.Count == 0)
        {
            return new RehearsalValidation(RowCountCheck, true, "no existing table is changed by the plan");
        }

        var changed = new List<string>();
        foreach (var (table, rows) in before.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
        {
            var now = after.TryGetValue(table, out var n) ? n : -1;
            if (now != rows)
            {
                changed.Add(now < 0 ? $"{table}: {rows} rows before, table missing after" : $"{table}: {rows} rows before, {now} after");
            }
        }

        return changed.Count == 0
            ? new RehearsalValidation(RowCountCheck, true, string.Join(", ", before.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}: {kv.Value} rows")))
            : new RehearsalValidation(RowCountCheck, false, List(changed));
    }

    /// <summary>The NOT VALID constraints (<c>pg_constraint.convalidated = false</c>) on tables of non-system
    /// schemas not matching <paramref name="exclude"/>, as <c>schema.table.constraint</c>, ordered.</summary>
    public static async Task<IReadOnlyList<string>> NotValidConstraintsAsync(NpgsqlConnection connection, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        var found = new List<string>();
        await using var command = new NpgsqlCommand(NotValidConstraintsSql, connection);
        command.Parameters.AddWithValue("journal", Journal.SchemaName);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (schema, table) = (reader.GetString(0), reader.GetString(1));
            if (!NamePattern.IsExcluded(exclude, schema, table))
            {
                found.Add($"{schema}.{table}.{reader.GetString(2)}");
            }
        }

        return found;
    }

    /// <summary>Passes when no constraint is NOT VALID after the run that was not already NOT VALID before it (a
    /// constraint added NOT VALID must have been validated by the plan).</summary>
    public static RehearsalValidation ConstraintsValid(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var added = after.Except(before, StringComparer.Ordinal).ToList();
        return added.Count == 0
            ? new RehearsalValidation(ConstraintCheck, true, before.Count == 0
                ? "no NOT VALID constraint"
                : $"no new NOT VALID constraint ({before.Count} pre-existing: {List(before)})")
            : new RehearsalValidation(ConstraintCheck, false, "left NOT VALID: " + List(added));
    }

    /// <summary>The INVALID indexes (<c>pg_index.indisvalid = false</c>) as <c>schema.index</c>, ordered.</summary>
    public static async Task<IReadOnlyList<string>> InvalidIndexesAsync(NpgsqlConnection connection, IReadOnlyList<string> exclude, CancellationToken ct) =>
        (await PostgresIntrospector.FindInvalidIndexesAsync(connection, exclude, ct)).Select(n => n.ToString()).ToList();

    /// <summary>Passes when no index is INVALID after the run that was not already INVALID before it.</summary>
    public static RehearsalValidation IndexesValid(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var added = after.Except(before, StringComparer.Ordinal).ToList();
        return added.Count == 0
            ? new RehearsalValidation(IndexCheck, true, before.Count == 0
                ? "no INVALID index"
                : $"no new INVALID index ({before.Count} pre-existing: {List(before)})")
            : new RehearsalValidation(IndexCheck, false, "left INVALID: " + List(added));
    }

    /// <summary>The differences between <paramref name="expected"/> and <paramref name="actual"/>, as the changes
    /// that would turn <paramref name="actual"/> into <paramref name="expected"/> (compared through the PostgreSQL
    /// normalizer, so equivalent spellings do not count).</summary>
    public static IReadOnlyList<string> Differences(DatabaseModel expected, DatabaseModel actual) =>
        SchemaDiffer.Diff(expected, actual, new PostgresDialect().Normalizer).Select(c => c.Describe()).ToList();

    /// <summary>Passes when staging, re-introspected after the run, has no difference from the desired schema.</summary>
    public static RehearsalValidation SchemaMatches(DatabaseModel desired, DatabaseModel staging)
    {
        var differences = Differences(desired, staging);
        return differences.Count == 0
            ? new RehearsalValidation(SchemaCheck, true, "re-introspected staging has no difference from desired.snapshot.json")
            : new RehearsalValidation(SchemaCheck, false, "still to do to reach the desired schema: " + List(differences));
    }

    /// <summary>Passes when the staging fingerprint before the run is the plan's source fingerprint; otherwise lists
    /// what differs.</summary>
    public static RehearsalValidation SourceMatches(string planSourceFingerprint, string stagingFingerprint, DatabaseModel source, DatabaseModel staging)
    {
        if (planSourceFingerprint == stagingFingerprint)
        {
            return new RehearsalValidation(SourceCheck, true, $"staging schema fingerprint {stagingFingerprint}");
        }

        IReadOnlyList<string> differences = [.. Differences(source, staging), .. CatalogFactsDiff.Describe(staging, source)];
        var what = differences.Count == 0
            ? "no structural difference was found, so expressions or types are spelled differently (another server version?)"
            : "changes that would turn staging into the planned source: " + List(differences);
        return new RehearsalValidation(SourceCheck, false,
            $"staging's schema fingerprint is {stagingFingerprint}, the plan was computed against {planSourceFingerprint}; {what}");
    }

    private static string List(IReadOnlyList<string> items) =>
        items.Count <= MaxListed
            ? string.Join("; ", items)
            : string.Join("; ", items.Take(MaxListed)) + $"; and {items.Count - MaxListed} more";
}
