using Pipeline.Core.Diff;

namespace Pipeline.Core.Planning;

/// <summary>
/// Dependency order of change kinds. Within expand: schemas and types before tables, tables before columns, keys and
/// unique constraints before the foreign keys that reference them. Within contract: enforcement of additive changes
/// (VALIDATE, SET NOT NULL) first, then drops from the most dependent object to the least: foreign keys, checks,
/// indexes, unique constraints, primary keys, columns, tables, types, schemas.
/// </summary>
internal static class ChangeOrder
{
    /// <summary>The rank of a change: lower runs first within a phase. A replacement drop ranks just before the
    /// re-creation of the same kind.</summary>
    public static double Rank(SchemaChange change) => change switch
    {
        CreateSchema => 0,
        CreateEnumType => 1,
        AddEnumValue => 2,
        RenameTable => 3,
        CreateTable => 4,
        RenameColumn or RenameConstraint => 5,
        AddColumn => 6,
        AlterColumnType => 7,
        AlterColumnDefault or DropNotNull => 8,
        SetComment => 9,
        SetNotNull => 10,
        AlterColumnIdentity => 10.05, // after SetNotNull: an identity needs a NOT NULL column
        DropForeignKey { Replacement: true } => 10.1,
        DropPrimaryKey { Replacement: true } => 10.5,
        AddPrimaryKey => 11,
        DropUnique { Replacement: true } => 11.5,
        AddUnique => 12,
        DropIndex { Replacement: true } => 12.5,
        CreateIndex => 13,
        DropCheck { Replacement: true } => 13.5,
        AddCheck => 14,
        AddForeignKey => 15,
        DropForeignKey => 20,
        DropCheck => 21,
        DropIndex => 22,
        DropUnique => 23,
        DropPrimaryKey => 24,
        DropColumn => 25,
        DropTable => 26,
        DropEnumType => 27,
        DropSchema => 28,
        _ => 30,
    };

    /// <summary>Whether the change is a drop of an object re-created under the same name.</summary>
    public static bool IsReplacement(SchemaChange change) => change switch
    {
        DropPrimaryKey d => d.Replacement,
        DropUnique d => d.Replacement,
        DropIndex d => d.Replacement,
        DropCheck d => d.Replacement,
        DropForeignKey d => d.Replacement,
        _ => false,
    };
}
