namespace Pipeline.Postgres.Introspection;

/// <summary>
/// The catalog queries of one introspection, sent as a single batch in one repeatable-read transaction. Their number
/// is fixed (<see cref="All"/>): it never depends on how many tables the database holds. Every query restricts itself
/// to the same user tables (<see cref="UserTablesCte"/>): ordinary and partitioned tables that are not partitions, not
/// owned by an extension, outside system schemas and the tool's own <c>pipeline</c> schema. Exclude patterns are
/// applied afterwards in memory. Catalogs: https://www.postgresql.org/docs/current/catalogs.html
/// </summary>
internal static class CatalogQueries
{
    /// <summary>Schemas the tool manages: not system, not <c>pipeline</c>, not owned by an extension.</summary>
    private const string UserSchemasCte = """
        user_schemas AS (
            SELECT n.oid, n.nspname::text AS nspname
            FROM pg_catalog.pg_namespace n
            WHERE n.nspname <> 'information_schema'
              AND n.nspname <> 'pipeline'
              AND n.nspname !~ '^pg_'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                              WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                                AND d.objid = n.oid AND d.deptype = 'e'))
        """;

    /// <summary>User tables (relkind r or p), partitions and extension members left out.</summary>
    private const string UserTablesCte = UserSchemasCte + """
        ,
        user_tables AS (
            SELECT c.oid, s.nspname, c.relname::text AS relname, c.relkind
            FROM pg_catalog.pg_class c
            JOIN user_schemas s ON s.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND NOT c.relispartition
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                              WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                AND d.objid = c.oid AND d.deptype = 'e'))
        """;

    /// <summary>Makes deparsed expressions and type names deterministic for the rest of the transaction: objects in
    /// <c>public</c> unqualified, all others schema-qualified.</summary>
    public const string SearchPath = "SELECT pg_catalog.set_config('search_path', 'public', true)";

    /// <summary>Server version: <c>server_version_num</c> (int), <c>server_version</c> (text).</summary>
    public const string Server = """
        SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
               pg_catalog.current_setting('server_version') AS version
        """;

    /// <summary>Schema names.</summary>
    public const string Schemas = "WITH " + UserSchemasCte + "\nSELECT nspname FROM user_schemas";

    /// <summary>Tables with comment and size statistics; a partitioned table sums its leaf partitions.</summary>
    public const string Tables = "WITH " + UserTablesCte + """

        SELECT t.oid, t.nspname, t.relname,
               pg_catalog.obj_description(t.oid, 'pg_class') AS comment,
               CASE WHEN t.relkind = 'p' THEN coalesce(p.rows, 0) ELSE greatest(c.reltuples, 0)::float8 END AS rows,
               CASE WHEN t.relkind = 'p' THEN coalesce(p.pages, 0) ELSE c.relpages::int8 END AS pages,
               CASE WHEN t.relkind = 'p' THEN coalesce(p.bytes, 0) ELSE pg_catalog.pg_total_relation_size(t.oid) END AS total_bytes
        FROM user_tables t
        JOIN pg_catalog.pg_class c ON c.oid = t.oid
        LEFT JOIN LATERAL (
            SELECT sum(greatest(pc.reltuples, 0))::float8 AS rows,
                   sum(pc.relpages)::int8 AS pages,
                   sum(pg_catalog.pg_total_relation_size(pc.oid))::int8 AS bytes
            FROM pg_catalog.pg_partition_tree(t.oid) pt
            JOIN pg_catalog.pg_class pc ON pc.oid = pt.relid
            WHERE pt.isleaf AND t.relkind = 'p') p ON true
        """;

    /// <summary>Columns in attnum order; <c>owned_serial</c> is true when the default is <c>nextval()</c> of a
    /// sequence OWNED BY the column (pg_depend deptype 'a').</summary>
    public const string Columns = "WITH " + UserTablesCte + """

        SELECT a.attrelid, a.attnum, a.attname::text AS attname,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
               a.attnotnull,
               CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) END AS default_expr,
               a.attidentity::text AS identity,
               pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
               ad.adbin IS NOT NULL AND EXISTS (
                   SELECT 1
                   FROM pg_catalog.pg_depend d
                   JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
                     AND pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                         = 'nextval(' || pg_catalog.quote_literal(s.oid::pg_catalog.regclass::text) || '::regclass)') AS owned_serial,
               CASE WHEN a.attgenerated = 's' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) END AS generated_expr
        FROM user_tables t
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid
        LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """;

    /// <summary>Primary key, unique, foreign key and check constraints (not those cloned onto partitions).</summary>
    public const string Constraints = "WITH " + UserTablesCte + """

        SELECT con.conrelid, con.conname::text AS conname, con.contype::text AS contype,
               ARRAY(SELECT a.attname::text
                     FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns,
               rn.nspname::text AS ref_schema,
               rc.relname::text AS ref_table,
               ARRAY(SELECT a.attname::text
                     FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS ref_columns,
               con.confdeltype::text AS on_delete,
               con.confupdtype::text AS on_update,
               CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) END AS check_expr,
               con.condeferrable, con.condeferred, con.confmatchtype::text AS match_type, con.connoinherit,
               coalesce((SELECT (pg_catalog.to_jsonb(ix) ->> 'indnullsnotdistinct')::bool
                         FROM pg_catalog.pg_index ix WHERE ix.indexrelid = con.conindid AND con.contype = 'u'), false) AS nulls_not_distinct
        FROM pg_catalog.pg_constraint con
        JOIN user_tables t ON t.oid = con.conrelid
        LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.contype IN ('p', 'u', 'f', 'c') AND con.conparentid = 0
        """;

    /// <summary>Indexes that back no primary key or unique constraint, valid or not, and the indexes of exclusion
    /// constraints (with the constraint's name, operators and timing). Keys: the column name, or
    /// <c>pg_get_indexdef(indexrelid, k, true)</c> for an expression; DESC from <c>indoption</c> bit 0, NULLS FIRST
    /// from bit 1; collation and operator class are read from the key list of <c>pg_get_indexdef(indexrelid, 0,
    /// true)</c>, which prints them only when they differ from the defaults. <c>indnullsnotdistinct</c> (PostgreSQL
    /// 15+) is read through <c>to_jsonb</c> so the query also runs on older servers.</summary>
    public const string Indexes = "WITH " + UserTablesCte + """

        SELECT i.indrelid, ic.relname::text AS index_name, i.indisunique, am.amname::text AS method, i.indisvalid,
               ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                                 ELSE a.attname::text END
                     FROM generate_series(1, i.indnkeyatts) k
                     LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
                     ORDER BY k) AS keys,
               ARRAY(SELECT i.indkey[k - 1] = 0 FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS key_is_expr,
               ARRAY(SELECT (i.indoption[k - 1] & 1) = 1 FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS key_desc,
               ARRAY(SELECT a.attname::text
                     FROM generate_series(i.indnkeyatts + 1, i.indnatts) k
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
                     ORDER BY k) AS include,
               pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
               pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) AS definition,
               ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS key_texts,
               ARRAY(SELECT (i.indoption[k - 1] & 2) = 2 FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS key_nulls_first,
               coalesce(ic.reloptions, '{}'::text[]) AS reloptions,
               coalesce((pg_catalog.to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false) AS nulls_not_distinct,
               xc.conname::text AS exclusion_name,
               ARRAY(SELECT CASE WHEN pg_catalog.pg_operator_is_visible(o.oid) THEN o.oprname::text
                                 ELSE 'OPERATOR(' || pg_catalog.quote_ident(n.nspname) || '.' || o.oprname || ')' END
                     FROM unnest(xc.conexclop) WITH ORDINALITY u(op, ord)
                     JOIN pg_catalog.pg_operator o ON o.oid = u.op
                     JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                     ORDER BY u.ord) AS exclusion_operators,
               coalesce(xc.condeferrable, false) AS exclusion_deferrable,
               coalesce(xc.condeferred, false) AS exclusion_deferred
        FROM pg_catalog.pg_index i
        JOIN user_tables t ON t.oid = i.indrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        LEFT JOIN pg_catalog.pg_constraint xc
               ON xc.conindid = i.indexrelid AND xc.conrelid = i.indrelid AND xc.contype = 'x' AND xc.conparentid = 0
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                          WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                            AND (con.contype IN ('p', 'u') OR (con.contype = 'x' AND con.conparentid <> 0)))
        """;

    /// <summary>Enum types with labels in <c>enumsortorder</c>.</summary>
    public const string Enums = "WITH " + UserSchemasCte + """

        SELECT s.nspname, ty.typname::text AS typname,
               ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                     WHERE e.enumtypid = ty.oid ORDER BY e.enumsortorder) AS labels
        FROM pg_catalog.pg_type ty
        JOIN user_schemas s ON s.oid = ty.typnamespace
        WHERE ty.typtype = 'e'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                            AND d.objid = ty.oid AND d.deptype = 'e')
        """;

    /// <summary>INVALID indexes (e.g. left by a failed <c>CREATE INDEX CONCURRENTLY</c>) on user tables: schema,
    /// table, index. Partitioned indexes (relkind <c>I</c>, invalid until every partition has an attached index) are
    /// not leftovers and are not listed.</summary>
    public const string InvalidIndexes = "WITH " + UserTablesCte + """

        SELECT t.nspname, t.relname, ic.relname::text AS index_name
        FROM pg_catalog.pg_index i
        JOIN user_tables t ON t.oid = i.indrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        WHERE NOT i.indisvalid AND ic.relkind = 'i'
        """;

    /// <summary>The queries of one introspection, in the order their results are read. Fixed: 8 statements.</summary>
    public static IReadOnlyList<string> All { get; } = [SearchPath, Server, Schemas, Tables, Columns, Constraints, Indexes, Enums];
}
