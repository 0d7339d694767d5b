using static Pipeline.Core.Yaml.YamlValues;

namespace Pipeline.Core.Yaml;

/// <summary>
/// The keys and values of the format that only PostgreSQL has. In a <c>dialect: sqlserver</c> document each is an
/// error at its node (file, line, column), with the reason and the SQL Server way, before anything else is read; the
/// SQL Server-only keys (<c>clustered</c>, <c>defaultName</c>, <c>identity: {seed, increment}</c>) are rejected the
/// other way round by <see cref="TableReader"/>. Schema and table names are mapping keys too, so only the mappings
/// below a table (and the schema mapping's own keys) are checked.
/// </summary>
internal static class PostgresOnlyKeys
{
    /// <summary>Each PostgreSQL-only key, with why SQL Server has none and what to write instead.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["enums"] = "SQL Server has no enum types; declare the column with a character type and a CHECK constraint listing the values",
        ["exclusions"] = "SQL Server has no exclusion constraints; use a unique index or a trigger written by hand",
        ["generated"] = "computed columns are not modelled for SQL Server; leave them out of the file (the reader reports them as unmodelled)",
        ["using"] = "SQL Server's ALTER COLUMN has no conversion expression; add a new column with a backfill and drop the old one",
        ["deferrable"] = "SQL Server constraints are always checked per statement and cannot be deferred",
        ["initiallyDeferred"] = "SQL Server constraints are always checked per statement and cannot be deferred",
        ["nullsNotDistinct"] = "SQL Server's unique constraints and indexes already treat NULLs as equal (one NULL allowed); use a filtered index with 'where' for other rules",
        ["method"] = "SQL Server indexes have no access method (btree, hash, gin, …): they are rowstore B-trees; clustered: true picks the clustered one",
        ["with"] = "storage parameters are PostgreSQL's; SQL Server index options are not modelled",
        ["match"] = "SQL Server foreign keys have no MATCH clause (they behave as MATCH SIMPLE)",
        ["noInherit"] = "SQL Server has no table inheritance",
        ["opclass"] = "SQL Server has no operator classes",
        ["nulls"] = "SQL Server index keys have no NULLS FIRST/LAST (NULLs sort first ascending)",
        ["collation"] = "SQL Server index keys use the column's collation; declare the collation on the column type",
    };

    /// <summary>Rejects PostgreSQL-only keys and values below <paramref name="schemas"/> (the document's
    /// <c>schemas</c> mapping) when <paramref name="dialect"/> is <c>sqlserver</c>.</summary>
    /// <exception cref="SchemaLoadException">At the first PostgreSQL-only key or value.</exception>
    public static void Check(YNode? schemas, string dialect)
    {
        if (dialect != Model.DatabaseModel.SqlServerDialect || schemas is not YMapping schemaMap)
        {
            return;
        }

        foreach (var (schemaName, schema) in schemaMap.Entries)
        {
            if (schema is not YMapping s)
            {
                continue;
            }

            CheckKeys(s, $"schema '{schemaName.Value}'");
            if (s.Find("tables")?.Value is YMapping tables)
            {
                foreach (var (tableName, table) in tables.Entries)
                {
                    Walk(table, $"table '{tableName.Value}'");
                }
            }
        }
    }

    private static void Walk(YNode node, string what)
    {
        switch (node)
        {
            case YMapping m:
                CheckKeys(m, what);
                foreach (var (key, value) in m.Entries)
                {
                    if (key.Value is "onDelete" or "onUpdate" && value is YScalar { Value: var action } && action.Trim().Equals("restrict", StringComparison.OrdinalIgnoreCase))
                    {
                        throw Error(value, $"'{key.Value}: restrict' in {what} is PostgreSQL only: SQL Server has no RESTRICT action; write 'no action' (SQL Server checks it per statement)");
                    }

                    Walk(value, what);
                }

                break;
            case YSequence s:
                foreach (var item in s.Items)
                {
                    Walk(item, what);
                }

                break;
        }
    }

    private static void CheckKeys(YMapping mapping, string what)
    {
        foreach (var (key, _) in mapping.Entries)
        {
            if (Keys.TryGetValue(key.Value, out var why))
            {
                throw Error(key, $"'{key.Value}' (in {what}) is PostgreSQL only, and this file says 'dialect: sqlserver': {why}");
            }
        }
    }
}
