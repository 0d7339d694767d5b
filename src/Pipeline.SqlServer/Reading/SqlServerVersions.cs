using Microsoft.SqlServer.Dac.Model;
using Pipeline.Core.Model;

namespace Pipeline.SqlServer.Reading;

/// <summary>
/// The target platform of a DacFx model or dacpac (its DSP, <see cref="SqlServerVersion"/>) as the model's
/// <see cref="ServerInfo"/>: SQL Server major versions per
/// https://learn.microsoft.com/troubleshoot/sql/releases/download-and-install-latest-updates (2016 = 13, 2017 = 14,
/// 2019 = 15, 2022 = 16, 2025 = 17) and the DacFx target platforms per
/// https://learn.microsoft.com/sql/tools/sql-database-projects/concepts/target-platform.
/// </summary>
public static class SqlServerVersions
{
    /// <summary>The server facts a dacpac for <paramref name="version"/> implies: <see cref="ServerInfo.VersionNum"/>
    /// is the major version times 10000 (0 when the platform has no single engine version, e.g. Synapse);
    /// <see cref="ServerInfo.Edition"/> is <c>Azure SQL Database</c> for <see cref="SqlServerVersion.SqlAzure"/> and
    /// <c>null</c> (unknown) for on-premises versions, whose dacpac does not name an edition.</summary>
    public static ServerInfo FromPlatform(SqlServerVersion version)
    {
        var (major, name, edition) = version switch
        {
            SqlServerVersion.Sql90 => (9, "SQL Server 2005", (string?)null),
            SqlServerVersion.Sql100 => (10, "SQL Server 2008", null),
            SqlServerVersion.Sql110 => (11, "SQL Server 2012", null),
            SqlServerVersion.Sql120 => (12, "SQL Server 2014", null),
            SqlServerVersion.Sql130 => (13, "SQL Server 2016", null),
            SqlServerVersion.Sql140 => (14, "SQL Server 2017", null),
            SqlServerVersion.Sql150 => (15, "SQL Server 2019", null),
            SqlServerVersion.Sql160 => (16, "SQL Server 2022", null),
            SqlServerVersion.Sql170 => (17, "SQL Server 2025", null),
            // Azure SQL Database runs the newest engine; it reports major version 12 for compatibility.
            SqlServerVersion.SqlAzure => (12, "Azure SQL Database", "Azure SQL Database"),
            _ => (0, version.ToString(), null),
        };
        return new ServerInfo(DatabaseModel.SqlServerDialect, major * 10000, major == 0 ? name : $"{major}.0 ({name})", edition, version.ToString());
    }
}
