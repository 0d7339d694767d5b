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

    /// <summary>
    /// One text digest (md5) of the catalog rows that can change a plan, for <see cref="CatalogDigest"/>: the server
    /// version; every managed schema (<see cref="UserSchemasCte"/>), its relations (tables, indexes, sequences, views),
    /// their columns, defaults, constraints, indexes, comments, the schemas' types and enum labels, each row by its oid
    /// (or key) and <c>xmin</c>, the id of the transaction that wrote that row version, so any DDL that creates, alters
    /// or drops one of them changes the digest (https://www.postgresql.org/docs/current/ddl-system-columns.html);
    /// validity and NOT NULL flags by value as well; and each relation's size as the binary order of magnitude of
    /// <c>relpages</c> and <c>reltuples</c>, which ANALYZE and VACUUM update in place (no new <c>xmin</c>): the plan's
    /// lock estimates are redone when a table doubles or halves, not on every ANALYZE. Reads only catalogs
    /// (https://www.postgresql.org/docs/current/catalogs.html), never a user table; cost grows with the number of
    /// columns, not rows.
    /// </summary>
    public const string Digest = "WITH " + UserSchemasCte + """
        ,
        rel AS (
            SELECT c.oid, c.xmin, c.relpages, c.reltuples
            FROM pg_catalog.pg_class c
            JOIN user_schemas s ON s.oid = c.relnamespace)
        SELECT pg_catalog.md5(pg_catalog.concat_ws('|',
            pg_catalog.current_setting('server_version_num'),
            (SELECT pg_catalog.string_agg(n.oid::text || ':' || n.xmin::text, ',' ORDER BY n.oid)
               FROM pg_catalog.pg_namespace n JOIN user_schemas s ON s.oid = n.oid),
            (SELECT pg_catalog.string_agg(r.oid::text || ':' || r.xmin::text
                      || ':' || floor(ln(greatest(r.relpages, 1)::float8) / ln(2))::int::text
                      || ':' || floor(ln(greatest(r.reltuples, 1)::float8) / ln(2))::int::text, ',' ORDER BY r.oid)
               FROM rel r),
            (SELECT pg_catalog.string_agg(a.attrelid::text || '.' || a.attnum::text || ':' || a.xmin::text || ':' || a.attnotnull::text,
                                          ',' ORDER BY a.attrelid, a.attnum)
               FROM pg_catalog.pg_attribute a JOIN rel r ON r.oid = a.attrelid WHERE a.attnum > 0),
            (SELECT pg_catalog.string_agg(d.oid::text || ':' || d.xmin::text, ',' ORDER BY d.oid)
               FROM pg_catalog.pg_attrdef d JOIN rel r ON r.oid = d.adrelid),
            (SELECT pg_catalog.string_agg(c.oid::text || ':' || c.xmin::text || ':' || c.convalidated::text, ',' ORDER BY c.oid)
               FROM pg_catalog.pg_constraint c JOIN user_schemas s ON s.oid = c.connamespace),
            (SELECT pg_catalog.string_agg(i.indexrelid::text || ':' || i.xmin::text || ':' || i.indisvalid::text || ':' || i.indisready::text,
                                          ',' ORDER BY i.indexrelid)
               FROM pg_catalog.pg_index i JOIN rel r ON r.oid = i.indrelid),
            (SELECT pg_catalog.string_agg(t.oid::text || ':' || t.xmin::text, ',' ORDER BY t.oid)
               FROM pg_catalog.pg_type t JOIN user_schemas s ON s.oid = t.typnamespace),
            (SELECT pg_catalog.string_agg(e.oid::text || ':' || e.xmin::text, ',' ORDER BY e.oid)
               FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid JOIN user_schemas s ON s.oid = t.typnamespace),
            (SELECT pg_catalog.string_agg(d.objoid::text || '.' || d.objsubid::text || ':' || d.xmin::text, ',' ORDER BY d.objoid, d.objsubid)
               FROM pg_catalog.pg_description d JOIN rel r ON r.oid = d.objoid
              WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass)))
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
                         = 'nextval(' || pg_catalog.quote_literal(s.oid::pg_catalog.regclass::text) || '::regclass)') AS owned_serial
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
               CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) END AS check_expr
        FROM pg_catalog.pg_constraint con
        JOIN user_tables t ON t.oid = con.conrelid
        LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.contype IN ('p', 'u', 'f', 'c') AND con.conparentid = 0
        """;

    /// <summary>Indexes that back no primary key, unique or exclusion constraint, valid or not. Keys: the column name,
    /// or <c>pg_get_indexdef(indexrelid, k, true)</c> for an expression; DESC from <c>indoption</c> bit 0.</summary>
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
               pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
        FROM pg_catalog.pg_index i
        JOIN user_tables t ON t.oid = i.indrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                          WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                            AND con.contype IN ('p', 'u', 'x'))
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
