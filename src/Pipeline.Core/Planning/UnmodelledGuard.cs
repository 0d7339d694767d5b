using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Decides whether an unmodelled property of a table (<see cref="UnmodelledProperty"/>) could be affected by a
/// change, and why. The rules, one per kind, are the "detected and refused" column of schema/FORMAT.md; a kind that
/// no planned change can affect is only reported (<see cref="DiagnosticCodes.UnmodelledProperty"/>). Partitioning is
/// the dialect's to decide (which statements PostgreSQL cannot run on a partitioned parent), so it is not judged here.
/// </summary>
internal static class UnmodelledGuard
{
    /// <summary>The properties of the target table that <paramref name="target"/>'s change could affect, each with
    /// the reason; <paramref name="backfills"/> says whether the change's steps update existing rows.</summary>
    public static IReadOnlyList<(UnmodelledProperty Property, string Why)> Affected(ChangeTarget target, bool backfills)
    {
        var result = new List<(UnmodelledProperty, string)>();
        var rlsEnabled = target.Table.Unmodelled.Any(u => u.Kind == UnmodelledKind.RowLevelSecurity);
        foreach (var p in target.Table.Unmodelled)
        {
            var why = Why(p, target, backfills, rlsEnabled);
            if (why is not null)
            {
                result.Add((p, why));
            }
        }

        return result;
    }

    /// <summary>Whether any change at all could be refused for a property of this kind (else it is only reported).</summary>
    public static bool CanRefuse(UnmodelledKind kind) => kind is not (UnmodelledKind.StorageParameters or UnmodelledKind.StatisticsTarget
        or UnmodelledKind.ColumnOptions or UnmodelledKind.Unlogged or UnmodelledKind.Tablespace or UnmodelledKind.AccessMethod);

    /// <summary>What changes a property of this kind makes the planner refuse, for the PIPE1020 warning.</summary>
    public static string RefusedChanges(UnmodelledProperty p) => p.Kind switch
    {
        UnmodelledKind.Partitioned => "changes PostgreSQL needs per partition are refused",
        UnmodelledKind.Inherits or UnmodelledKind.InheritedBy => "column and check constraint changes, backfills and drops of the table are refused",
        UnmodelledKind.RowLevelSecurity or UnmodelledKind.Policy => "backfills are refused",
        UnmodelledKind.Trigger => "backfills and dropping, retyping or renaming columns are refused",
        UnmodelledKind.Rule => "backfills and dropping or retyping columns are refused",
        UnmodelledKind.SequenceOptions => "type and identity changes of the column are refused",
        UnmodelledKind.ReplicaIdentity => p.Name is null ? KeptOnly : $"dropping or replacing index {p.Name} is refused",
        UnmodelledKind.IndexTablespace or UnmodelledKind.ClusteredOn => $"replacing index {p.Name} is refused",
        UnmodelledKind.Publication => "column changes, key changes, backfills, renaming and dropping the table are refused",
        UnmodelledKind.ColumnStorage or UnmodelledKind.ColumnCompression or UnmodelledKind.ColumnCollation => "changing the column's type is refused",
        UnmodelledKind.TypedTable => "column changes are refused",
        UnmodelledKind.ExtendedStatistics => "dropping its columns is refused",
        UnmodelledKind.ComputedColumn or UnmodelledKind.SpecialIndex => "dropping or retyping the columns it uses is refused",
        _ => KeptOnly,
    };

    /// <summary>The PIPE1020 text of kinds no planned statement changes.</summary>
    private const string KeptOnly = "no planned statement changes it, but a table created from the YAML would not have it";

    private static string? Why(UnmodelledProperty p, ChangeTarget t, bool backfills, bool rlsEnabled)
    {
        var onColumn = t.Column is not null && p.Columns.Contains(t.Column, StringComparer.Ordinal);
        var onObject = t.Object is not null && p.Name == t.Object;
        switch (p.Kind)
        {
            case UnmodelledKind.Inherits or UnmodelledKind.InheritedBy:
                if (t.IsColumnChange || t.Touch is (Touch.AddCheck or Touch.DropCheck))
                {
                    return "column and check constraint changes recurse to inheriting tables, or are refused on inherited columns";
                }

                if (backfills)
                {
                    return "an UPDATE of a parent table also updates the rows of its children";
                }

                return t.Touch == Touch.DropTable ? "a table other tables inherit from cannot be dropped without CASCADE" : null;

            case UnmodelledKind.RowLevelSecurity:
                return backfills ? "a backfill's UPDATE only sees the rows the policies let the migration role see, so rows may be left unfilled" : null;

            case UnmodelledKind.Policy:
                return backfills && rlsEnabled ? "a backfill's UPDATE only reaches the rows this policy lets the migration role see" : null;

            case UnmodelledKind.Trigger:
                if (backfills)
                {
                    return "a backfill's UPDATE fires it for every row";
                }

                return t.Touch is Touch.DropColumn or Touch.RetypeColumn or Touch.RenameColumn
                    ? "its function may use the column by name, which the catalog does not track"
                    : null;

            case UnmodelledKind.Rule:
                if (backfills)
                {
                    return "it rewrites the backfill's UPDATE";
                }

                return t.Touch is Touch.DropColumn or Touch.RetypeColumn ? "it may use the column" : null;

            case UnmodelledKind.SequenceOptions:
                return onColumn && t.Touch is (Touch.RetypeColumn or Touch.ColumnIdentity)
                    ? "changing the column's type or identity changes its sequence (type, limits) and the model cannot re-create the options"
                    : null;

            case UnmodelledKind.ReplicaIdentity:
                return onObject && t.Touch is (Touch.DropIndex or Touch.DropKey)
                    ? "dropping the replica identity index leaves the table without a replica identity (as NOTHING)"
                    : null;

            case UnmodelledKind.IndexTablespace:
                return onObject && t.Replacement && t.Touch is (Touch.DropIndex or Touch.DropKey)
                    ? "the re-created index would go to the default tablespace"
                    : null;

            case UnmodelledKind.ClusteredOn:
                return onObject && t.Replacement && t.Touch is (Touch.DropIndex or Touch.DropKey)
                    ? "the re-created index would no longer be the table's CLUSTER index"
                    : null;

            case UnmodelledKind.Publication:
                if (backfills)
                {
                    return "every backfilled row is replicated to the subscribers";
                }

                return t.Touch is Touch.AddColumn or Touch.DropColumn or Touch.RetypeColumn or Touch.RenameColumn
                    or Touch.AddKey or Touch.DropKey or Touch.DropTable or Touch.RenameTable
                    ? "logical replication does not replicate DDL: subscribers must be changed in step, and keys are the replica identity"
                    : null;

            case UnmodelledKind.ColumnStorage or UnmodelledKind.ColumnCompression or UnmodelledKind.ColumnCollation:
                return onColumn && t.Touch == Touch.RetypeColumn
                    ? "ALTER COLUMN … TYPE resets it to the new type's default"
                    : null;

            case UnmodelledKind.TypedTable:
                return t.IsColumnChange ? "PostgreSQL refuses column changes on a typed table (they follow its type)" : null;

            case UnmodelledKind.ComputedColumn or UnmodelledKind.SpecialIndex:
                // SQL Server refuses ALTER COLUMN and DROP COLUMN on a column a computed column or index uses
                // (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql#alter-column).
                return onColumn && t.Touch is Touch.DropColumn or Touch.RetypeColumn
                    ? "SQL Server refuses to drop or alter a column that a computed column or index uses"
                    : null;

            case UnmodelledKind.ExtendedStatistics:
                return onColumn && t.Touch == Touch.DropColumn ? "dropping one of its columns drops the statistics object" : null;

            default:
                return null;
        }
    }
}
