using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

/// <summary>Converts between the model records and the snapshot file shape.</summary>
internal static class SnapshotMapper
{
    /// <summary>The file format name written in every snapshot.</summary>
    public const string FormatName = "pipeline-snapshot";

    /// <summary>The snapshot format version this code reads and writes.</summary>
    public const int FormatVersion = 1;

    public static SnapshotDocument ToDocument(DatabaseModel model) => new(
        FormatName,
        FormatVersion,
        model.Exclude,
        model.Schemas.Select(schema => new SnapshotSchema(
            schema.Name,
            schema.Enums.Select(e => new SnapshotEnum(e.Name, e.Values)).ToList(),
            schema.Tables.Select(ToTable).ToList())).ToList(),
        model.Server is { } s ? new SnapshotServer(s.Dialect, s.VersionNum, s.Version) : null);

    public static DatabaseModel ToModel(SnapshotDocument document) => new(
        document.Schemas.Select(schema => new SchemaModel(
            schema.Name,
            schema.Tables.Select(ToTable).ToList(),
            schema.Enums.Select(e => new EnumTypeModel(e.Name, e.Values.ToList())).ToList())).ToList(),
        document.Exclude.ToList(),
        document.Server is { } s ? new ServerInfo(s.Dialect, s.VersionNum, s.Version) : null);

    private static SnapshotTable ToTable(TableModel t) => new(
        t.Name,
        t.Columns.Select(c => new SnapshotColumn(c.Name, c.Type, c.Nullable, c.Identity, c.Default, c.Comment)).ToList(),
        t.Uniques.Select(u => new SnapshotKey(u.Name, u.Columns)).ToList(),
        t.Indexes.Select(i => new SnapshotIndex(i.Name, i.Keys, i.Unique, i.Method, i.Include, i.Where)).ToList(),
        t.ForeignKeys.Select(f => new SnapshotForeignKey(
            f.Name, f.Columns, f.ReferencedSchema, f.ReferencedTable, f.ReferencedColumns, f.OnDelete, f.OnUpdate)).ToList(),
        t.Checks.Select(c => new SnapshotCheck(c.Name, c.Expression)).ToList(),
        t.PrimaryKey is { } pk ? new SnapshotKey(pk.Name, pk.Columns) : null,
        t.Comment,
        t.Stats is { } st ? new SnapshotStats(st.Rows, st.Pages, st.TotalBytes) : null);

    private static TableModel ToTable(SnapshotTable t) => new(
        t.Name,
        t.Columns.Select(c => new ColumnModel(c.Name, c.Type, c.Nullable, c.Default, c.Identity, c.Comment)).ToList(),
        t.PrimaryKey is { } pk ? new PrimaryKeyModel(pk.Name, pk.Columns.ToList()) : null,
        t.Uniques.Select(u => new UniqueConstraintModel(u.Name, u.Columns.ToList())).ToList(),
        t.Indexes.Select(i => new IndexModel(i.Name, i.Keys.ToList(), i.Unique, i.Where, i.Method, i.Include.ToList())).ToList(),
        t.ForeignKeys.Select(f => new ForeignKeyModel(
            f.Name, f.Columns.ToList(), f.ReferencedSchema, f.ReferencedTable, f.ReferencedColumns.ToList(), f.OnDelete, f.OnUpdate)).ToList(),
        t.Checks.Select(c => new CheckConstraintModel(c.Name, c.Expression)).ToList(),
        t.Comment,
        Stats: t.Stats is { } st ? new TableStats(st.Rows, st.Pages, st.TotalBytes) : null);
}
