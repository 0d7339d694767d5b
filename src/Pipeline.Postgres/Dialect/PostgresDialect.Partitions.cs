using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;

namespace Pipeline.Postgres.Dialect;

/// <summary>
/// Changes to partitioned tables (https://www.postgresql.org/docs/current/ddl-partitioning.html). PostgreSQL cannot
/// run some of the safe statements on a partitioned parent: <c>CREATE INDEX CONCURRENTLY</c> and
/// <c>DROP INDEX CONCURRENTLY</c> (observed on 15: "cannot create index on partitioned table … concurrently"),
/// <c>ADD CONSTRAINT … USING INDEX</c>, <c>ADD FOREIGN KEY … NOT VALID</c> ("not yet supported on partitioned
/// tables"), dropping or retyping a partition key column, and before 17 adding an identity column. A new index is planned per partition instead; the others are
/// refused (PIPE2022) with the workaround in the message.
/// </summary>
public sealed partial class PostgresDialect
{
    /// <summary>The steps for a change to a partitioned table, or <c>null</c> when the change is planned as for a
    /// plain table (PostgreSQL recurses to the partitions by itself: columns, defaults, NOT NULL, checks, drops).</summary>
    private static List<PlanStep>? PlanPartitioned(SchemaChange change, StepFactory f)
    {
        var target = ChangeTarget.Of(change, f.Context.Desired, f.Context.Actual);
        if (target?.Table.Partitioning is not { } partitioning)
        {
            return null;
        }

        var parent = target.Name;
        switch (change)
        {
            case CreateIndex c:
                return PartitionedIndexSteps(c, target.Table, partitioning, f);
            case AddPrimaryKey or AddUnique:
                return Refuse(change, f, PlanKeyUnpartitioned(change, f),
                    $"{change.Describe()}: {parent} is partitioned, and PostgreSQL supports neither CREATE UNIQUE INDEX CONCURRENTLY nor ADD CONSTRAINT … USING INDEX on a partitioned table. " +
                    $"Workaround: add the constraint in a maintenance window with a plain ALTER TABLE … ADD CONSTRAINT (it builds the index on every partition under SHARE, blocking writes), " +
                    "then exclude the table or re-plan; the key must include the partition key columns");
            case AddForeignKey c:
                return Refuse(change, f, PlanAddForeignKey(c, f),
                    $"{change.Describe()}: {parent} is partitioned, and PostgreSQL cannot add a NOT VALID foreign key on a partitioned table. " +
                    "Workaround: add it NOT VALID to each partition and VALIDATE it there, then ALTER TABLE … ADD the same constraint on the parent (PostgreSQL attaches the partitions' matching constraints), " +
                    "or add it in a maintenance window (it scans every partition under SHARE ROW EXCLUSIVE)");
            case DropIndex c:
                return Refuse(change, f, PlanDropIndex(c, f),
                    $"{change.Describe()}: {parent} is partitioned, and PostgreSQL cannot DROP INDEX CONCURRENTLY a partitioned index. " +
                    "Workaround: DROP INDEX (without CONCURRENTLY) in a quiet moment with a short lock_timeout: catalog-only, but it takes ACCESS EXCLUSIVE on the parent and every partition");
            case DropColumn or AlterColumnType when target.Column is { } column && PartitionKeyColumns(partitioning).Contains(column):
                return Refuse(change, f, change is DropColumn d ? PlanDropColumn(d, f) : PlanAlterColumnType((AlterColumnType)change, f),
                    $"{change.Describe()}: {column} is in the partition key of {parent} ({partitioning.Key}), and PostgreSQL cannot drop or retype a partition key column. " +
                    "Workaround: create a new partitioned table with the new key, copy the rows over, and swap the names");
            case AlterColumnIdentity when f.Major < 17:
            case AddColumn { Column.Identity: not IdentityKind.None } when f.Major < 17:
                return Refuse(change, f, change is AddColumn a ? PlanAddColumn(a, f) : PlanAlterColumnIdentity((AlterColumnIdentity)change, f),
                    $"{change.Describe()}: {parent} is partitioned, and PostgreSQL before 17 cannot add identity to a partitioned table (\"cannot recursively add identity column to table that has child tables\"). " +
                    "Workaround: a sequence default (nextval) instead of identity, or upgrade to PostgreSQL 17");
            default:
                return null;
        }
    }

    /// <summary>The steps a key change would have on a plain table (shown blocked).</summary>
    private static List<PlanStep> PlanKeyUnpartitioned(SchemaChange change, StepFactory f) => change switch
    {
        AddPrimaryKey p => PlanAddPrimaryKey(p, f),
        AddUnique u => PlanAddUnique(u, f),
        _ => [],
    };

    private static List<PlanStep> Refuse(SchemaChange change, StepFactory f, List<PlanStep> steps, string message)
    {
        f.Report(DiagnosticSeverity.Error, DiagnosticCodes.PartitionedTableUnsupported, message);
        var reason = $"{change.Describe()} cannot run this way on a partitioned table ({DiagnosticCodes.PartitionedTableUnsupported}).";
        return steps.Select(s => s.Blocked ? s : s with { BlockedReason = reason }).ToList();
    }

    /// <summary>
    /// A new index on a partitioned table, built without blocking writes
    /// (https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE):
    /// <c>CREATE INDEX … ON ONLY parent</c> (an invalid parent index, catalog-only, brief SHARE on the parent), then
    /// for each partition a leftover-invalid cleanup and <c>CREATE INDEX CONCURRENTLY</c>, and
    /// <c>ALTER INDEX parent_index ATTACH PARTITION partition_index</c> (ACCESS SHARE on both tables); once every
    /// partition's index is attached, PostgreSQL marks the parent index valid. Every statement is idempotent
    /// (IF NOT EXISTS; attaching an attached index is a no-op), so a re-run resumes. Sub-partitioned partitions and
    /// a unique index without the partition key columns are refused (PIPE2022).
    /// </summary>
    private static List<PlanStep> PartitionedIndexSteps(CreateIndex c, TableModel actual, PartitioningModel partitioning, StepFactory f)
    {
        var parent = c.Table;
        var index = c.Index;
        var onOnly = f.Step(Phase.Expand, PgStatementKind.CreateIndexOnOnlyParent, $"create index {index.Name} on only {parent} (partitioned; valid once every partition's index is attached)",
            CreateIndexOnOnly(parent, index),
            "ON ONLY creates the partitioned index without building anything: catalog-only under a brief SHARE lock on the parent. It stays invalid until each partition's index is attached.",
            parent, null);

        if (partitioning.Partitions.FirstOrDefault(p => p.Partitioned) is { } nested)
        {
            return Refuse(c, f, [onOnly],
                $"{c.Describe()}: partition {nested.Schema}.{nested.Name} of {parent} is itself partitioned; the plan builds indexes one level deep only. " +
                "Workaround: build the index on each leaf concurrently, then CREATE INDEX … ON ONLY and ALTER INDEX … ATTACH PARTITION level by level");
        }

        if (index.Unique && MissingPartitionKeyColumns(index, partitioning) is { Count: > 0 } missing)
        {
            return Refuse(c, f, [onOnly],
                $"{c.Describe()}: a unique index on partitioned table {parent} must include the partition key columns ({string.Join(", ", missing)} missing); PostgreSQL would refuse it");
        }

        var steps = new List<PlanStep> { onOnly };
        foreach (var partition in partitioning.Partitions)
        {
            var table = new QualifiedName(partition.Schema, partition.Name);
            var child = index with { Name = PartitionIndexName(parent.Name, partition.Name, index.Name) };
            steps.AddRange(ConcurrentIndexSteps(table, child, partition.Stats, f, $"create index {child.Name} on partition {table} of {parent}"));
            steps.Add(f.Step(Phase.Expand, PgStatementKind.AttachIndexPartition, $"attach index {partition.Schema}.{child.Name} to {parent.Schema}.{index.Name}",
                $"ALTER INDEX {SqlIdentifiers.Qualified(parent.Schema, index.Name)} ATTACH PARTITION {SqlIdentifiers.Qualified(partition.Schema, child.Name)};",
                "Catalog-only: ACCESS SHARE on the parent and the partition (reads and writes continue); attaching an already attached index changes nothing.",
                table, null, referenced: parent));
        }

        return steps;
    }

    /// <summary><c>CREATE [UNIQUE] INDEX IF NOT EXISTS name ON ONLY parent …</c>: the plain statement with
    /// <c>IF NOT EXISTS</c> and <c>ONLY</c> inserted.</summary>
    internal static string CreateIndexOnOnly(QualifiedName parent, IndexModel index)
    {
        var plain = PostgresSql.CreateIndex(parent, index, concurrently: false);
        var name = SqlIdentifiers.Quote(index.Name);
        var marker = "INDEX " + name + " ON " + SqlIdentifiers.Qualified(parent);
        var at = plain.IndexOf(marker, StringComparison.Ordinal);
        return at < 0
            ? throw new InvalidOperationException("unexpected CREATE INDEX text: " + plain)
            : plain[..at] + "INDEX IF NOT EXISTS " + name + " ON ONLY " + SqlIdentifiers.Qualified(parent) + plain[(at + marker.Length)..];
    }

    /// <summary>The name of a partition's index: the parent index name with the parent table's name replaced by the
    /// partition's (<c>events_at_idx</c> → <c>events_2024_at_idx</c>), else <c>{partition}_{index}</c>; when longer
    /// than 63 bytes, cut and suffixed with 8 hex digits of its SHA-256, so it stays unique and deterministic.</summary>
    internal static string PartitionIndexName(string parentTable, string partition, string index)
    {
        var name = index.StartsWith(parentTable + "_", StringComparison.Ordinal)
            ? partition + index[parentTable.Length..]
            : partition + "_" + index;
        if (Encoding.UTF8.GetByteCount(name) <= SqlIdentifiers.MaxIdentifierBytes)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        var head = name;
        while (Encoding.UTF8.GetByteCount(head) > SqlIdentifiers.MaxIdentifierBytes - 9)
        {
            head = head[..^1];
        }

        return head + "_" + hash;
    }

    /// <summary>Partition key columns (from <c>pg_get_partkeydef</c>, when it lists plain columns) that a unique
    /// index does not have as keys.</summary>
    private static List<string> MissingPartitionKeyColumns(IndexModel index, PartitioningModel partitioning)
    {
        var keys = index.Keys.Where(k => k.Column is not null).Select(k => k.Column!).ToHashSet(StringComparer.Ordinal);
        return PartitionKeyColumns(partitioning).Where(c => !keys.Contains(c)).ToList();
    }

    /// <summary>The plain columns of the partition key (<c>RANGE (at, "Region")</c> → <c>at</c>, <c>Region</c>);
    /// expression parts are left out.</summary>
    private static List<string> PartitionKeyColumns(PartitioningModel partitioning) => PartitionKeyParts(partitioning).OfType<string>().ToList();

    /// <summary>Each part of the partition key (<c>pg_get_partkeydef</c>) as a plain column name, or <c>null</c> for an
    /// expression or a part with an operator class or collation; empty when the key cannot be read.</summary>
    internal static List<string?> PartitionKeyParts(PartitioningModel partitioning)
    {
        var open = partitioning.Key.IndexOf('(', StringComparison.Ordinal);
        var close = partitioning.Key.LastIndexOf(')');
        if (open < 0 || close <= open)
        {
            return [];
        }

        return partitioning.Key[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries).Select(Unquote).ToList();
    }

    /// <summary>A plain column name from a partition key part (<c>at</c>, <c>"Created At"</c>), or <c>null</c> for an
    /// expression or a part with an operator class or collation.</summary>
    private static string? Unquote(string part)
    {
        if (part.Length > 1 && part[0] == '"' && part[^1] == '"' && !part[1..^1].Contains('"', StringComparison.Ordinal))
        {
            return part[1..^1];
        }

        return part.All(ch => char.IsLetterOrDigit(ch) || ch is '_' or '$') ? part : null;
    }
}
