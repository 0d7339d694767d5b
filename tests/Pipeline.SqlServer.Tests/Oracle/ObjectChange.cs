namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>One object a deployment changes, in DacFx's deploy-report vocabulary: the operation
/// (<c>Create</c>, <c>Drop</c>, <c>Alter</c>, <c>TableRebuild</c>, …), the element type (<c>SqlTable</c>,
/// <c>SqlIndex</c>, <c>SqlDefaultConstraint</c>, …) and the object's name as DacFx writes it
/// (<c>[dbo].[Orders]</c>, <c>[dbo].[Orders].[IX_Orders_ShipCountry]</c> for an index, <c>[dbo].[DF_Orders_Freight]</c>
/// for a constraint).</summary>
public sealed record ObjectChange(string Operation, string Type, string Name)
{
    /// <summary><c>Operation Type Name</c>.</summary>
    public override string ToString() => $"{Operation} {Type} {Name}";
}
