using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

/// <summary>Converts between the model records and the snapshot file shape.</summary>
internal static class SnapshotMapper
{
    /// <summary>The file format name written in every snapshot.</summary>
    public const string FormatName = "pipeline-snapshot";

    /// <summary>The snapshot format version this code reads and writes.</summary>
    public const int FormatVersion = 1;

    public static SnapshotDocument ToDocument(DatabaseModel model, SnapshotStatistics? statistics = null) => new(
        FormatName,
        FormatVersion,
        model.Exclude,
        model.Schemas.Select(schema => new SnapshotSchema(
            schema.Name,
            schema.Enums.Select(e => new SnapshotEnum(e.Name, e.Values)).ToList(),
            schema.Tables.Select(ToTable).ToList())).ToList(),
        model.Server is { } s ? new SnapshotServer(s.Dialect, s.VersionNum, s.Version, s.Edition, s.TargetPlatform) : null,
        model.Dialect == DatabaseModel.PostgresDialect ? null : model.Dialect,
        statistics);

    public static DatabaseModel ToModel(SnapshotDocument document) => new(
        document.Schemas.Select(schema => new SchemaModel(
            schema.Name,
            schema.Tables.Select(ToTable).ToList(),
            schema.Enums.Select(e => new EnumTypeModel(e.Name, e.Values.ToList())).ToList())).ToList(),
        document.Exclude.ToList(),
        document.Server is { } s ? new ServerInfo(s.Dialect, s.VersionNum, s.Version, s.Edition, s.TargetPlatform) : null,
        document.Dialect ?? DatabaseModel.PostgresDialect);

    private static SnapshotTable ToTable(TableModel t) => new(
        t.Name,
        t.Columns.Select(c => new SnapshotColumn(c.Name, c.Type, c.Nullable, c.Identity, c.Default, c.Comment, c.Generated,
            c.IdentitySeed, c.IdentityIncrement, c.DefaultName)).ToList(),
        t.Uniques.Select(u => new SnapshotKey(u.Name, u.Columns, True(u.NullsNotDistinct), True(u.Deferrable), True(u.InitiallyDeferred), True(u.Clustered))).ToList(),
        t.Indexes.Select(ToIndex).ToList(),
        t.ForeignKeys.Select(f => new SnapshotForeignKey(
            f.Name, f.Columns, f.ReferencedSchema, f.ReferencedTable, f.ReferencedColumns, f.OnDelete, f.OnUpdate,
            f.Match == "simple" ? null : f.Match, True(f.Deferrable), True(f.InitiallyDeferred))).ToList(),
        t.Checks.Select(c => new SnapshotCheck(c.Name, c.Expression, True(c.NoInherit))).ToList(),
        t.PrimaryKey is { } pk ? new SnapshotKey(pk.Name, pk.Columns, null, True(pk.Deferrable), True(pk.InitiallyDeferred), True(pk.Clustered)) : null,
        t.Comment,
        t.Stats is { } st ? new SnapshotStats(st.Rows, st.Pages, st.TotalBytes) : null,
        t.Exclusions.Count == 0
            ? null
            : t.Exclusions.Select(x => new SnapshotExclusion(
                x.Name,
                x.Method,
                x.Elements.Select(e => new SnapshotExclusionElement(new SnapshotKeyPart(e.Key), e.Operator)).ToList(),
                x.Include,
                x.Where,
                With(x.With),
                True(x.Deferrable),
                True(x.InitiallyDeferred))).ToList(),
        t.Partitioning is { } p ? ToPartitioning(p) : null,
        t.Unmodelled.Count == 0 ? null
            : t.Unmodelled.Select(u => new SnapshotUnmodelled(u.Kind, u.Detail, u.Name, u.Columns.Count == 0 ? null : u.Columns)).ToList(),
        t.Dependents.Count == 0 ? null
            : t.Dependents.Select(d => new SnapshotDependent(d.Kind, d.Identity, d.Automatic, d.Column, d.OnObject, d.Table?.Schema, d.Table?.Name, d.Name)).ToList());

    private static TableModel ToTable(SnapshotTable t) => new(
        t.Name,
        t.Columns.Select(c => new ColumnModel(c.Name, c.Type, c.Nullable, c.Default, c.Identity, c.Comment, Generated: c.Generated,
            IdentitySeed: c.IdentitySeed, IdentityIncrement: c.IdentityIncrement, DefaultName: c.DefaultName)).ToList(),
        t.PrimaryKey is { } pk ? new PrimaryKeyModel(pk.Name, pk.Columns.ToList(), null, pk.Deferrable ?? false, pk.InitiallyDeferred ?? false, pk.Clustered ?? false) : null,
        t.Uniques.Select(u => new UniqueConstraintModel(
            u.Name, u.Columns.ToList(), null, u.NullsNotDistinct ?? false, u.Deferrable ?? false, u.InitiallyDeferred ?? false, u.Clustered ?? false)).ToList(),
        t.Indexes.Select(ToIndex).ToList(),
        t.ForeignKeys.Select(f => new ForeignKeyModel(
            f.Name, f.Columns.ToList(), f.ReferencedSchema, f.ReferencedTable, f.ReferencedColumns.ToList(), f.OnDelete, f.OnUpdate,
            null, f.Match ?? "simple", f.Deferrable ?? false, f.InitiallyDeferred ?? false)).ToList(),
        t.Checks.Select(c => new CheckConstraintModel(c.Name, c.Expression, null, c.NoInherit ?? false)).ToList(),
        t.Comment,
        Stats: t.Stats is { } st ? new TableStats(st.Rows, st.Pages, st.TotalBytes) : null,
        Exclusions: t.Exclusions?.Select(x => new ExclusionConstraintModel(
            x.Name,
            x.Method,
            x.Elements.Select(e => new ExclusionElementModel(e.Key.Key, e.Operator)).ToList(),
            x.Include.ToList(),
            x.Where,
            Parameters(x.With),
            x.Deferrable ?? false,
            x.InitiallyDeferred ?? false)).ToList(),
        Unmodelled: t.Unmodelled?.Select(u => new UnmodelledProperty(u.Kind, u.Name, u.Detail, u.Columns?.ToList())).ToList(),
        Dependents: t.Dependents?.Select(d => new DependentObject(d.Kind, d.Identity, d.Column, d.OnObject, d.Table is null ? null : new QualifiedName(d.TableSchema ?? "", d.Table), d.Name, d.Automatic)).ToList(),
        Partitioning: t.Partitioning is { } p ? ToPartitioning(p) : null);

    private static SnapshotPartitioning ToPartitioning(PartitioningModel p) => new(
        p.Strategy,
        p.Key,
        p.Partitions.Select(x => new SnapshotPartition(
            x.Schema,
            x.Name,
            x.Bound,
            x.Partitioned,
            x.Stats is { } ps ? new SnapshotStats(ps.Rows, ps.Pages, ps.TotalBytes) : null,
            x.Subpartitioning is { } sub ? ToPartitioning(sub) : null,
            x.Indexes.Count == 0 ? null : x.Indexes.Select(ToIndex).ToList())).ToList());

    private static PartitioningModel ToPartitioning(SnapshotPartitioning p) => new(
        p.Strategy,
        p.Key,
        p.Partitions.Select(x => new PartitionModel(
            x.Schema,
            x.Name,
            x.Bound,
            x.Partitioned,
            x.Stats is { } ps ? new TableStats(ps.Rows, ps.Pages, ps.TotalBytes) : null,
            x.Partitioning is { } sub ? ToPartitioning(sub) : null,
            x.Indexes?.Select(ToIndex).ToList())).ToList());

    private static SnapshotIndex ToIndex(IndexModel i) => new(
        i.Name, Parts(i.Keys), i.Unique, i.Method, i.Include, i.Where, With(i.With), True(i.NullsNotDistinct), True(i.Clustered));

    private static IndexModel ToIndex(SnapshotIndex i) => new(
        i.Name, i.Keys.Select(k => k.Key).ToList(), i.Unique, i.Where, i.Method, i.Include.ToList(), null, Parameters(i.With),
        i.NullsNotDistinct ?? false, i.Clustered ?? false);

    private static bool? True(bool value) => value ? true : null;

    private static List<SnapshotKeyPart> Parts(IReadOnlyList<IndexKeyModel> keys) => keys.Select(k => new SnapshotKeyPart(k)).ToList();

    private static Dictionary<string, string>? With(IReadOnlyList<StorageParameter> parameters) =>
        parameters.Count == 0 ? null : parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    private static List<StorageParameter> Parameters(IReadOnlyDictionary<string, string>? with) =>
        with is null ? [] : with.Select(kv => new StorageParameter(kv.Key, kv.Value)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
}
