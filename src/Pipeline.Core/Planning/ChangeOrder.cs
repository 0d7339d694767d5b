using Pipeline.Core.Diff;
using Pipeline.Core.Model;

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
        RenameEnumValue => 1.5, // before AddEnumValue: a new label may reuse the old name
        AddEnumValue => 2,
        RenameTable => 3,
        CreateTable => 4,
        RenameColumn or RenameConstraint => 5,
        AddColumn => 6,
        AlterColumnIdentity { To: IdentityKind.None } => 6.5, // before a type change that may give the column a serial default
        ReplaceGeneratedColumn => 6.6,
        DropIndex { BeforeTypeChange: true } => 6.7, // expressions re-parsed against the new type
        DropCheck { BeforeTypeChange: true } => 6.8,
        AlterColumnType => 7,
        DropGeneratedExpression => 7.5,
        DropNotNull { AfterKeyDrop: true } => 10.55, // after the primary key it was part of
        AlterColumnDefault or DropNotNull => 8,
        SetComment => 9,
        SetNotNull => 10,
        AlterColumnIdentity => 10.05, // after SetNotNull: an identity needs a NOT NULL column
        DropForeignKey { Replacement: true } or DropForeignKey { Early: true } => 10.1,
        DropPrimaryKey { Replacement: true } or DropPrimaryKey { Early: true } => 10.5,
        AddPrimaryKey => 11,
        DropUnique { Replacement: true } or DropUnique { Early: true } => 11.5,
        AddUnique => 12,
        DropIndex { Replacement: true } or DropIndex { Early: true } => 12.5,
        CreateIndex => 13,
        AlterIndexStorage => 13.1,
        DropCheck { Replacement: true } => 13.5,
        AddCheck => 14,
        DropExclusion { Replacement: true } => 14.5,
        AddExclusion => 14.6,
        AddForeignKey => 15,
        AlterConstraintDeferrability => 15.5,
        DropForeignKey => 20,
        DropCheck => 21,
        DropExclusion => 21.5,
        DropIndex => 22,
        DropUnique => 23,
        DropPrimaryKey => 24,
        DropColumn => 25,
        DropTable => 26,
        DropEnumType => 27,
        DropSchema => 28,
        _ => 30,
    };

    /// <summary>Whether the change is a drop that runs in expand: of an object re-created under the same name, or
    /// of a key or foreign key that must go before a dependent key change (<c>Early</c>).</summary>
    public static bool IsReplacement(SchemaChange change) => change switch
    {
        DropPrimaryKey d => d.Replacement || d.Early,
        DropUnique d => d.Replacement || d.Early,
        DropIndex d => d.Replacement || d.Early || d.BeforeTypeChange,
        DropCheck d => d.Replacement || d.BeforeTypeChange,
        DropForeignKey d => d.Replacement || d.Early,
        DropExclusion d => d.Replacement,
        _ => false,
    };
}
