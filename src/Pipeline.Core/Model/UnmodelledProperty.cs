namespace Pipeline.Core.Model;

/// <summary>
/// A property of an existing table that the model does not carry (a trigger, row-level security, table storage
/// parameters, …), read from the catalog so that no plan changes the table without saying so. Only in actual models
/// (introspected or read from a snapshot); never in YAML. The planner refuses a change the property could affect
/// (<see cref="Planning.DiagnosticCodes.UnmodelledPropertyBlocks"/>); the list, and what each kind affects, is in
/// schema/FORMAT.md ("What PostgreSQL features are modelled").
/// </summary>
/// <param name="Kind">What kind of property it is.</param>
/// <param name="Name">The object's own name where it has one (trigger, policy, rule, publication, statistics
/// object, index), else <c>null</c>.</param>
/// <param name="Detail">What the catalog says, for people, e.g. <c>fillfactor=70</c>,
/// <c>BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION audit()</c>; may be empty.</param>
/// <param name="Columns">Columns of the table the property is about (a column's storage, collation or statistics
/// target; the columns of an extended statistics object); empty for table-wide properties.</param>
public sealed record UnmodelledProperty(
    UnmodelledKind Kind,
    string? Name,
    string Detail,
    IReadOnlyList<string>? Columns = null)
{
    /// <summary>Columns the property is about; never <c>null</c>.</summary>
    public IReadOnlyList<string> Columns { get; init; } = Columns ?? [];

    /// <summary>One-line description naming the property and its object, e.g.
    /// <c>trigger orders_audit (BEFORE UPDATE …)</c>, <c>collation "C" of column code</c>.</summary>
    public string Describe()
    {
        var what = UnmodelledKinds.Label(Kind);
        var name = Name is null ? "" : " " + Name;
        var columns = Columns.Count == 0 ? ""
            : Columns.Count == 1 ? $" of column {Columns[0]}"
            : $" on columns ({string.Join(", ", Columns)})";
        var detail = string.IsNullOrEmpty(Detail) ? "" : $" ({Detail})";
        return what + name + columns + detail;
    }
}

/// <summary>The kinds of <see cref="UnmodelledProperty"/>. PostgreSQL catalogs:
/// https://www.postgresql.org/docs/current/catalogs.html</summary>
public enum UnmodelledKind
{
    /// <summary>The table is partitioned (<c>PARTITION BY</c>; <c>pg_partitioned_table</c>). Details in
    /// <see cref="TableModel.Partitioning"/>.</summary>
    Partitioned,

    /// <summary>The table inherits from another table (<c>INHERITS</c>; <c>pg_inherits</c>); <see cref="UnmodelledProperty.Name"/> is the parent.</summary>
    Inherits,

    /// <summary>Other tables inherit from this one; <see cref="UnmodelledProperty.Name"/> is the child.</summary>
    InheritedBy,

    /// <summary>Table storage parameters (<c>WITH (fillfactor = 70)</c>, autovacuum settings; <c>pg_class.reloptions</c>).</summary>
    StorageParameters,

    /// <summary>Row-level security is enabled or forced (<c>relrowsecurity</c>, <c>relforcerowsecurity</c>).</summary>
    RowLevelSecurity,

    /// <summary>A row-level security policy (<c>pg_policy</c>).</summary>
    Policy,

    /// <summary>A trigger that is not internal (<c>pg_trigger</c>, <c>NOT tgisinternal</c>).</summary>
    Trigger,

    /// <summary>A rewrite rule (<c>CREATE RULE</c>; <c>pg_rewrite</c>).</summary>
    Rule,

    /// <summary>A per-column statistics target (<c>ALTER COLUMN … SET STATISTICS</c>; <c>attstattarget</c>).</summary>
    StatisticsTarget,

    /// <summary>Per-column attribute options (<c>ALTER COLUMN … SET (n_distinct = …)</c>; <c>attoptions</c>).</summary>
    ColumnOptions,

    /// <summary>Non-default options of an identity or serial column's sequence (start, increment, min, max, cache,
    /// cycle; <c>pg_sequence</c>).</summary>
    SequenceOptions,

    /// <summary>A replica identity other than the default (<c>REPLICA IDENTITY FULL | NOTHING | USING INDEX</c>).</summary>
    ReplicaIdentity,

    /// <summary>The table is <c>UNLOGGED</c> (<c>relpersistence = 'u'</c>).</summary>
    Unlogged,

    /// <summary>The table is in a non-default tablespace (<c>reltablespace</c>).</summary>
    Tablespace,

    /// <summary>An index of the table is in a non-default tablespace; <see cref="UnmodelledProperty.Name"/> is the index.</summary>
    IndexTablespace,

    /// <summary>The table is published for logical replication (<c>pg_publication_tables</c>); <see cref="UnmodelledProperty.Name"/> is the publication.</summary>
    Publication,

    /// <summary>A column's storage differs from its type's default (<c>SET STORAGE</c>; <c>attstorage</c>).</summary>
    ColumnStorage,

    /// <summary>A column has an explicit compression method (<c>SET COMPRESSION</c>, PostgreSQL 14+; <c>attcompression</c>).</summary>
    ColumnCompression,

    /// <summary>A column's collation differs from its type's default (<c>COLLATE</c>; <c>attcollation</c>).</summary>
    ColumnCollation,

    /// <summary>The table is a typed table (<c>CREATE TABLE … OF type</c>; <c>reloftype</c>).</summary>
    TypedTable,

    /// <summary>The table uses a table access method other than <c>heap</c> (<c>relam</c>).</summary>
    AccessMethod,

    /// <summary>An extended statistics object (<c>CREATE STATISTICS</c>; <c>pg_statistic_ext</c>).</summary>
    ExtendedStatistics,

    /// <summary>The table is clustered on an index (<c>CLUSTER … USING</c>; <c>indisclustered</c>); <see cref="UnmodelledProperty.Name"/> is the index.</summary>
    ClusteredOn,

    /// <summary>SQL Server: a computed column (<c>AS expression [PERSISTED]</c>;
    /// https://learn.microsoft.com/sql/relational-databases/tables/specify-computed-columns-in-a-table), left out of
    /// the model's columns; <see cref="UnmodelledProperty.Name"/> is the column, <see cref="UnmodelledProperty.Columns"/>
    /// the columns its expression uses.</summary>
    ComputedColumn,

    /// <summary>SQL Server: an index the model does not carry (XML, spatial, columnstore, full-text);
    /// <see cref="UnmodelledProperty.Name"/> is the index, <see cref="UnmodelledProperty.Columns"/> its columns.</summary>
    SpecialIndex,
}

/// <summary>Texts of <see cref="UnmodelledKind"/>.</summary>
public static class UnmodelledKinds
{
    /// <summary>The kebab-case name used by <c>--allow-unmodelled</c>, e.g. <c>trigger</c>,
    /// <c>row-level-security</c>.</summary>
    public static string OptionName(UnmodelledKind kind)
    {
        var name = kind.ToString();
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>The kind named <paramref name="optionName"/> (<see cref="OptionName"/>), or <c>null</c>.</summary>
    public static UnmodelledKind? FromOptionName(string optionName) =>
        Enum.GetValues<UnmodelledKind>().Select(k => (UnmodelledKind?)k).FirstOrDefault(k => OptionName(k!.Value) == optionName);

    /// <summary>The lower-case label used in messages and snapshots' readers, e.g. <c>trigger</c>,
    /// <c>row-level security</c>.</summary>
    public static string Label(UnmodelledKind kind) => kind switch
    {
        UnmodelledKind.Partitioned => "partitioning",
        UnmodelledKind.Inherits => "inherits from",
        UnmodelledKind.InheritedBy => "inherited by",
        UnmodelledKind.StorageParameters => "storage parameters",
        UnmodelledKind.RowLevelSecurity => "row-level security",
        UnmodelledKind.Policy => "policy",
        UnmodelledKind.Trigger => "trigger",
        UnmodelledKind.Rule => "rule",
        UnmodelledKind.StatisticsTarget => "statistics target",
        UnmodelledKind.ColumnOptions => "attribute options",
        UnmodelledKind.SequenceOptions => "sequence options",
        UnmodelledKind.ReplicaIdentity => "replica identity",
        UnmodelledKind.Unlogged => "UNLOGGED",
        UnmodelledKind.Tablespace => "tablespace",
        UnmodelledKind.IndexTablespace => "tablespace of index",
        UnmodelledKind.Publication => "publication",
        UnmodelledKind.ColumnStorage => "storage",
        UnmodelledKind.ColumnCompression => "compression",
        UnmodelledKind.ColumnCollation => "collation",
        UnmodelledKind.TypedTable => "typed table",
        UnmodelledKind.AccessMethod => "access method",
        UnmodelledKind.ExtendedStatistics => "extended statistics",
        UnmodelledKind.ClusteredOn => "clustered on index",
        UnmodelledKind.ComputedColumn => "computed column",
        UnmodelledKind.SpecialIndex => "index",
        _ => kind.ToString(),
    };
}
