using System.Xml.Linq;
using Microsoft.SqlServer.Dac;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>
/// DacFx's own comparison of two dacpacs, offline: <c>DacServices.GenerateDeployReport(source, target, …)</c> — what
/// SqlPackage /Action:DeployReport prints — parsed into the objects it would change
/// (https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.dacservices.generatedeployreport), and the deploy
/// script (<c>GenerateDeployScript</c>) for the test output.
/// </summary>
internal static class DacFxOracle
{
    /// <summary>What DacFx would do to turn the schema of <paramref name="currentDacpac"/> into that of
    /// <paramref name="desiredDacpac"/>: drops included (<c>DropObjectsNotInSource</c>), data loss not blocking the
    /// report, column order significant (<c>IgnoreColumnOrder = false</c>, the default).</summary>
    public static DeployReport Compare(string desiredDacpac, string currentDacpac)
    {
        using var source = DacPackage.Load(desiredDacpac);
        using var target = DacPackage.Load(currentDacpac);
        var options = new DacDeployOptions
        {
            DropObjectsNotInSource = true,
            BlockOnPossibleDataLoss = false,
            IgnoreColumnOrder = false,
            GenerateSmartDefaults = false,
        };
        var xml = DacServices.GenerateDeployReport(source, target, "Oracle", options);
        var script = DacServices.GenerateDeployScript(source, target, "Oracle", options);
        return Parse(xml, script);
    }

    /// <summary>The operations and alerts of a deploy report (XML namespace
    /// <c>http://schemas.microsoft.com/sqlserver/dac/DeployReport/2012/02</c>).</summary>
    public static DeployReport Parse(string xml, string script)
    {
        var doc = XDocument.Parse(xml);
        var operations = doc.Descendants().Where(e => e.Name.LocalName == "Operation")
            .SelectMany(op => op.Elements().Where(i => i.Name.LocalName == "Item")
                .Select(i => new ObjectChange((string)op.Attribute("Name")!, (string)i.Attribute("Type")!, (string)i.Attribute("Value")!)))
            .ToList();
        var alerts = doc.Descendants().Where(e => e.Name.LocalName == "Alert")
            .SelectMany(a => a.Elements().Where(i => i.Name.LocalName == "Issue")
                .Select(i => $"{(string)a.Attribute("Name")!}: {(string)i.Attribute("Value")!}"))
            .ToList();
        return new DeployReport(operations, alerts, xml, script);
    }
}

/// <summary>A parsed deploy report: its operations, its alerts (<c>DataIssue: …</c>), the XML and the deploy
/// script.</summary>
internal sealed record DeployReport(IReadOnlyList<ObjectChange> Operations, IReadOnlyList<string> Alerts, string Xml, string Script)
{
    /// <summary>Tables DacFx rebuilds (create a copy, move the data, drop the original, rename).</summary>
    public IEnumerable<string> Rebuilds => Operations.Where(o => o.Operation == "TableRebuild").Select(o => o.Name);
}
