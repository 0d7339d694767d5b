namespace Pipeline.Core.Model;

/// <summary>
/// An object the catalog records as depending on a table, one of its columns, or one of its constraints or indexes
/// (PostgreSQL: <c>pg_depend</c>, https://www.postgresql.org/docs/current/catalog-pg-depend.html). Only in actual
/// models (introspected or read from a snapshot). The planner reads these before dropping or retyping a column, key,
/// constraint, index or table: modelled dependents (foreign keys, indexes) are ordered before the change, unmodelled
/// ones (views, functions with SQL-standard bodies, triggers, policies, rules) block it
/// (<see cref="Planning.DiagnosticCodes.DependentObjectsBlock"/>).
/// </summary>
/// <param name="Kind">What the dependent is, in PostgreSQL's words (<c>pg_identify_object().type</c>): <c>view</c>,
/// <c>materialized view</c>, <c>function</c>, <c>procedure</c>, <c>trigger</c>, <c>policy</c>, <c>rule</c>,
/// <c>index</c>, <c>statistics object</c>; a constraint is <c>foreign key</c>, <c>check constraint</c>,
/// <c>primary key</c>, <c>unique constraint</c> or <c>exclusion constraint</c>.</param>
/// <param name="Identity">Its qualified identity as PostgreSQL prints it (<c>pg_identify_object().identity</c>),
/// e.g. <c>public.order_totals</c>, <c>public.order_total(bigint)</c>, <c>orders_fk on public.lines</c>.</param>
/// <param name="Column">The column of this table it depends on, or <c>null</c> when it depends on the table as a
/// whole or on <paramref name="OnObject"/>.</param>
/// <param name="OnObject">The constraint (or, for an index backing no constraint, the index) of this table it
/// depends on, or <c>null</c>.</param>
/// <param name="Table">The table the dependent belongs to (a foreign key's, index's, trigger's or policy's table),
/// or <c>null</c> (views, functions).</param>
/// <param name="Name">The dependent's bare name within <paramref name="Table"/> or its schema (a constraint or index
/// name), for matching with the plan's own drops; <c>null</c> when it has none.</param>
/// <param name="Automatic">PostgreSQL drops (or, on a type change, rebuilds) the dependent together with the object
/// (<c>deptype = 'a'</c>): an index or constraint of the same table on the column.</param>
public sealed record DependentObject(
    string Kind,
    string Identity,
    string? Column,
    string? OnObject,
    QualifiedName? Table,
    string? Name,
    bool Automatic)
{
    /// <summary>Whether the model carries this kind of object (foreign keys, indexes, the table's own constraints),
    /// so the plan can order its drop before the change.</summary>
    public bool Modelled => Kind is "foreign key" or "index" or "check constraint" or "primary key" or "unique constraint";

    /// <summary><c>{Kind} {Identity}</c>, e.g. <c>view public.order_totals</c>.</summary>
    public string Describe() => $"{Kind} {Identity}";
}

/// <summary>
/// How a partitioned table is partitioned (https://www.postgresql.org/docs/current/ddl-partitioning.html).
/// Partitions are not managed tables of their own: the model records them here, and the planner refuses the changes
/// PostgreSQL needs per partition (or plans them per partition).
/// </summary>
/// <param name="Strategy"><c>range</c>, <c>list</c> or <c>hash</c>.</param>
/// <param name="Key">The partition key as <c>pg_get_partkeydef()</c> prints it, e.g. <c>RANGE (created_at)</c>.</param>
/// <param name="Partitions">The direct partitions, in name order.</param>
public sealed record PartitioningModel(string Strategy, string Key, IReadOnlyList<PartitionModel> Partitions);

/// <summary>One partition of a partitioned table.</summary>
/// <param name="Schema">Schema of the partition.</param>
/// <param name="Name">Name of the partition.</param>
/// <param name="Bound">Its bound as <c>pg_get_expr(relpartbound)</c> prints it, e.g.
/// <c>FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')</c> or <c>DEFAULT</c>.</param>
/// <param name="Partitioned">Whether the partition is itself partitioned (sub-partitioning).</param>
/// <param name="Stats">The partition's size statistics, for per-partition estimates; a sub-partitioned partition's
/// are its leaf partitions' summed.</param>
/// <param name="Subpartitioning">A sub-partitioned partition's own partition key and its partitions (recursively), or
/// <c>null</c> (a leaf partition, or a snapshot written before sub-partitions were recorded).</param>
/// <param name="Indexes">The partition's own indexes: built on this partition alone, not attached to an index of the
/// parent (<c>pg_class.relispartition</c> of the index is false; the indexes PostgreSQL creates on a partition for
/// the parent's partitioned indexes are attached and not listed). Indexes backing a constraint are not listed.
/// https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE</param>
public sealed record PartitionModel(
    string Schema,
    string Name,
    string Bound,
    bool Partitioned,
    TableStats? Stats = null,
    PartitioningModel? Subpartitioning = null,
    IReadOnlyList<IndexModel>? Indexes = null)
{
    /// <summary>The partition's own indexes; never <c>null</c>.</summary>
    public IReadOnlyList<IndexModel> Indexes { get; init; } = Indexes ?? [];
}
