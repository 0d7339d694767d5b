using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Postgres.Dialect;
using Pipeline.Postgres.Execution;

namespace Pipeline.Postgres.Staging;

/// <summary>
/// Builds a synthetic staging database from a snapshot with statistics (<c>pipeline staging create</c>): the schema
/// by the planner (from an empty database to the tables without keys, indexes and constraints), every table filled
/// in foreign-key order with generated rows that follow production's <c>pg_stats</c> (binary COPY with Npgsql's
/// importer, https://www.npgsql.org/doc/copy.html), then the keys, indexes and constraints by the planner (from the
/// bare tables to the snapshot's model: concurrent index builds, <c>NOT VALID</c> + <c>VALIDATE</c>), the sequences
/// moved past the loaded values, and <c>VACUUM (ANALYZE)</c> of the loaded tables (so their pages are all-visible and
/// hinted, as autovacuum leaves production's). No row of production is ever read: only its statistics.
/// </summary>
/// <remarks>
/// Fallbacks: a column type the generator cannot synthesise (json, jsonb, tsvector, arrays, ranges, geometric and
/// network types, …) is left out of the COPY, so it gets NULL when nullable, else its default, else a constant of the
/// type (<c>'{}'</c> for json and arrays, <c>''</c> for text-like types, <c>'empty'</c> for ranges, …), with warning
/// PIPE6002. A domain the model does not carry is created as its base type (PIPE6003). Rows a CHECK rejects get the
/// checked non-key columns of a row it accepts; rows still rejected are dropped (PIPE6004). Rows whose composite key
/// repeats after 50 swaps are dropped (PIPE6006). Foreign keys in a cycle (or to the table itself) are filled from
/// their own statistics and then pointed at existing rows. Triggers, views and functions are not created (the model
/// does not carry them).
/// </remarks>
public static partial class StagingBuilder
{
    private const int ProgressEvery = 16_384;

    /// <summary>The fewest rows of a table loaded with <c>COPY … FREEZE</c>.</summary>
    private const int FreezeFrom = 10_000;

    /// <summary>Sessions building the indexes after the load at the same time.</summary>
    private const int IndexSessions = 2;

    /// <summary>The least <c>maintenance_work_mem</c> of an index build after the load (a session setting; a
    /// larger server setting is kept).</summary>
    private const string IndexBuildMemory = "256MB";

    /// <summary>Builds the staging database at <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">The staging database (must not hold the snapshot's tables yet); never echoed.</param>
    /// <param name="model">The snapshot's model.</param>
    /// <param name="statistics">The snapshot's statistics.</param>
    /// <param name="options">Scale and seed.</param>
    /// <param name="progress">Progress reports, or <c>null</c>.</param>
    /// <param name="ct">Cancellation.</param>
    /// <exception cref="StagingException">The staging database already has a table of the snapshot (PIPE6007), or the
    /// schema could not be planned.</exception>
    /// <exception cref="PipelineConnectionException">Invalid connection string, unreachable server or server error.</exception>
    public static async Task<StagingResult> CreateAsync(
        string connectionString, DatabaseModel model, SnapshotStatistics statistics, StagingOptions options, IStagingProgress? progress, CancellationToken ct)
    {
        if (!(options.Scale > 0) || double.IsInfinity(options.Scale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the scale must be a positive number");
        }

        var target = ConnectionStrings.Describe(connectionString);
        var npgsql = ConnectionStrings.ToNpgsql(connectionString);
        await using var connection = new NpgsqlConnection(npgsql);
        await ConnectionStrings.GuardAsync("Cannot connect to PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return await ConnectionStrings.GuardAsync("Cannot build the staging database at", target,
            () => new Run(connection, npgsql, model, statistics, options, progress).ExecuteAsync(ct)).ConfigureAwait(false);
    }

    private sealed partial class Run(NpgsqlConnection connection, string npgsqlConnectionString, DatabaseModel snapshot, SnapshotStatistics statistics, StagingOptions options, IStagingProgress? progress)
    {
        private readonly List<string> _warnings = [];
        private readonly Dictionary<QualifiedName, List<object[]>> _keys = [];
        private readonly Random _random = new(options.Seed);
        private readonly PhaseClock _clock = new();
        private readonly HashSet<QualifiedName> _partitioned = [];
        private int _sampleRows = AnalyzeDistinctEstimate.DefaultSampleRows;

        /// <summary>The partitions' own indexes (not attached to a parent's partitioned index), built after the load.</summary>
        private readonly List<(QualifiedName Partition, IndexModel Index)> _partitionIndexes = [];

        public async Task<StagingResult> ExecuteAsync(CancellationToken ct)
        {
            var total = Stopwatch.StartNew();
            var tables = snapshot.Schemas.SelectMany(s => s.Tables.Select(t => (Name: new QualifiedName(s.Name, t.Name), Table: t))).ToList();
            foreach (var (name, _) in tables)
            {
                if (await StagingCatalog.TableExistsAsync(connection, SqlIdentifiers.Qualified(name), ct).ConfigureAwait(false))
                {
                    throw new StagingException(StagingCodes.StagingNotEmpty,
                        $"the staging database already has table {name}: staging create builds a new database; point it at an empty one (CREATE DATABASE …) or drop the tables first");
                }
            }

            _sampleRows = await StagingCatalog.AnalyzeSampleRowsAsync(connection, ct).ConfigureAwait(false);
            var full = await ResolveTypesAsync(Strip(snapshot), ct).ConfigureAwait(false);
            var bare = Bare(full);
            progress?.Step("creating the tables");
            using (_clock.Time("schema"))
            {
                foreach (var sequence in FreeSequences(full))
                {
                    await StagingCatalog.ExecuteAsync(connection, $"CREATE SEQUENCE IF NOT EXISTS {sequence}", ct).ConfigureAwait(false);
                }

                await ExecutePlanAsync(Planner.Plan(bare, DatabaseModel.Empty, PostgresProvider.Instance.Planning, new PlanOptions(AllowDataLoss: true), "empty staging database"), ct,
                        partitioned: full).ConfigureAwait(false);
            }

            var order = FillOrder(full, out var deferred);
            var targets = order.Select(t => (Name: t, Rows: TargetRows(t, full))).ToList();
            progress?.Planned(targets.Select(t => (t.Name.ToString(), t.Rows)).ToList());
            var load = Stopwatch.StartNew();
            var results = new List<StagingTable>();
            foreach (var (name, rows) in targets)
            {
                results.Add(await FillAsync(name, full.FindTable(name.Schema, name.Name)!, rows, full, deferred, ct).ConfigureAwait(false));
            }

            using (_clock.Time("deferred foreign keys"))
            {
                foreach (var (table, fk) in deferred)
                {
                    await PointAtExistingRowsAsync(table, fk, full, ct).ConfigureAwait(false);
                }
            }

            load.Stop();
            progress?.Step("keys, indexes and constraints");
            using (_clock.Time("keys, indexes and constraints"))
            {
                await ExecuteAfterLoadAsync(Planner.Plan(full, bare, PostgresProvider.Instance.Planning, new PlanOptions(AllowDataLoss: true), "staging database"), ct)
                    .ConfigureAwait(false);
            }

            progress?.Step("sequences and VACUUM (ANALYZE)");
            using (_clock.Time("sequences"))
            {
                await MoveSequencesAsync(full, ct).ConfigureAwait(false);
            }

            // Production's tables have been through autovacuum: hint bits set, the visibility map marking the pages
            // all-visible, dead rows gone. A freshly loaded table has none of that, so the first scan of a rehearsed
            // step would write every page, and the CHECK and foreign-key fixes above leave dead rows behind.
            // https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-VISIBILITY-MAP
            using (_clock.Time("vacuum and analyze"))
            {
                if (order.Count > 0)
                {
                    await StagingCatalog.ExecuteAsync(connection,
                        "VACUUM (ANALYZE) " + string.Join(", ", order.Select(t => SqlIdentifiers.Qualified(t))), ct).ConfigureAwait(false);
                }
            }

            return new StagingResult(results, _warnings, load.Elapsed.TotalMilliseconds, total.Elapsed.TotalMilliseconds) { Phases = _clock.Phases() };
        }

        /// <summary>The model without what the planner need not manage on staging (unmodelled properties, dependents).</summary>
        private static DatabaseModel Strip(DatabaseModel model) => model with
        {
            Schemas = model.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t with { Unmodelled = [], Dependents = [] }).ToList(),
            }).ToList(),
        };

        /// <summary>Domains the model does not carry become their base type (from the statistics).</summary>
        private async Task<DatabaseModel> ResolveTypesAsync(DatabaseModel model, CancellationToken ct)
        {
            var known = new Dictionary<string, bool>(StringComparer.Ordinal);
            var enums = model.Schemas.SelectMany(s => s.Enums.Select(e => (s.Name, e.Name))).ToHashSet();
            var schemas = new List<SchemaModel>();
            foreach (var schema in model.Schemas)
            {
                var tables = new List<TableModel>();
                foreach (var table in schema.Tables)
                {
                    var stats = statistics.Find(schema.Name, table.Name);
                    var columns = new List<ColumnModel>();
                    foreach (var column in table.Columns)
                    {
                        if (stats?.Find(column.Name)?.BaseType is { } baseType && !IsModelledEnum(column.Type, enums))
                        {
                            if (!known.TryGetValue(column.Type, out var exists))
                            {
                                known[column.Type] = exists = await StagingCatalog.TypeExistsAsync(connection, column.Type, ct).ConfigureAwait(false);
                            }

                            if (!exists)
                            {
                                Warn(StagingCodes.DomainAsBaseType,
                                    $"{schema.Name}.{table.Name}.{column.Name}: domain {column.Type} is not in the model; the staging column is {baseType} (the domain's checks are not applied)");
                                columns.Add(column with { Type = baseType });
                                continue;
                            }
                        }

                        columns.Add(column);
                    }

                    tables.Add(table with { Columns = columns });
                }

                schemas.Add(schema with { Tables = tables });
            }

            return model with { Schemas = schemas };
        }

        private static bool IsModelledEnum(string type, HashSet<(string, string)> enums) =>
            enums.Any(e => type == e.Item2 || type == $"{e.Item1}.{e.Item2}");

        /// <summary>The tables with their columns only: keys, indexes and constraints are added after the load.
        /// A partitioned table keeps them (PostgreSQL builds neither concurrent indexes nor NOT VALID foreign keys on
        /// one): they are created with it and maintained during its load.</summary>
        private static DatabaseModel Bare(DatabaseModel model) => model with
        {
            Schemas = model.Schemas.Select(s => s with
            {
                Tables = s.Tables.Select(t => t.Partitioning is not null ? t : t with
                {
                    PrimaryKey = null,
                    Uniques = [],
                    Indexes = [],
                    ForeignKeys = [],
                    Checks = [],
                    Exclusions = [],
                }).ToList(),
            }).ToList(),
        };

        /// <summary>Runs the steps of <paramref name="plan"/>; with <paramref name="partitioned"/>, the CREATE TABLE of each
        /// of its partitioned tables gets the table's <c>PARTITION BY</c> and is followed by its partitions
        /// (<see cref="PartitionStatements"/>).</summary>
        private async Task ExecutePlanAsync(MigrationPlan plan, CancellationToken ct, DatabaseModel? partitioned = null)
        {
            foreach (var statement in partitioned is null ? Statements(plan) : Steps(plan).SelectMany(step => PartitionStatements(step.Sql, partitioned)).ToList())
            {
                await StagingCatalog.ExecuteAsync(connection, statement, ct).ConfigureAwait(false);
            }
        }

        private static List<string> Statements(MigrationPlan plan) =>
            Steps(plan).SelectMany(s => SqlScriptSplitter.Split(s.Sql)).ToList();

        /// <summary>The steps of <paramref name="plan"/> to run on a new database.</summary>
        /// <exception cref="StagingException">The plan has errors or blocked steps.</exception>
        private static List<PlanStep> Steps(MigrationPlan plan)
        {
            var errors = plan.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0 || plan.Steps.Any(s => s.Blocked))
            {
                throw new StagingException(errors.FirstOrDefault()?.Code ?? StagingCodes.StagingNotEmpty,
                    "the staging schema cannot be planned: " + string.Join("; ", errors.Select(e => $"{e.Code}: {e.Message}")));
            }

            // A cleanup step drops an INVALID index left by an earlier attempt: a new database has none.
            return plan.Steps.Where(s => s.Kind != StepKind.Cleanup).ToList();
        }

        /// <summary>
        /// The keys, indexes and constraints after the load. Nothing else uses the new database, so the planner's
        /// index builds (<c>CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS</c>, which scan the table twice and wait
        /// for each other on one table) run first as plain builds (SHARE lock: one scan, several at once on a table;
        /// https://www.postgresql.org/docs/current/sql-createindex.html), on <see cref="IndexSessions"/> sessions
        /// with at least <see cref="IndexBuildMemory"/> of <c>maintenance_work_mem</c> so the sort stays in memory;
        /// then the plan's other statements in their order (<c>ADD … USING INDEX</c> finds its index built, <c>NOT
        /// VALID</c> + <c>VALIDATE</c>). The partitions' own indexes (<see cref="PartitionModel.Indexes"/>) are
        /// built with the plan's, as plain builds of the same statement the planner writes
        /// (<see cref="PostgresSql.CreateIndex"/>); the indexes PostgreSQL attached to the partitions for the parent's
        /// partitioned indexes were created with the parent's, before the load, and are not built twice.
        /// </summary>
        private async Task ExecuteAfterLoadAsync(MigrationPlan plan, CancellationToken ct)
        {
            var statements = Statements(plan);
            var builds = new Queue<string>(statements.Where(s => ConcurrentBuild().IsMatch(s)).Select(s => ConcurrentBuild().Replace(s, "$1INDEX IF NOT EXISTS ", 1))
                .Concat(_partitionIndexes.Select(p => PostgresSql.CreateIndex(p.Partition, p.Index, concurrently: false))));
            var sessions = Math.Min(IndexSessions, builds.Count);
            var workers = new List<Task>();
            for (var i = 0; i < sessions; i++)
            {
                workers.Add(Task.Run(async () =>
                {
                    await using var session = new NpgsqlConnection(npgsqlConnectionString);
                    await session.OpenAsync(ct).ConfigureAwait(false);
                    await StagingCatalog.ExecuteAsync(session,
                        $"SELECT pg_catalog.set_config('maintenance_work_mem', '{IndexBuildMemory}', false) FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem' AND setting::bigint * 1024 < pg_size_bytes('{IndexBuildMemory}')", ct)
                        .ConfigureAwait(false);
                    while (true)
                    {
                        string? build;
                        lock (builds)
                        {
                            if (!builds.TryDequeue(out build))
                            {
                                return;
                            }
                        }

                        await StagingCatalog.ExecuteAsync(session, build, ct).ConfigureAwait(false);
                    }
                }, ct));
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
            foreach (var statement in statements.Where(s => !ConcurrentBuild().IsMatch(s)))
            {
                await StagingCatalog.ExecuteAsync(connection, statement, ct).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The statements of a step of the bare plan: a <c>CREATE TABLE</c> of a table the snapshot records as
        /// partitioned becomes <c>CREATE TABLE … PARTITION BY {key}</c>, followed by one
        /// <c>CREATE TABLE {partition} PARTITION OF {table} {bound}</c> per partition, with the key and bounds as the
        /// snapshot recorded them (<c>pg_get_partkeydef</c>, <c>pg_get_expr(relpartbound)</c>;
        /// https://www.postgresql.org/docs/current/sql-createtable.html); a sub-partitioned partition gets its own
        /// <c>PARTITION BY {key}</c> and its partitions, level by level (<see cref="PartitionsOf"/>). The load's COPY
        /// into the parent then routes each row through the tree to its leaf partition
        /// (https://www.postgresql.org/docs/current/sql-copy.html). The partitions' own indexes are built after the
        /// load (<see cref="ExecuteAfterLoadAsync"/>).
        /// </summary>
        private List<string> PartitionStatements(string sql, DatabaseModel model)
        {
            var statements = SqlScriptSplitter.Split(sql).ToList();
            foreach (var schema in model.Schemas)
            {
                foreach (var table in schema.Tables.Where(t => t.Partitioning is not null))
                {
                    var name = SqlIdentifiers.Qualified(schema.Name, table.Name);
                    var at = statements.FindIndex(st => st.StartsWith($"CREATE TABLE {name} (", StringComparison.Ordinal) && st.TrimEnd().TrimEnd(';').EndsWith(')'));
                    if (at < 0)
                    {
                        continue;
                    }

                    var partitioning = table.Partitioning!;
                    statements[at] = statements[at].TrimEnd().TrimEnd(';') + $" PARTITION BY {partitioning.Key}";
                    var partitions = new List<string>();
                    PartitionsOf(new QualifiedName(schema.Name, table.Name), partitioning, partitions);
                    statements.InsertRange(at + 1, partitions);
                    _partitioned.Add(new QualifiedName(schema.Name, table.Name));
                }
            }

            return statements;
        }

        /// <summary>
        /// Appends to <paramref name="statements"/> the <c>CREATE TABLE … PARTITION OF</c> of each partition of
        /// <paramref name="parent"/> and, for a sub-partitioned one, its <c>PARTITION BY</c> and (recursively) its own
        /// partitions; records each partition's own indexes for after the load. A partition the snapshot marks as
        /// partitioned without its key (a snapshot written before sub-partitions were recorded) is created as a plain
        /// partition (PIPE6050); a partitioned table or partition without partitions gets no rows (PIPE6051).
        /// </summary>
        private void PartitionsOf(QualifiedName parent, PartitioningModel partitioning, List<string> statements)
        {
            if (partitioning.Partitions.Count == 0)
            {
                Warn(StagingCodes.PartitionRowsUnroutable,
                    $"{parent}: partitioned ({partitioning.Strategy}) with no partition in the snapshot: created without partitions, so it holds no rows");
            }

            foreach (var partition in partitioning.Partitions)
            {
                var name = new QualifiedName(partition.Schema, partition.Name);
                var create = $"CREATE TABLE {SqlIdentifiers.Qualified(name)} PARTITION OF {SqlIdentifiers.Qualified(parent)} {partition.Bound}";
                if (partition.Subpartitioning is { } sub)
                {
                    statements.Add(create + $" PARTITION BY {sub.Key}");
                    PartitionsOf(name, sub, statements);
                }
                else
                {
                    if (partition.Partitioned)
                    {
                        Warn(StagingCodes.SubPartitionFlattened,
                            $"{parent}: partition {name} is itself partitioned, but the snapshot does not record its partition key (taken before sub-partitions were recorded; snapshot again): it is created as a plain partition ({partition.Bound})");
                    }

                    statements.Add(create);
                }

                _partitionIndexes.AddRange(partition.Indexes.Select(index => (name, index)));
            }
        }

        /// <summary>Parents before children (Kahn's algorithm over the foreign keys, ties in snapshot order); a
        /// foreign key to the table itself or closing a cycle is <paramref name="deferred"/>.</summary>
        private static List<QualifiedName> FillOrder(DatabaseModel model, out List<(QualifiedName Table, ForeignKeyModel Fk)> deferred)
        {
            var all = model.Schemas.SelectMany(s => s.Tables.Select(t => new QualifiedName(s.Name, t.Name))).ToList();
            var set = all.ToHashSet();
            var parents = all.ToDictionary(t => t, t => model.FindTable(t.Schema, t.Name)!.ForeignKeys
                .Select(f => new QualifiedName(f.ReferencedSchema, f.ReferencedTable)).Where(p => set.Contains(p) && p != t).ToHashSet());
            deferred = [];
            var order = new List<QualifiedName>();
            var done = new HashSet<QualifiedName>();
            while (order.Count < all.Count)
            {
                var next = all.FirstOrDefault(t => !done.Contains(t) && parents[t].All(done.Contains));
                if (next is null)
                {
                    // A cycle: take the first table left and fill its foreign keys into the unfilled ones afterwards.
                    next = all.First(t => !done.Contains(t));
                }

                order.Add(next);
                done.Add(next);
            }

            var position = order.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
            foreach (var table in order)
            {
                foreach (var fk in model.FindTable(table.Schema, table.Name)!.ForeignKeys)
                {
                    var parent = new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable);
                    if (set.Contains(parent) && position[parent] >= position[table])
                    {
                        deferred.Add((table, fk));
                    }
                }
            }

            return order;
        }

        private long TargetRows(QualifiedName name, DatabaseModel model)
        {
            var stats = statistics.Find(name.Schema, name.Name);
            var tuples = stats?.RelTuples ?? -1;
            if (tuples < 0)
            {
                tuples = model.FindTable(name.Schema, name.Name)?.Stats?.Rows ?? 0;
                Warn(StagingCodes.StatisticsUnreadable, $"{name}: the snapshot has no row estimate (never analysed); {tuples} rows");
            }

            return (long)Math.Round(tuples * options.Scale);
        }

        private async Task<StagingTable> FillAsync(
            QualifiedName name, TableModel table, long targetRows, DatabaseModel model, List<(QualifiedName Table, ForeignKeyModel Fk)> deferred, CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var rows = (int)Math.Min(targetRows, int.MaxValue - 1);
            var qualified = SqlIdentifiers.Qualified(name);
            var stats = statistics.Find(name.Schema, name.Name);
            if (stats is not null && stats.Columns.All(c => c.Unread == true) && rows > 0)
            {
                Warn(StagingCodes.StatisticsUnreadable, $"{name}: no column statistics in the snapshot; every value distinct, no NULLs");
            }

            var generating = _clock.Time("generate");
            var columns = await StagingCatalog.ColumnsAsync(connection, qualified, ct).ConfigureAwait(false);
            var keyColumns = KeyColumns(table);
            var singleUnique = SingleUniqueColumns(table);
            var subKeys = SubPartitionKeyColumns(table);
            var plans = new List<ColumnPlan>();
            var temporaryDefaults = new List<string>();
            var fkDone = new HashSet<string>(StringComparer.Ordinal);
            var jobs = new List<Func<List<ColumnPlan>>>();
            foreach (var column in columns)
            {
                var modelColumn = table.FindColumn(column.Name);
                if (column.Generated || modelColumn is null || fkDone.Contains(column.Name))
                {
                    continue;
                }

                var columnStats = stats?.Find(column.Name) is { Unread: not true } s ? s : null;
                var correlation = subKeys.Contains(column.Name) ? 0 : columnStats?.Correlation ?? 0;
                var nullable = modelColumn.Nullable && table.PrimaryKey?.Columns.Contains(column.Name) != true;
                var fk = table.ForeignKeys.FirstOrDefault(f => f.Columns[0] == column.Name && !deferred.Any(d => d.Table == name && d.Fk == f)
                    && _keys.ContainsKey(new QualifiedName(f.ReferencedSchema, f.ReferencedTable)));
                if (fk is not null && columns.Where(c => fk.Columns.Contains(c.Name)).All(c => c.Kind.Family != ValueFamily.Unsupported))
                {
                    var parentKeys = _keys[new QualifiedName(fk.ReferencedSchema, fk.ReferencedTable)];
                    var parentTable = model.FindTable(fk.ReferencedSchema, fk.ReferencedTable)!;
                    var keyIndex = fk.ReferencedColumns.Select(c => ReferencedKey(parentTable).IndexOf(c)).ToArray();
                    var kinds = fk.Columns.Select(c => columns.First(x => x.Name == c)).ToList();
                    var fkNullable = nullable && fk.Columns.All(c => table.FindColumn(c)!.Nullable);
                    var fkUnique = singleUnique.Contains(column.Name) && fk.Columns.Count == 1;
                    var fkSeed = _random.Next();
                    var fkColumn = column;
                    var fkSampleRows = _sampleRows;
                    jobs.Add(() =>
                    {
                        var keys = parentKeys.Select(k => keyIndex.Select(i => k[i]).ToArray()).ToList();
                        var domain = ColumnDomain.ForeignKey(fkColumn.Kind, columnStats, rows, fkNullable, fkUnique, keys, fkSampleRows);
                        var ids = RowArranger.Arrange(domain, rows, correlation, new Random(fkSeed));
                        return kinds.Select((kind, part) =>
                        {
                            var wire = kind.Kind.WireType;
                            return new ColumnPlan(kind.Name, kind.Kind, ids, id => id == RowArranger.Null ? null : keys[domain.ParentRow(id)][part],
                                (importer, id) => BinaryValueWriter.Write(importer, id == RowArranger.Null ? null : keys[domain.ParentRow(id)][part], wire));
                        }).ToList();
                    });
                    fkDone.UnionWith(kinds.Select(k => k.Name));
                    continue;
                }

                if (column.Kind.Family == ValueFamily.Unsupported)
                {
                    await FallbackAsync(name, qualified, column, modelColumn, temporaryDefaults, ct).ConfigureAwait(false);
                    continue;
                }

                var unique = singleUnique.Contains(column.Name);
                var seed = _random.Next();
                var plainColumn = column;
                var sampleRows = _sampleRows;
                jobs.Add(() =>
                {
                    var plain = ColumnDomain.Build(plainColumn.Kind, columnStats, rows, nullable, unique, sampleRows);
                    var arranged = RowArranger.Arrange(plain, rows, correlation, new Random(seed));
                    var wire = plainColumn.Kind.WireType;
                    return [new ColumnPlan(plainColumn.Name, plainColumn.Kind, arranged, id => id == RowArranger.Null ? null : plain.Value(id),
                        (importer, id) => plain.Write(importer, id, wire))];
                });
            }

            // Each column's values and row order from its own seed (drawn in column order from the run's), so the
            // columns are generated in parallel and the rows are the same for a given --seed.
            var built = new List<ColumnPlan>[jobs.Count];
            Parallel.For(0, jobs.Count, new ParallelOptions { CancellationToken = ct }, i => built[i] = jobs[i]());
            plans.AddRange(built.SelectMany(b => b));

            var dropped = Deduplicate(table, plans, rows);
            generating.Dispose();
            long loaded;
            using (_clock.Time("copy"))
            {
                // A table a partitioned table references cannot be truncated (the partitioned one keeps its foreign keys).
                var freeze = rows >= FreezeFrom && table.Partitioning is null && !model.Schemas.SelectMany(s => s.Tables).Any(t => t.Partitioning is not null
                    && t.ForeignKeys.Any(f => f.ReferencedSchema == name.Schema && f.ReferencedTable == name.Name));
                loaded = await CopyAsync(name, qualified, plans, rows, dropped, freeze, ct).ConfigureAwait(false);
            }

            using (_clock.Time("checks"))
            {
                foreach (var column in temporaryDefaults)
                {
                    await StagingCatalog.ExecuteAsync(connection, $"ALTER TABLE {qualified} ALTER COLUMN {SqlIdentifiers.Quote(column)} DROP DEFAULT", ct).ConfigureAwait(false);
                }

                loaded -= await EnforceChecksAsync(name, qualified, table, keyColumns, ct).ConfigureAwait(false);
            }

            if (table.Partitioning is { } partitioning)
            {
                using (_clock.Time("sub-partition shares"))
                {
                    await BalanceSubPartitionsAsync(name, partitioning, ct).ConfigureAwait(false);
                }
            }

            if (model.Schemas.SelectMany(s => s.Tables).Any(t => t.ForeignKeys.Any(f => f.ReferencedSchema == name.Schema && f.ReferencedTable == name.Name)))
            {
                var key = ReferencedKey(table);
                if (key.Count > 0)
                {
                    using var reading = _clock.Time("referenced keys");
                    var list = string.Join(", ", key.Select(SqlIdentifiers.Quote));
                    _keys[name] = await StagingCatalog.RowsAsync(connection, $"SELECT {list} FROM {qualified} ORDER BY {list}", ct).ConfigureAwait(false);
                }
            }

            progress?.Filled(name.ToString(), loaded);
            return new StagingTable(name.ToString(), loaded, rows - loaded, watch.Elapsed.TotalMilliseconds);
        }

        /// <summary>The columns other tables reference: the primary key, else the first unique key, else every
        /// column referenced by some foreign key.</summary>
        private List<string> ReferencedKey(TableModel table)
        {
            var referenced = snapshot.Schemas.SelectMany(s => s.Tables).SelectMany(t => t.ForeignKeys)
                .Where(f => f.ReferencedTable == table.Name).SelectMany(f => f.ReferencedColumns).Distinct().ToList();
            var key = table.PrimaryKey?.Columns.ToList() ?? [];
            foreach (var column in referenced.Where(c => !key.Contains(c)))
            {
                key.Add(column);
            }

            return key;
        }

        private static HashSet<string> KeyColumns(TableModel table) =>
            (table.PrimaryKey?.Columns ?? []).Concat(table.Uniques.SelectMany(u => u.Columns))
                .Concat(table.Indexes.Where(i => i.Unique).SelectMany(i => i.Keys.Select(k => k.Column).OfType<string>()))
                .Concat(table.ForeignKeys.SelectMany(f => f.Columns)).ToHashSet(StringComparer.Ordinal);

        private static HashSet<string> SingleUniqueColumns(TableModel table)
        {
            var keys = new List<IReadOnlyList<string>>();
            if (table.PrimaryKey is { } pk)
            {
                keys.Add(pk.Columns);
            }

            keys.AddRange(table.Uniques.Select(u => u.Columns));
            keys.AddRange(table.Indexes.Where(i => i.Unique && i.Where is null && i.Keys.All(k => k.Column is not null))
                .Select(i => (IReadOnlyList<string>)i.Keys.Select(k => k.Column!).ToList()));
            return keys.Where(k => k.Count == 1).Select(k => k[0]).ToHashSet(StringComparer.Ordinal);
        }

        /// <summary>Composite unique keys (primary key, unique constraints, unique indexes over columns): a row
        /// whose key repeats swaps its last key column's value with a later row's, up to 50 times, else is dropped.</summary>
        private bool[] Deduplicate(TableModel table, List<ColumnPlan> plans, int rows)
        {
            var dropped = new bool[rows];
            var keys = new List<IReadOnlyList<string>>();
            if (table.PrimaryKey is { Columns.Count: > 1 } pk)
            {
                keys.Add(pk.Columns);
            }

            keys.AddRange(table.Uniques.Where(u => u.Columns.Count > 1).Select(u => u.Columns));
            keys.AddRange(table.Indexes.Where(i => i.Unique && i.Where is null && i.Keys.Count > 1 && i.Keys.All(k => k.Column is not null))
                .Select(i => (IReadOnlyList<string>)i.Keys.Select(k => k.Column!).ToList()));
            foreach (var key in keys)
            {
                var parts = key.Select(c => plans.FirstOrDefault(p => p.Name == c)).ToList();
                if (parts.Any(p => p is null))
                {
                    continue;
                }

                var seen = new HashSet<string>(StringComparer.Ordinal);
                var last = parts[^1]!;
                for (var r = 0; r < rows; r++)
                {
                    if (dropped[r] || parts.Any(p => p!.Ids[r] == RowArranger.Null))
                    {
                        continue;
                    }

                    var ok = seen.Add(KeyOf(parts!, r));
                    for (var attempt = 0; !ok && attempt < 50 && r + 1 < rows; attempt++)
                    {
                        var s = _random.Next(r + 1, rows);
                        (last.Ids[r], last.Ids[s]) = (last.Ids[s], last.Ids[r]);
                        ok = last.Ids[r] != RowArranger.Null && seen.Add(KeyOf(parts!, r));
                    }

                    dropped[r] = !ok;
                }
            }

            var count = dropped.Count(d => d);
            if (count > 0)
            {
                Warn(StagingCodes.KeyRowsDropped, $"{table.Name}: {count} generated rows left out: their composite key repeated");
            }

            return dropped;
        }

        private static string KeyOf(List<ColumnPlan> parts, int row) =>
            string.Join('\u001f', parts.Select(p => Convert.ToString(p.Value(p.Ids[row]), CultureInfo.InvariantCulture)));

        /// <summary>One binary COPY of the generated rows. A plain table is emptied and loaded in one transaction
        /// with <c>FREEZE</c> (https://www.postgresql.org/docs/current/sql-copy.html): its rows are written frozen and
        /// all-visible, so the index builds, the constraints' validation and ANALYZE that follow do not set hint bits
        /// on (and rewrite) every page, and VACUUM has nothing to freeze. A partitioned table (COPY FREEZE is refused
        /// there), and a table of fewer than <see cref="FreezeFrom"/> rows, are loaded without: a table loaded in the
        /// transaction that truncated it gets a visibility map and no free space map, two or three pages that are a
        /// visible share of a small table's size (production's tables have a free space map).</summary>
        private async Task<long> CopyAsync(QualifiedName name, string qualified, List<ColumnPlan> plans, int rows, bool[] dropped, bool freeze, CancellationToken ct)
        {
            try
            {
                return await CopyRowsAsync(name, qualified, plans, rows, dropped, freeze, ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation && _partitioned.Contains(name))
            {
                throw new StagingException(StagingCodes.PartitionRowsUnroutable,
                    $"{name}: a generated row fits no partition ({ex.MessageText}): the partitions of the snapshot do not cover the values its statistics give the partition key; add a DEFAULT partition on production or exclude the table");
            }
        }

        private async Task<long> CopyRowsAsync(QualifiedName name, string qualified, List<ColumnPlan> plans, int rows, bool[] dropped, bool freeze, CancellationToken ct)
        {
            var list = string.Join(", ", plans.Select(p => SqlIdentifiers.Quote(p.Name)));
            var loaded = 0L;
            await using var transaction = freeze ? await connection.BeginTransactionAsync(ct).ConfigureAwait(false) : null;
            if (freeze)
            {
                // FREEZE needs the table created or truncated in the current transaction; it is empty and new.
                await StagingCatalog.ExecuteAsync(connection, $"TRUNCATE {qualified}", ct).ConfigureAwait(false);
            }

            await using (var importer = await connection.BeginBinaryImportAsync(
                $"COPY {qualified} ({list}) FROM STDIN (FORMAT BINARY{(freeze ? ", FREEZE" : "")})", ct).ConfigureAwait(false))
            {
                var ids = plans.Select(p => p.Ids).ToArray();
                var writers = plans.Select(p => p.Write).ToArray();
                for (var r = 0; r < rows; r++)
                {
                    if (dropped[r])
                    {
                        continue;
                    }

                    importer.StartRow();
                    for (var c = 0; c < writers.Length; c++)
                    {
                        writers[c](importer, ids[c][r]);
                    }

                    if (++loaded % ProgressEvery == 0)
                    {
                        progress?.Loaded(name.ToString(), loaded);
                    }
                }

                await importer.CompleteAsync(ct).ConfigureAwait(false);
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(ct).ConfigureAwait(false);
            }

            return loaded;
        }

        private async Task FallbackAsync(QualifiedName name, string qualified, StagingCatalog.StagingColumn column, ColumnModel modelColumn, List<string> temporaryDefaults, CancellationToken ct)
        {
            string outcome;
            if (modelColumn.Nullable)
            {
                outcome = "NULL";
            }
            else if (modelColumn.Default is not null || modelColumn.Identity != IdentityKind.None)
            {
                outcome = "its default";
            }
            else
            {
                var constant = column.IsArray ? "'{}'" : column.IsRange ? "'empty'" : column.Kind.BaseName switch
                {
                    "json" or "jsonb" => "'{}'",
                    "inet" or "cidr" => "'0.0.0.0'",
                    "macaddr" => "'00:00:00:00:00:00'",
                    "interval" => "'0'",
                    "point" => "'(0,0)'",
                    "money" => "'0'",
                    "bit" or "varbit" => "B'0'",
                    "timetz" => "'00:00:00+00'",
                    _ => "''",
                };
                await StagingCatalog.ExecuteAsync(connection,
                    $"ALTER TABLE {qualified} ALTER COLUMN {SqlIdentifiers.Quote(column.Name)} SET DEFAULT {constant}::{column.Kind.TypeName}", ct).ConfigureAwait(false);
                temporaryDefaults.Add(column.Name);
                outcome = $"the constant {constant}";
            }

            Warn(StagingCodes.TypeNotSynthesised, $"{name}.{column.Name}: type {column.Kind.TypeName} cannot be synthesised; every row gets {outcome}");
        }

        /// <summary>Generate, test, regenerate: rows a CHECK rejects take the checked non-key columns of a random
        /// accepted row; rows still rejected are deleted (before any child table is filled).</summary>
        private async Task<long> EnforceChecksAsync(QualifiedName name, string qualified, TableModel table, HashSet<string> keyColumns, CancellationToken ct)
        {
            var dropped = 0L;
            foreach (var check in table.Checks)
            {
                var rejected = await StagingCatalog.RowsAsync(connection, $"SELECT 1 FROM {qualified} WHERE ({check.Expression}) IS FALSE LIMIT 1", ct).ConfigureAwait(false);
                if (rejected.Count == 0)
                {
                    continue;
                }

                var columns = table.Columns.Where(c => keyColumns.Contains(c.Name) is false && c.Generated is null
                        && Regex.IsMatch(check.Expression, $@"(?<![\w""]){Regex.Escape(c.Name)}(?![\w""])|""{Regex.Escape(c.Name)}""", RegexOptions.None, TimeSpan.FromSeconds(1)))
                    .Select(c => SqlIdentifiers.Quote(c.Name)).ToList();
                if (columns.Count > 0)
                {
                    var set = string.Join(", ", columns);
                    var from = string.Join(", ", columns.Select(c => "g." + c));
                    await StagingCatalog.ExecuteAsync(connection,
                        $"UPDATE {qualified} AS t SET ({set}) = (SELECT {from} FROM {qualified} AS g WHERE ({check.Expression}) IS NOT FALSE AND t.ctid IS NOT NULL ORDER BY random() LIMIT 1) " +
                        $"WHERE ({check.Expression}) IS FALSE", ct).ConfigureAwait(false);
                }

                var deleted = await StagingCatalog.ExecuteAsync(connection, $"DELETE FROM {qualified} WHERE ({check.Expression}) IS FALSE", ct).ConfigureAwait(false);
                if (deleted > 0)
                {
                    Warn(StagingCodes.CheckRowsDropped, $"{name}: {deleted} generated rows left out: CHECK {check.Name} rejected them after regeneration");
                    dropped += deleted;
                }
            }

            return dropped;
        }

        /// <summary>A foreign key filled before its referenced table (a cycle): values with no referenced row are
        /// pointed at existing rows, spread by a hash of the value.</summary>
        private async Task PointAtExistingRowsAsync(QualifiedName table, ForeignKeyModel fk, DatabaseModel model, CancellationToken ct)
        {
            var child = SqlIdentifiers.Qualified(table);
            var parent = SqlIdentifiers.Qualified(fk.ReferencedSchema, fk.ReferencedTable);
            if (fk.Columns.Count != 1)
            {
                Warn(StagingCodes.KeyRowsDropped, $"{table}: foreign key {fk.Name} closes a cycle and has several columns; its rows are set to NULL where they reference nothing");
                var cols = string.Join(", ", fk.Columns.Select(SqlIdentifiers.Quote));
                var match = string.Join(" AND ", fk.Columns.Zip(fk.ReferencedColumns, (c, p) => $"p.{SqlIdentifiers.Quote(p)} = t.{SqlIdentifiers.Quote(c)}"));
                await StagingCatalog.ExecuteAsync(connection,
                    $"UPDATE {child} AS t SET ({cols}) = ROW({string.Join(", ", fk.Columns.Select(_ => "NULL"))}) WHERE NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {match})", ct).ConfigureAwait(false);
                return;
            }

            var c = SqlIdentifiers.Quote(fk.Columns[0]);
            var k = SqlIdentifiers.Quote(fk.ReferencedColumns[0]);
            await StagingCatalog.ExecuteAsync(connection,
                $"WITH p AS (SELECT {k} AS key, row_number() OVER (ORDER BY {k}) - 1 AS rn, count(*) OVER () AS n FROM {parent}) " +
                $"UPDATE {child} AS t SET {c} = p.key FROM p WHERE t.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} AS x WHERE x.{k} = t.{c}) " +
                $"AND p.rn = (pg_catalog.hashtext(t.{c}::text)::int8 & 2147483647) % p.n", ct).ConfigureAwait(false);
            _ = model;
        }

        /// <summary>Sequences named by <c>nextval('…'::regclass)</c> defaults that are not owned by their column
        /// (so not modelled as serial): created before the tables, as they are outside the model.</summary>
        private static List<string> FreeSequences(DatabaseModel model) =>
            model.Schemas.SelectMany(s => s.Tables).SelectMany(t => t.Columns)
                .Select(c => c.Default is { } d ? NextvalName().Match(d) : Match.Empty)
                .Where(m => m.Success).Select(m => m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

        [GeneratedRegex(@"^nextval\('((?:[^']|'')+)'(?:::regclass)?\)$")]
        private static partial Regex NextvalName();

        /// <summary>The head of an index build as <see cref="PostgresSql.CreateIndex"/> writes it concurrently.</summary>
        [GeneratedRegex(@"^(CREATE (?:UNIQUE )?)INDEX CONCURRENTLY IF NOT EXISTS ")]
        private static partial Regex ConcurrentBuild();

        private async Task MoveSequencesAsync(DatabaseModel model, CancellationToken ct)
        {
            foreach (var schema in model.Schemas)
            {
                foreach (var table in schema.Tables)
                {
                    foreach (var column in table.Columns)
                    {
                        if (column.Default is { } d && NextvalName().Match(d) is { Success: true } m)
                        {
                            var qualified = SqlIdentifiers.Qualified(schema.Name, table.Name);
                            await StagingCatalog.ExecuteAsync(connection,
                                $"SELECT pg_catalog.setval({SqlIdentifiers.Literal(m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal))}, m) FROM (SELECT max({SqlIdentifiers.Quote(column.Name)}) AS m FROM {qualified}) AS x WHERE m IS NOT NULL", ct)
                                .ConfigureAwait(false);
                        }
                    }
                }
            }

            foreach (var schema in model.Schemas)
            {
                foreach (var table in schema.Tables)
                {
                    var qualified = SqlIdentifiers.Qualified(schema.Name, table.Name);
                    foreach (var column in table.Columns.Where(c => c.Identity != IdentityKind.None || c.Type.EndsWith("serial", StringComparison.Ordinal)))
                    {
                        var c = SqlIdentifiers.Quote(column.Name);
                        await StagingCatalog.ExecuteAsync(connection,
                            $"SELECT pg_catalog.setval(s, m) FROM (SELECT pg_catalog.pg_get_serial_sequence({SqlIdentifiers.Literal(qualified)}, {SqlIdentifiers.Literal(column.Name)}) AS s, " +
                            $"(SELECT max({c}) FROM {qualified}) AS m) AS x WHERE s IS NOT NULL AND m IS NOT NULL", ct).ConfigureAwait(false);
                    }
                }
            }
        }

        private void Warn(string code, string message) => _warnings.Add($"warning {code}: {message}");
    }

    /// <summary>One column of the COPY: its value ids per row and how an id becomes the value written.</summary>
    /// <param name="Name">The column.</param>
    /// <param name="Kind">Its type on staging.</param>
    /// <param name="Ids">Per row the value id (<see cref="RowArranger"/>).</param>
    /// <param name="Value">The value of an id, boxed (composite keys' bookkeeping).</param>
    /// <param name="Write">Writes the value of an id with the importer, typed (the load).</param>
    private sealed record ColumnPlan(string Name, ColumnKind Kind, int[] Ids, Func<int, object?> Value, Action<NpgsqlBinaryImporter, int> Write);
}
