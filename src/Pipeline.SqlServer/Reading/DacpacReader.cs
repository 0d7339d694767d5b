using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;
using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using DacIndex = Microsoft.SqlServer.Dac.Model.Index;

namespace Pipeline.SqlServer.Reading;

/// <summary>
/// Reads a SQL Server schema from a DacFx model (<see cref="TSqlModel"/>, loaded from a <c>.dacpac</c> or built from
/// T-SQL) into the project's <see cref="DatabaseModel"/> (dialect <c>sqlserver</c>), through DacFx's public model API
/// (https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.model): schemas, tables, columns (types as
/// <see cref="SqlServerTypeText"/> spells them, nullability, <c>IDENTITY(seed, increment)</c>, defaults with their
/// constraint names), primary keys and unique constraints (clustered or not), foreign keys with their actions, check
/// constraints, indexes (clustered, unique, descending keys, included columns, filter predicates) and comments (the
/// <c>MS_Description</c> extended property). What the model does not carry is recorded on the table instead of being
/// dropped silently: computed columns (<see cref="UnmodelledKind.ComputedColumn"/>), XML, spatial, columnstore and
/// full-text indexes (<see cref="UnmodelledKind.SpecialIndex"/>), DML triggers (<see cref="UnmodelledKind.Trigger"/>),
/// column collations (<see cref="UnmodelledKind.ColumnCollation"/>), <c>ROWGUIDCOL</c> and <c>SPARSE</c>
/// (<see cref="UnmodelledKind.ColumnOptions"/>); views, procedures and functions that use a table or column are its
/// <see cref="DependentObject"/>s. Constraints declared without a name (the server would generate one) get the YAML
/// format's default name (<see cref="DefaultConstraintNames"/>, <c>PK_{table}</c>, …; checks <c>CK_{table}_{n}</c>).
/// A dacpac carries no row counts: <see cref="TableModel.Stats"/> is <c>null</c>.
/// </summary>
public static class DacpacReader
{
    private const string Sql = DatabaseModel.SqlServerDialect;

    /// <summary>Reads the <c>.dacpac</c> at <paramref name="path"/>
    /// (<c>TSqlModel.LoadFromDacpac</c>, https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.model.tsqlmodel.loadfromdacpac).</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a dacpac DacFx can load; the message says why.</exception>
    public static DatabaseModel ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"dacpac '{path}' does not exist.", path);
        }

        TSqlModel model;
        try
        {
            model = TSqlModel.LoadFromDacpac(path, new ModelLoadOptions { LoadAsScriptBackedModel = false, ThrowOnModelErrors = false });
        }
        catch (Exception e) when (e is DacServicesException or DacModelException or IOException or InvalidOperationException
            or System.Xml.XmlException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' could not be read as a dacpac: {e.Message}", e);
        }

        using (model)
        {
            return Read(model);
        }
    }

    /// <summary>Reads <paramref name="model"/>; <see cref="DatabaseModel.Server"/> comes from its target platform
    /// (<see cref="TSqlModel.Version"/>, <see cref="SqlServerVersions.FromPlatform"/>).</summary>
    public static DatabaseModel Read(TSqlModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var objects = new ModelObjects(model);
        var schemaNames = model.GetObjects(DacQueryScopes.UserDefined, Schema.TypeClass).Select(s => s.Name.Parts[^1])
            .Concat(objects.Tables.Select(t => t.Name.Parts[0]))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var schemas = schemaNames.Select(schema => new SchemaModel(
            schema,
            objects.Tables.Where(t => t.Name.Parts[0] == schema)
                .OrderBy(t => t.Name.Parts[1], StringComparer.Ordinal)
                .Select(objects.ReadTable)
                .ToList(),
            [])).ToList();
        return new DatabaseModel(schemas, [], SqlServerVersions.FromPlatform(model.Version), Sql);
    }

    /// <summary>The user objects of one model, grouped by the table they belong to.</summary>
    private sealed class ModelObjects
    {
        private readonly ILookup<string, TSqlObject> _byHost;
        private readonly ILookup<string, (TSqlObject Column, TSqlObject User)> _usersOfColumns;
        private readonly ILookup<string, TSqlObject> _usersOfTables;
        private readonly ILookup<string, TSqlObject> _descriptions;

        public ModelObjects(TSqlModel model)
        {
            Tables = model.GetObjects(DacQueryScopes.UserDefined, Table.TypeClass).ToList();
            var owned = new List<(string Host, TSqlObject Object)>();
            void Add(ModelTypeClass type, ModelRelationshipClass host)
            {
                foreach (var o in model.GetObjects(DacQueryScopes.UserDefined, type))
                {
                    if (o.GetReferenced(host).FirstOrDefault() is { } h)
                    {
                        owned.Add((Key(h), o));
                    }
                }
            }

            Add(PrimaryKeyConstraint.TypeClass, PrimaryKeyConstraint.Host);
            Add(UniqueConstraint.TypeClass, UniqueConstraint.Host);
            Add(ForeignKeyConstraint.TypeClass, ForeignKeyConstraint.Host);
            Add(CheckConstraint.TypeClass, CheckConstraint.Host);
            Add(DefaultConstraint.TypeClass, DefaultConstraint.Host);
            Add(DacIndex.TypeClass, DacIndex.IndexedObject);
            Add(XmlIndex.TypeClass, XmlIndex.IndexedObject);
            Add(SpatialIndex.TypeClass, SpatialIndex.IndexedObject);
            Add(ColumnStoreIndex.TypeClass, ColumnStoreIndex.IndexedObject);
            Add(FullTextIndex.TypeClass, FullTextIndex.IndexedObject);
            Add(DmlTrigger.TypeClass, DmlTrigger.TriggerObject);
            _byHost = owned.ToLookup(o => o.Host, o => o.Object, StringComparer.Ordinal);

            _descriptions = model.GetObjects(DacQueryScopes.UserDefined, ExtendedProperty.TypeClass)
                .Where(p => p.Name.Parts[^1] == "MS_Description" && p.GetReferenced(ExtendedProperty.Host).Any())
                .ToLookup(p => FullKey(p.GetReferenced(ExtendedProperty.Host).First()), StringComparer.Ordinal);

            // Views, procedures and functions: the tables and columns their bodies use.
            var columnUsers = new List<(string Table, TSqlObject Column, TSqlObject User)>();
            var tableUsers = new List<(string Table, TSqlObject User)>();
            foreach (var user in model.GetObjects(DacQueryScopes.UserDefined, View.TypeClass, Procedure.TypeClass,
                         ScalarFunction.TypeClass, TableValuedFunction.TypeClass))
            {
                foreach (var used in user.GetReferenced(DacQueryScopes.UserDefined).Distinct())
                {
                    if (used.ObjectType == Column.TypeClass && used.Name.Parts.Count == 3)
                    {
                        columnUsers.Add((used.Name.Parts[0] + "." + used.Name.Parts[1], used, user));
                    }
                    else if (used.ObjectType == Table.TypeClass)
                    {
                        tableUsers.Add((Key(used), user));
                    }
                }
            }

            _usersOfColumns = columnUsers.ToLookup(u => u.Table, u => (u.Column, u.User), StringComparer.Ordinal);
            _usersOfTables = tableUsers.ToLookup(u => u.Table, u => u.User, StringComparer.Ordinal);
        }

        public List<TSqlObject> Tables { get; }

        public TableModel ReadTable(TSqlObject table)
        {
            var key = Key(table);
            var tableName = table.Name.Parts[1];
            var owned = _byHost[key].ToList();
            var unmodelled = new List<UnmodelledProperty>();
            var defaults = owned.Where(o => o.ObjectType == DefaultConstraint.TypeClass)
                .Where(d => d.GetReferenced(DefaultConstraint.TargetColumn).Any())
                .ToDictionary(d => d.GetReferenced(DefaultConstraint.TargetColumn).First().Name.Parts[^1], StringComparer.Ordinal);

            var columns = new List<ColumnModel>();
            foreach (var column in table.GetReferenced(Table.Columns))
            {
                var name = column.Name.Parts[^1];
                if (column.GetMetadata<ColumnType>(Column.ColumnType) != ColumnType.Column)
                {
                    var uses = column.GetReferenced(Column.ExpressionDependencies).Where(c => c.ObjectType == Column.TypeClass)
                        .Select(c => c.Name.Parts[^1]).Distinct(StringComparer.Ordinal).ToList();
                    var persisted = column.GetProperty<bool>(Column.Persisted) ? " PERSISTED" : "";
                    unmodelled.Add(new UnmodelledProperty(UnmodelledKind.ComputedColumn, name,
                        $"AS {ScriptText(column, Column.Expression)}{persisted}", uses));
                    continue;
                }

                columns.Add(ReadColumn(column, name, defaults.GetValueOrDefault(name), unmodelled));
            }

            var primaryKey = owned.Where(o => o.ObjectType == PrimaryKeyConstraint.TypeClass).Select(pk => new PrimaryKeyModel(
                NameOf(pk, DefaultConstraintNames.PrimaryKey(tableName, Sql)),
                ColumnNames(pk, PrimaryKeyConstraint.Columns),
                Clustered: pk.GetProperty<bool>(PrimaryKeyConstraint.Clustered))).FirstOrDefault();
            var uniques = owned.Where(o => o.ObjectType == UniqueConstraint.TypeClass).Select(u =>
            {
                var cols = ColumnNames(u, UniqueConstraint.Columns);
                return new UniqueConstraintModel(NameOf(u, DefaultConstraintNames.Unique(tableName, cols, Sql)), cols,
                    Clustered: u.GetProperty<bool>(UniqueConstraint.Clustered));
            }).OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
            var foreignKeys = owned.Where(o => o.ObjectType == ForeignKeyConstraint.TypeClass).Select(ReadForeignKey(tableName))
                .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            var unnamedChecks = 0;
            var checks = owned.Where(o => o.ObjectType == CheckConstraint.TypeClass)
                .Select(c => new CheckConstraintModel(
                    NameOf(c, $"CK_{tableName}_{++unnamedChecks}"),
                    ScriptText(c, CheckConstraint.Expression) ?? ""))
                .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            var indexes = new List<IndexModel>();
            foreach (var index in owned.Where(o => o.ObjectType == DacIndex.TypeClass).Select(ReadIndex).OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                // An index on a computed column (left out of the columns) is recorded, not modelled.
                var computedUsed = index.Keys.Select(k => k.Column!).Concat(index.Include)
                    .Where(c => columns.All(m => m.Name != c)).ToList();
                if (computedUsed.Count > 0)
                {
                    unmodelled.Add(new UnmodelledProperty(UnmodelledKind.SpecialIndex, index.Name,
                        "index on computed column " + string.Join(", ", computedUsed),
                        index.Keys.Select(k => k.Column!).Concat(index.Include).Where(c => columns.Any(m => m.Name == c)).ToList()));
                    continue;
                }

                indexes.Add(index);
            }

            foreach (var special in owned.Where(o => o.ObjectType == XmlIndex.TypeClass || o.ObjectType == SpatialIndex.TypeClass
                         || o.ObjectType == ColumnStoreIndex.TypeClass || o.ObjectType == FullTextIndex.TypeClass))
            {
                var kind = special.ObjectType.Name switch
                {
                    "XmlIndex" => "XML index",
                    "SpatialIndex" => "spatial index",
                    "ColumnStoreIndex" => "columnstore index",
                    _ => "full-text index",
                };
                var cols = special.GetReferenced().Where(c => c.ObjectType == Column.TypeClass && Key(c.Name.Parts) == key)
                    .Select(c => c.Name.Parts[^1]).Distinct(StringComparer.Ordinal).ToList();
                unmodelled.Add(new UnmodelledProperty(UnmodelledKind.SpecialIndex, special.Name.HasName ? special.Name.Parts[^1] : null, kind, cols));
            }

            foreach (var trigger in owned.Where(o => o.ObjectType == DmlTrigger.TypeClass))
            {
                var events = new[] { (DmlTrigger.IsInsertTrigger, "INSERT"), (DmlTrigger.IsUpdateTrigger, "UPDATE"), (DmlTrigger.IsDeleteTrigger, "DELETE") }
                    .Where(e => trigger.GetProperty<bool>(e.Item1)).Select(e => e.Item2);
                unmodelled.Add(new UnmodelledProperty(UnmodelledKind.Trigger, trigger.Name.Parts[^1],
                    $"{TriggerTiming(trigger.GetProperty(DmlTrigger.TriggerType))} {string.Join(", ", events)}".Trim()));
            }

            return new TableModel(
                tableName,
                columns,
                primaryKey,
                uniques,
                indexes,
                foreignKeys,
                checks,
                Description(table),
                Unmodelled: unmodelled,
                Dependents: Dependents(key));
        }

        private ColumnModel ReadColumn(TSqlObject column, string name, TSqlObject? defaultConstraint, List<UnmodelledProperty> unmodelled)
        {
            var identity = column.GetProperty<bool>(Column.IsIdentity);
            var collation = column.GetProperty<string>(Column.Collation);
            if (!string.IsNullOrEmpty(collation))
            {
                unmodelled.Add(new UnmodelledProperty(UnmodelledKind.ColumnCollation, null, collation, [name]));
            }

            var options = new[] { (Column.IsRowGuidCol, "ROWGUIDCOL"), (Column.Sparse, "SPARSE"), (Column.IsFileStream, "FILESTREAM") }
                .Where(o => column.GetProperty<bool>(o.Item1)).Select(o => o.Item2).ToList();
            if (options.Count > 0)
            {
                unmodelled.Add(new UnmodelledProperty(UnmodelledKind.ColumnOptions, null, string.Join(" ", options), [name]));
            }

            return new ColumnModel(
                name,
                SqlServerTypeText.Of(column),
                column.GetProperty<bool>(Column.Nullable) && !identity,
                defaultConstraint is null ? null : ScriptText(defaultConstraint, DefaultConstraint.Expression),
                identity ? IdentityKind.Always : IdentityKind.None,
                Description(column),
                IdentitySeed: identity ? IdentityNumber(column.GetProperty<string>(Column.IdentitySeed)) : null,
                IdentityIncrement: identity ? IdentityNumber(column.GetProperty<string>(Column.IdentityIncrement)) : null,
                DefaultName: defaultConstraint is { Name.HasName: true } ? defaultConstraint.Name.Parts[^1] : null);
        }

        private static Func<TSqlObject, ForeignKeyModel> ReadForeignKey(string tableName) => fk =>
        {
            var columns = ColumnNames(fk, ForeignKeyConstraint.Columns);
            var target = fk.GetReferenced(ForeignKeyConstraint.ForeignTable).First();
            return new ForeignKeyModel(
                NameOf(fk, DefaultConstraintNames.ForeignKey(tableName, columns, Sql)),
                columns,
                target.Name.Parts[0],
                target.Name.Parts[1],
                ColumnNames(fk, ForeignKeyConstraint.ForeignColumns),
                Action(fk.GetProperty<ForeignKeyAction>(ForeignKeyConstraint.DeleteAction)),
                Action(fk.GetProperty<ForeignKeyAction>(ForeignKeyConstraint.UpdateAction)));
        };

        private static IndexModel ReadIndex(TSqlObject index)
        {
            var keys = index.GetReferencedRelationshipInstances(DacIndex.Columns)
                .Select(r => new IndexKeyModel(r.ObjectName.Parts[^1], Descending: !r.GetProperty<bool>(DacIndex.ColumnsRelationship.Ascending)))
                .ToList();
            var filter = ScriptText(index, DacIndex.FilterPredicate);
            return new IndexModel(
                index.Name.Parts[^1],
                keys,
                index.GetProperty<bool>(DacIndex.Unique),
                string.IsNullOrWhiteSpace(filter) ? null : filter,
                Include: index.GetReferenced(DacIndex.IncludedColumns).Select(c => c.Name.Parts[^1]).ToList(),
                Clustered: index.GetProperty<bool>(DacIndex.Clustered));
        }

        private List<DependentObject> Dependents(string tableKey)
        {
            var kindOf = (TSqlObject o) => o.ObjectType == View.TypeClass ? "view"
                : o.ObjectType == Procedure.TypeClass ? "procedure" : "function";
            var result = _usersOfColumns[tableKey]
                .Select(u => new DependentObject(kindOf(u.User), Identity(u.User), u.Column.Name.Parts[^1], null, null, null, false))
                .Concat(_usersOfTables[tableKey].Select(u => new DependentObject(kindOf(u), Identity(u), null, null, null, null, false)))
                .Distinct()
                .OrderBy(d => d.Identity, StringComparer.Ordinal).ThenBy(d => d.Column, StringComparer.Ordinal)
                .ToList();
            return result;
        }

        private string? Description(TSqlObject host) =>
            _descriptions[FullKey(host)].FirstOrDefault() is { } p ? SqlLiteral.Unquote(ScriptText(p, ExtendedProperty.Value) ?? "") : null;

        private static string Identity(TSqlObject o) => string.Join('.', o.Name.Parts);

        private static List<string> ColumnNames(TSqlObject owner, ModelRelationshipClass relationship) =>
            owner.GetReferenced(relationship).Select(c => c.Name.Parts[^1]).ToList();

        private static string NameOf(TSqlObject constraint, string fallback) =>
            constraint.Name.HasName ? constraint.Name.Parts[^1] : fallback;

        private static long? IdentityNumber(string? text) =>
            long.TryParse(text?.Trim().Trim('(', ')'), System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var n) && n != 1 ? n : null;

        /// <summary>DacFx's trigger type: 3 for <c>INSTEAD OF</c>, 2 for <c>AFTER</c> (observed on AdventureWorks'
        /// triggers, e.g. <c>dEmployee INSTEAD OF DELETE</c>, <c>uSalesOrderHeader AFTER UPDATE</c>).</summary>
        private static string TriggerTiming(object? type) => Convert.ToInt32(type, System.Globalization.CultureInfo.InvariantCulture) switch
        {
            3 => "INSTEAD OF",
            _ => "AFTER",
        };

        private static string Action(ForeignKeyAction action) => action switch
        {
            ForeignKeyAction.Cascade => "cascade",
            ForeignKeyAction.SetNull => "set null",
            ForeignKeyAction.SetDefault => "set default",
            _ => "no action",
        };
    }

    private static string Key(TSqlObject o) => Key(o.Name.Parts);

    /// <summary>A script-valued property (an expression, a filter predicate, an extended property's value) as
    /// T-SQL text: DacFx keeps these as script objects, whose text is their <c>Script</c> (or string form).</summary>
    private static string? ScriptText(TSqlObject o, ModelPropertyClass property)
    {
        var value = o.GetProperty(property);
        if (value is null or string)
        {
            return (string?)value;
        }

        var script = value.GetType().GetProperty("Script")?.GetValue(value) as string;
        return script ?? value.ToString();
    }

    /// <summary>Every part of the name, for objects of any depth (a table and its columns differ).</summary>
    private static string FullKey(TSqlObject o) => string.Join('\u0001', o.Name.Parts);

    /// <summary>The owning table's key (<c>schema.table</c>) of a name: a table's own, or a column's or index's first
    /// two parts.</summary>
    private static string Key(IList<string> parts) => parts.Count >= 2 ? parts[0] + "." + parts[1] : string.Join('.', parts);
}
