using Pipeline.Core.Model;

namespace Pipeline.Postgres.Introspection;

/// <summary>
/// Shapes catalog rows into a <see cref="DatabaseModel"/> with a deterministic order: schemas, tables, enums,
/// constraints and indexes by name (ordinal), columns by attnum. Applies exclude patterns, skips INVALID indexes and
/// turns owned-sequence defaults into <c>serial</c> types.
/// </summary>
internal static class ModelAssembler
{
    public static DatabaseModel Build(CatalogSnapshot catalog, IReadOnlyList<string> exclude)
    {
        var columnsByTable = catalog.Columns.ToLookup(c => c.TableOid);
        var constraintsByTable = catalog.Constraints.ToLookup(c => c.TableOid);
        var indexesByTable = catalog.Indexes.Where(i => i.Valid).ToLookup(i => i.TableOid);
        var unmodelledByTable = catalog.Unmodelled.ToLookup(u => u.TableOid);
        var dependentsByTable = catalog.Dependents.ToLookup(d => d.TableOid);
        var tablesBySchema = catalog.Tables
            .Where(t => !NamePattern.IsExcluded(exclude, t.Schema, t.Name))
            .ToLookup(t => t.Schema);
        IReadOnlyList<IndexModel> PartitionIndexes(uint partition) =>
            indexesByTable[partition].Where(i => i.ExclusionName is null).OrderBy(i => i.Name, StringComparer.Ordinal).Select(BuildIndex).ToList();
        var enumsBySchema = catalog.Enums
            .Where(e => !NamePattern.IsExcluded(exclude, e.Schema, e.Name))
            .ToLookup(e => e.Schema);

        var schemas = catalog.Schemas
            .Order(StringComparer.Ordinal)
            .Select(schema => new SchemaModel(
                schema,
                tablesBySchema[schema]
                    .OrderBy(t => t.Name, StringComparer.Ordinal)
                    .Select(t => BuildTable(t, columnsByTable[t.Oid], constraintsByTable[t.Oid], indexesByTable[t.Oid]) with
                    {
                        Unmodelled = CatalogFactsAssembler.Properties(unmodelledByTable[t.Oid]),
                        Dependents = CatalogFactsAssembler.Dependents(dependentsByTable[t.Oid]),
                        Partitioning = CatalogFactsAssembler.Partitioning(unmodelledByTable[t.Oid], PartitionIndexes),
                    })
                    .ToList(),
                enumsBySchema[schema]
                    .OrderBy(e => e.Name, StringComparer.Ordinal)
                    .Select(e => new EnumTypeModel(e.Name, e.Labels))
                    .ToList()))
            .ToList();

        return new DatabaseModel(schemas, exclude.ToList(), new ServerInfo("postgres", catalog.VersionNum, ShortVersion(catalog.Version)));
    }

    /// <summary><c>server_version</c> without a packager suffix: <c>15.18 (Debian 15.18-0+deb12u1)</c> → <c>15.18</c>.</summary>
    internal static string ShortVersion(string version)
    {
        var space = version.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 ? version[..space] : version;
    }

    private static TableModel BuildTable(
        TableRow table, IEnumerable<ColumnRow> columns, IEnumerable<ConstraintRow> constraints, IEnumerable<IndexRow> indexes)
    {
        var cons = constraints.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var pk = cons.FirstOrDefault(c => c.Kind == "p");
        var indexList = indexes.ToList();
        return new TableModel(
            table.Name,
            columns.OrderBy(c => c.Number).Select(BuildColumn).ToList(),
            PrimaryKey: pk is null ? null : new PrimaryKeyModel(pk.Name, pk.Columns, null, pk.Deferrable, pk.InitiallyDeferred),
            Uniques: cons.Where(c => c.Kind == "u")
                .Select(c => new UniqueConstraintModel(c.Name, c.Columns, null, c.NullsNotDistinct, c.Deferrable, c.InitiallyDeferred)).ToList(),
            Indexes: indexList.Where(i => i.ExclusionName is null).OrderBy(i => i.Name, StringComparer.Ordinal).Select(BuildIndex).ToList(),
            ForeignKeys: cons.Where(c => c.Kind == "f").Select(BuildForeignKey).ToList(),
            Checks: cons.Where(c => c.Kind == "c").Select(c => new CheckConstraintModel(c.Name, c.CheckExpression ?? "", null, c.NoInherit)).ToList(),
            Comment: table.Comment,
            Stats: new TableStats((long)Math.Round(Math.Max(0, table.Rows)), Math.Max(0, table.Pages), Math.Max(0, table.TotalBytes)),
            Exclusions: indexList.Where(i => i.ExclusionName is not null).OrderBy(i => i.ExclusionName, StringComparer.Ordinal).Select(BuildExclusion).ToList());
    }

    private static ColumnModel BuildColumn(ColumnRow c)
    {
        var serialType = c.OwnedSerial ? SerialTypeFor(c.Type) : null;
        return new ColumnModel(
            c.Name,
            serialType ?? c.Type,
            Nullable: !c.NotNull,
            Default: serialType is null ? c.Default : null,
            Identity: c.Identity switch
            {
                "a" => IdentityKind.Always,
                "d" => IdentityKind.ByDefault,
                _ => IdentityKind.None,
            },
            Comment: c.Comment,
            Generated: c.GeneratedExpression);
    }

    /// <summary>The serial pseudo-type matching an integer column type, or <c>null</c>
    /// (https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL).</summary>
    private static string? SerialTypeFor(string type) => type switch
    {
        "integer" => "serial",
        "bigint" => "bigserial",
        "smallint" => "smallserial",
        _ => null,
    };

    private static IndexModel BuildIndex(IndexRow i) =>
        new(i.Name, IndexKeyText.Keys(i), i.Unique, i.Predicate, i.Method, i.Include, null, Options(i.Options), i.NullsNotDistinct);

    private static ExclusionConstraintModel BuildExclusion(IndexRow i)
    {
        var keys = IndexKeyText.Keys(i);
        var elements = keys.Select((k, n) => new ExclusionElementModel(k, n < i.ExclusionOperators.Count ? i.ExclusionOperators[n] : "=")).ToList();
        return new ExclusionConstraintModel(
            i.ExclusionName!, i.Method, elements, i.Include, i.Predicate, Options(i.Options), i.ExclusionDeferrable, i.ExclusionDeferred);
    }

    /// <summary><c>pg_class.reloptions</c> entries (<c>name=value</c>) as storage parameters ordered by name.</summary>
    private static List<StorageParameter> Options(IReadOnlyList<string> reloptions) =>
        reloptions
            .Select(o => o.Split('=', 2))
            .Select(p => new StorageParameter(p[0], p.Length > 1 ? p[1] : string.Empty))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

    private static ForeignKeyModel BuildForeignKey(ConstraintRow c) => new(
        c.Name,
        c.Columns,
        c.ReferencedSchema ?? "",
        c.ReferencedTable ?? "",
        c.ReferencedColumns,
        ReferentialAction(c.OnDelete),
        ReferentialAction(c.OnUpdate),
        null,
        c.MatchType == "f" ? "full" : "simple",
        c.Deferrable,
        c.InitiallyDeferred);

    /// <summary>Maps <c>pg_constraint.confdeltype</c>/<c>confupdtype</c> codes to the model's lower-case actions
    /// (https://www.postgresql.org/docs/current/catalog-pg-constraint.html).</summary>
    internal static string ReferentialAction(string code) => code switch
    {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    };
}
