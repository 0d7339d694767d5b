namespace Pipeline.Postgres.Introspection;

/// <summary>
/// The catalog queries of one introspection, sent as a single batch in one repeatable-read transaction, or split
/// between two connections whose transactions share one snapshot (<see cref="SecondConnection"/>). Their number
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
    /// sequence OWNED BY the column (pg_depend deptype 'a'). The comment is a join with <c>pg_description</c> (unique
    /// on objoid, classoid, objsubid: the row <c>col_description()</c> reads), not a call of that SQL function per
    /// column: 3,262 columns, about 40 instead of 25 ms of backend CPU.</summary>
    public const string Columns = "WITH " + UserTablesCte + """

        SELECT a.attrelid, a.attnum, a.attname::text AS attname,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
               a.attnotnull,
               CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) END AS default_expr,
               a.attidentity::text AS identity,
               dsc.description AS comment,
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
        LEFT JOIN pg_catalog.pg_description dsc
               ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """;

    /// <summary>Primary key, unique, foreign key and check constraints (not those cloned onto partitions). Key column
    /// names are looked up one by one through <c>pg_attribute</c>'s unique index on (attrelid, attnum), not by joining
    /// each constraint's key with all the columns of its table (a hash join per row): a key column always exists
    /// (it cannot be dropped while the constraint references it), so the names are the same; 1,662 constraints,
    /// about 25 instead of 40 ms of backend CPU.</summary>
    public const string Constraints = "WITH " + UserTablesCte + """

        SELECT con.conrelid, con.conname::text AS conname, con.contype::text AS contype,
               ARRAY(SELECT (SELECT a.attname::text FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = con.conrelid AND a.attnum = k.attnum)
                     FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     ORDER BY k.ord) AS columns,
               rn.nspname::text AS ref_schema,
               rc.relname::text AS ref_table,
               ARRAY(SELECT (SELECT a.attname::text FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = con.confrelid AND a.attnum = k.attnum)
                     FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
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
    /// constraints (with the constraint's name, operators and timing), of the user tables and of their partitions (a
    /// partition's own indexes only: those attached to a parent's partitioned index, <c>relispartition</c>, are the
    /// parent's; <c>indrelid</c> is then the partition's oid, and <c>pg_partition_root</c> (NULL for a table that is
    /// not in a partition tree) names its user table: one reference to <c>user_tables</c>, so the CTE stays inlined —
    /// a UNION with <c>pg_partition_tree</c> referenced it twice and made this query 4x slower on 500 tables, 220 vs
    /// 58 ms; https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-PARTITION). Keys: the column name, or
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
        JOIN user_tables t ON t.oid = coalesce(pg_catalog.pg_partition_root(i.indrelid)::oid, i.indrelid)
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        LEFT JOIN pg_catalog.pg_constraint xc
               ON xc.conindid = i.indexrelid AND xc.conrelid = i.indrelid AND xc.contype = 'x' AND xc.conparentid = 0
        WHERE NOT ic.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
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

    /// <summary>
    /// Properties of user tables the model does not carry, one row per property: <c>table_oid</c>, <c>kind</c> (a
    /// snake_case <see cref="Core.Model.UnmodelledKind"/>), <c>name</c>, <c>detail</c>, <c>columns</c> and, for a
    /// partitioned table, <c>parts</c> (jsonb array of every partition of its tree, sub-partitions included: oid,
    /// parent oid, schema, name, bound, partitioned, key of a sub-partitioned partition (<c>pg_get_partkeydef</c>),
    /// rows, pages, bytes; https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-PARTITION). Set-based over every table at once. Version-tolerant: <c>attcompression</c> (PostgreSQL 14+) is
    /// read through <c>to_jsonb(pg_attribute)</c>, so the query also runs on 12 and 13. Catalogs:
    /// https://www.postgresql.org/docs/current/catalog-pg-class.html, catalog-pg-attribute.html,
    /// catalog-pg-trigger.html, catalog-pg-policy.html, catalog-pg-rewrite.html, catalog-pg-sequence.html,
    /// catalog-pg-inherits.html, catalog-pg-partitioned-table.html, view-pg-publication-tables.html,
    /// catalog-pg-statistic-ext.html.
    /// </summary>
    public const string Unmodelled = "WITH " + UserTablesCte + """

        SELECT t.oid AS table_oid, 'partitioned'::text AS kind, NULL::text AS name,
               pg_catalog.pg_get_partkeydef(t.oid) AS detail, NULL::text[] AS columns,
               (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'oid', pc.oid::int8, 'parent', pt.parentrelid::int8,
                           'schema', pn.nspname::text, 'name', pc.relname::text,
                           'bound', pg_catalog.pg_get_expr(pc.relpartbound, pc.oid),
                           'partitioned', pc.relkind = 'p',
                           'key', CASE WHEN pc.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(pc.oid) END,
                           'rows', greatest(pc.reltuples, 0)::float8,
                           'pages', pc.relpages::int8, 'bytes', pg_catalog.pg_total_relation_size(pc.oid))
                       ORDER BY pn.nspname, pc.relname)
                FROM pg_catalog.pg_partition_tree(t.oid) pt
                JOIN pg_catalog.pg_class pc ON pc.oid = pt.relid
                JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                WHERE pt.level > 0) AS parts
        FROM user_tables t
        WHERE t.relkind = 'p'
        UNION ALL
        SELECT i.inhrelid, 'inherits', pn.nspname || '.' || p.relname, '', NULL, NULL
        FROM pg_catalog.pg_inherits i
        JOIN user_tables t ON t.oid = i.inhrelid
        JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        UNION ALL
        SELECT i.inhparent, 'inherited_by', cn.nspname || '.' || c.relname, '', NULL, NULL
        FROM pg_catalog.pg_inherits i
        JOIN user_tables t ON t.oid = i.inhparent
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND NOT c.relispartition
        JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
        UNION ALL
        SELECT t.oid, x.kind, x.name, x.detail, NULL, NULL
        FROM user_tables t
        JOIN pg_catalog.pg_class c ON c.oid = t.oid
        LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
        CROSS JOIN LATERAL (VALUES
            ('storage_parameters', NULL::text,
             CASE WHEN c.reloptions IS NOT NULL OR tc.reloptions IS NOT NULL THEN
                 pg_catalog.array_to_string(coalesce(c.reloptions, '{}'::text[])
                     || coalesce(ARRAY(SELECT 'toast.' || o FROM pg_catalog.unnest(tc.reloptions) o), '{}'::text[]), ', ') END),
            ('row_level_security', NULL,
             CASE WHEN c.relrowsecurity AND c.relforcerowsecurity THEN 'enabled, forced'
                  WHEN c.relrowsecurity THEN 'enabled' WHEN c.relforcerowsecurity THEN 'forced, not enabled' END),
            ('replica_identity',
             (SELECT ic.relname::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = t.oid AND i.indisreplident),
             CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' WHEN 'i' THEN 'USING INDEX' END),
            ('unlogged', NULL, CASE WHEN c.relpersistence = 'u' THEN '' END),
            ('tablespace', NULL, (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace)),
            ('typed_table', NULL, CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END),
            ('access_method', NULL, (SELECT am.amname::text FROM pg_catalog.pg_am am
                                     WHERE am.oid = c.relam AND t.relkind = 'r' AND am.amname <> 'heap'))
        ) x(kind, name, detail)
        WHERE x.detail IS NOT NULL
        UNION ALL
        SELECT pol.polrelid, 'policy', pol.polname::text,
               'FOR ' || CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                         WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
               || coalesce(' USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid, true) || ')', '')
               || coalesce(' WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid, true) || ')', ''),
               NULL, NULL
        FROM pg_catalog.pg_policy pol
        JOIN user_tables t ON t.oid = pol.polrelid
        UNION ALL
        SELECT tg.tgrelid, 'trigger', tg.tgname::text, pg_catalog.pg_get_triggerdef(tg.oid, true)
               || CASE tg.tgenabled WHEN 'D' THEN ' (disabled)' ELSE '' END, NULL, NULL
        FROM pg_catalog.pg_trigger tg
        JOIN user_tables t ON t.oid = tg.tgrelid
        WHERE NOT tg.tgisinternal
        UNION ALL
        SELECT r.ev_class, 'rule', r.rulename::text,
               'ON ' || CASE r.ev_type WHEN '1' THEN 'SELECT' WHEN '2' THEN 'UPDATE' WHEN '3' THEN 'INSERT' ELSE 'DELETE' END
               || CASE WHEN r.is_instead THEN ' DO INSTEAD' ELSE ' DO ALSO' END,
               NULL, NULL
        FROM pg_catalog.pg_rewrite r
        JOIN user_tables t ON t.oid = r.ev_class
        WHERE r.rulename <> '_RETURN'
        UNION ALL
        SELECT a.attrelid, x.kind, NULL, x.detail, ARRAY[a.attname::text], NULL
        FROM user_tables t
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
        CROSS JOIN LATERAL (VALUES
            ('statistics_target', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text END),
            ('column_options', pg_catalog.array_to_string(a.attoptions, ', ')),
            ('column_storage', CASE WHEN a.attstorage <> ty.typstorage
                                    THEN CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL'
                                                           WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END END),
            ('column_compression', CASE pg_catalog.to_jsonb(a) ->> 'attcompression' WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END),
            ('column_collation', CASE WHEN a.attcollation <> ty.typcollation THEN (
                SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(co.collname::text)
                            ELSE pg_catalog.quote_ident(cn.nspname::text) || '.' || pg_catalog.quote_ident(co.collname::text) END
                FROM pg_catalog.pg_collation co
                JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                WHERE co.oid = a.attcollation) END)
        ) x(kind, detail)
        WHERE x.detail IS NOT NULL
        UNION ALL
        SELECT q.table_oid, 'sequence_options', q.seqname, q.detail, ARRAY[q.attname], NULL
        FROM (
            SELECT d.refobjid AS table_oid, a.attname::text AS attname, sc.relname::text AS seqname,
                   concat_ws(', ',
                       CASE WHEN s.seqincrement <> 1 THEN 'increment ' || s.seqincrement END,
                       CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END THEN 'start ' || s.seqstart END,
                       CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE lim.low END THEN 'minvalue ' || s.seqmin END,
                       CASE WHEN s.seqmax <> CASE WHEN s.seqincrement > 0 THEN lim.high ELSE -1 END THEN 'maxvalue ' || s.seqmax END,
                       CASE WHEN s.seqcache <> 1 THEN 'cache ' || s.seqcache END,
                       CASE WHEN s.seqcycle THEN 'cycle' END) AS detail
            FROM pg_catalog.pg_depend d
            JOIN user_tables t ON t.oid = d.refobjid
            JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.objid
            JOIN pg_catalog.pg_class sc ON sc.oid = s.seqrelid
            JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            CROSS JOIN LATERAL (SELECT CASE s.seqtypid WHEN 'pg_catalog.int2'::pg_catalog.regtype THEN -32768
                                                       WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN -2147483648
                                                       ELSE -9223372036854775808 END::int8 AS low,
                                       CASE s.seqtypid WHEN 'pg_catalog.int2'::pg_catalog.regtype THEN 32767
                                                       WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN 2147483647
                                                       ELSE 9223372036854775807 END::int8 AS high) lim
            WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0) q
        WHERE q.detail <> ''
        UNION ALL
        SELECT i.indrelid, x.kind, ic.relname::text, x.detail, NULL, NULL
        FROM pg_catalog.pg_index i
        JOIN user_tables t ON t.oid = i.indrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        CROSS JOIN LATERAL (VALUES
            ('index_tablespace', (SELECT ts.spcname::text FROM pg_catalog.pg_tablespace ts WHERE ts.oid = ic.reltablespace)),
            ('clustered_on', CASE WHEN i.indisclustered THEN '' END)
        ) x(kind, detail)
        WHERE x.detail IS NOT NULL
        UNION ALL
        SELECT DISTINCT t.oid, 'publication', pt.pubname::text,
               'publishes ' || concat_ws(', ', CASE WHEN pub.pubinsert THEN 'insert' END, CASE WHEN pub.pubupdate THEN 'update' END,
                                         CASE WHEN pub.pubdelete THEN 'delete' END, CASE WHEN pub.pubtruncate THEN 'truncate' END),
               NULL::text[], NULL::jsonb
        FROM pg_catalog.pg_publication_tables pt
        JOIN pg_catalog.pg_publication pub ON pub.pubname = pt.pubname
        JOIN pg_catalog.pg_namespace pn ON pn.nspname = pt.schemaname
        JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = pt.tablename
        JOIN user_tables t ON t.oid = coalesce(pg_catalog.pg_partition_root(pc.oid), pc.oid)
        UNION ALL
        SELECT s.stxrelid, 'extended_statistics', sn.nspname || '.' || s.stxname,
               pg_catalog.array_to_string(ARRAY(SELECT CASE k WHEN 'd' THEN 'ndistinct' WHEN 'f' THEN 'dependencies'
                                                             WHEN 'm' THEN 'mcv' ELSE 'expressions' END
                                                FROM pg_catalog.unnest(s.stxkind) k), ', '),
               ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(s.stxkeys) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = k.attnum ORDER BY k.ord),
               NULL
        FROM pg_catalog.pg_statistic_ext s
        JOIN user_tables t ON t.oid = s.stxrelid
        JOIN pg_catalog.pg_namespace sn ON sn.oid = s.stxnamespace
        ORDER BY 1, 2, 3
        """;

    /// <summary>
    /// Objects that depend on user tables, their columns, constraints and indexes (<c>pg_depend</c> rows of type
    /// normal or automatic; https://www.postgresql.org/docs/current/catalog-pg-depend.html): <c>table_oid</c>,
    /// <c>on_column</c>, <c>on_object</c> (constraint, or index backing none), <c>kind</c>, <c>identity</c>
    /// (<c>pg_identify_object()</c>; a view's <c>_RETURN</c> rule is reported as the view), owning table's schema and
    /// name, bare name, <c>automatic</c> (any of its rows automatic: an object both normally and automatically dependent, such as a
    /// partitioned table's check constraint, is dropped with the column). Left out: the table's row type, defaults, owned sequences, and objects of the
    /// table itself that PostgreSQL drops with the whole table (its triggers, policies, rules, constraints). Defaults
    /// (<c>pg_attrdef</c>, a fifth of the rows on the bench schema) are left out before <c>pg_identify_object</c>, not
    /// after it (about 8% of the query's time). Set-based
    /// over every table at once. Functions with SQL-standard bodies (PostgreSQL 14+) record their dependencies here;
    /// other function bodies are not tracked by PostgreSQL.
    /// </summary>
    public const string Dependents = "WITH " + UserTablesCte + """
        ,
        targets AS (
            SELECT t.oid AS table_oid, 'pg_catalog.pg_class'::pg_catalog.regclass AS refclassid, t.oid AS refobjid, NULL::text AS on_object
            FROM user_tables t
            UNION ALL
            SELECT i.indrelid, 'pg_catalog.pg_class'::pg_catalog.regclass, i.indexrelid, coalesce(con.conname, ic.relname)::text
            FROM pg_catalog.pg_index i
            JOIN user_tables t ON t.oid = i.indrelid
            JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
            UNION ALL
            SELECT con.conrelid, 'pg_catalog.pg_constraint'::pg_catalog.regclass, con.oid, con.conname::text
            FROM pg_catalog.pg_constraint con
            JOIN user_tables t ON t.oid = con.conrelid)
        SELECT tg.table_oid,
               CASE WHEN tg.on_object IS NULL AND d.refobjsubid > 0 THEN a.attname::text END AS on_column,
               tg.on_object,
               CASE WHEN o.type = 'table constraint' THEN
                        CASE dc.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check constraint' WHEN 'p' THEN 'primary key'
                                        WHEN 'u' THEN 'unique constraint' WHEN 'x' THEN 'exclusion constraint' ELSE 'constraint' END
                    ELSE o.type END AS kind,
               o.identity,
               own.nspname::text AS owner_schema,
               owner.relname::text AS owner_table,
               coalesce(dc.conname, dcls.relname, dtg.tgname, dpol.polname, CASE WHEN rw.rulename <> '_RETURN' THEN rw.rulename END)::text AS name,
               pg_catalog.bool_or(d.deptype = 'a') AS automatic
        FROM targets tg
        JOIN pg_catalog.pg_depend d ON d.refclassid = tg.refclassid AND d.refobjid = tg.refobjid AND d.deptype IN ('n', 'a')
                                   AND d.classid <> 'pg_catalog.pg_attrdef'::pg_catalog.regclass
        LEFT JOIN pg_catalog.pg_attribute a ON tg.on_object IS NULL AND a.attrelid = tg.refobjid AND a.attnum = d.refobjsubid
        LEFT JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
        CROSS JOIN LATERAL (SELECT CASE WHEN rw.rulename = '_RETURN' THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END AS classid,
                                   CASE WHEN rw.rulename = '_RETURN' THEN rw.ev_class ELSE d.objid END AS objid,
                                   CASE WHEN rw.rulename = '_RETURN' THEN 0 ELSE d.objsubid END AS objsubid) x
        CROSS JOIN LATERAL pg_catalog.pg_identify_object(x.classid, x.objid, x.objsubid) o
        LEFT JOIN pg_catalog.pg_constraint dc ON x.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dc.oid = x.objid
        LEFT JOIN pg_catalog.pg_class dcls ON x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dcls.oid = x.objid AND dcls.relkind IN ('i', 'I')
        LEFT JOIN pg_catalog.pg_index di ON di.indexrelid = dcls.oid
        LEFT JOIN pg_catalog.pg_trigger dtg ON x.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND dtg.oid = x.objid
        LEFT JOIN pg_catalog.pg_policy dpol ON x.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND dpol.oid = x.objid
        LEFT JOIN pg_catalog.pg_class owner ON owner.oid = coalesce(nullif(dc.conrelid, 0), di.indrelid, dtg.tgrelid, dpol.polrelid,
                                                                    CASE WHEN rw.rulename <> '_RETURN' THEN rw.ev_class END)
        LEFT JOIN pg_catalog.pg_namespace own ON own.oid = owner.relnamespace
        WHERE o.type NOT IN ('type', 'composite type', 'default value', 'sequence', 'toast table', 'table')
          AND NOT (x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND x.objid = tg.table_oid)
          AND NOT (tg.on_object IS NULL AND d.refobjsubid = 0 AND d.deptype = 'a')
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ORDER BY 1, 2, 3, 4, 5
        """;

    /// <summary>The queries of one introspection, in the order their results are read. Fixed: 10 statements.</summary>
    public static IReadOnlyList<string> All { get; } = [SearchPath, Server, Schemas, Tables, Columns, Constraints, Indexes, Enums, Unmodelled, Dependents];

    /// <summary>Exports the first connection's snapshot for the second (text id; https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION).</summary>
    public const string ExportSnapshot = "SELECT pg_catalog.pg_export_snapshot()";

    /// <summary>
    /// The positions in <see cref="All"/> of the queries the second connection runs when the catalog is read over two
    /// connections (<see cref="CatalogReader.ReadSharedAsync"/>), in this order; the first runs the others. Chosen so
    /// both halves take about the same server time on the 500-table bench schema (README, "Planning speed").
    /// </summary>
    public static IReadOnlyList<int> SecondConnection { get; } = [Position(Tables), Position(Dependents)];

    private static int Position(string query) => All.ToList().IndexOf(query);

    /// <summary>The columns the version-tolerant queries read through <c>to_jsonb(row)</c>, and their direct form
    /// with the server version that has the column.</summary>
    private static readonly (string Tolerant, string Direct, int SinceMajor)[] JsonbColumns =
    [
        ("coalesce((SELECT (pg_catalog.to_jsonb(ix) ->> 'indnullsnotdistinct')::bool", "coalesce((SELECT ix.indnullsnotdistinct", 15),
        ("coalesce((pg_catalog.to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false)", "i.indnullsnotdistinct", 15),
        ("CASE pg_catalog.to_jsonb(a) ->> 'attcompression' WHEN", "CASE a.attcompression::text WHEN", 14),
    ];

    private static readonly IReadOnlyList<string> Pg14 = Direct(14);
    private static readonly IReadOnlyList<string> Pg15 = Direct(15);

    /// <summary>
    /// <see cref="All"/> for a server of major version <paramref name="major"/>: from PostgreSQL 14 (15) on, the
    /// columns <c>attcompression</c> (<c>indnullsnotdistinct</c>) are read directly instead of through
    /// <c>to_jsonb</c> of the whole catalog row, which converts every <c>pg_attribute</c> and <c>pg_index</c> row
    /// (expression trees included) to JSON and was a large share of the queries' time on a 500-table schema. Same
    /// results.
    /// </summary>
    public static IReadOnlyList<string> For(int major) => major >= 15 ? Pg15 : major >= 14 ? Pg14 : All;

    /// <summary>
    /// <see cref="For(int)"/>, and when <paramref name="sizes"/> is false, <see cref="Tables"/> without the tables'
    /// on-disk sizes: <c>total_bytes</c> is 0. <c>pg_total_relation_size()</c> opens each table, its TOAST table and
    /// its indexes and asks the file system for the size of every fork (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE):
    /// about 40 of Tables' 51 ms on the 500-table bench schema, for a figure only plans use (lock estimates), never
    /// the schema YAML. Row and page counts (<c>reltuples</c>, <c>relpages</c>) are read either way.
    /// </summary>
    public static IReadOnlyList<string> For(int major, bool sizes) => sizes ? For(major) : WithoutSizes(For(major));

    /// <summary>The positions in <see cref="All"/> the second connection runs when sizes are left out
    /// (<see cref="For(int, bool)"/>): Tables is then cheap, so Constraints moves over to balance the halves (about
    /// 107 and 119 ms of server time on the bench schema).</summary>
    public static IReadOnlyList<int> SecondConnectionWithoutSizes { get; } = [Position(Tables), Position(Constraints), Position(Dependents)];

    private const string TableBytes = "pg_catalog.pg_total_relation_size(t.oid)";
    private const string PartitionBytes = "sum(pg_catalog.pg_total_relation_size(pc.oid))::int8";

    private static List<string> WithoutSizes(IReadOnlyList<string> queries) =>
        queries.Select((sql, i) => i == Position(Tables)
                ? sql.Replace(TableBytes, "0::int8", StringComparison.Ordinal).Replace(PartitionBytes, "0::int8", StringComparison.Ordinal)
                : sql)
            .ToList();

    private static List<string> Direct(int major) =>
        All.Select(sql => JsonbColumns.Where(c => major >= c.SinceMajor)
                .Aggregate(sql, (text, c) => text.Replace(c.Tolerant, c.Direct, StringComparison.Ordinal)))
            .ToList();
}
