using System.Globalization;
using Pipeline.Core.Planning;

namespace Pipeline.SqlServer.Dialect;

/// <summary>The editions the planner tells apart (what they allow online, not how they are licensed).</summary>
public enum SqlServerEdition
{
    /// <summary>Not known (a dacpac for an on-premises version names no edition): planned as <see cref="Standard"/>.</summary>
    Unknown,

    /// <summary>Standard, Web, Express: no online index operations, no metadata-only NOT NULL column with a default.</summary>
    Standard,

    /// <summary>Enterprise, and Developer and Evaluation, which have the same features
    /// (https://learn.microsoft.com/sql/sql-server/editions-and-components-of-sql-server-2022).</summary>
    Enterprise,

    /// <summary>Azure SQL Database and Azure SQL Managed Instance (newest engine; online and resumable index
    /// operations).</summary>
    Azure,
}

/// <summary>
/// The SQL Server version and edition one plan targets, and what they allow. Taken from the plan options
/// (<see cref="PlanOptions.TargetVersion"/>, <see cref="PlanOptions.TargetEdition"/>) when given, else from the actual
/// model's <see cref="PlanContext.Server"/> (the dacpac's target platform or the live server), else the most limited
/// assumption: SQL Server 2016 (13.x), edition unknown, planned as Standard.
/// </summary>
/// <param name="Major">The major version: 13 = 2016, 14 = 2017, 15 = 2019, 16 = 2022, 17 = 2025
/// (https://learn.microsoft.com/troubleshoot/sql/releases/download-and-install-latest-updates).</param>
/// <param name="Edition">The edition class.</param>
/// <param name="VersionKnown">Whether the version came from options or the model (not the assumption).</param>
public sealed record SqlServerTarget(int Major, SqlServerEdition Edition, bool VersionKnown)
{
    /// <summary>The oldest major version the dialect plans for (SQL Server 2016).</summary>
    public const int OldestSupportedMajor = 13;

    /// <summary>The major version of the newest engine, used for Azure SQL Database (which reports 12).</summary>
    public const int NewestMajor = 17;

    /// <summary>Whether the edition is known.</summary>
    public bool EditionKnown => Edition != SqlServerEdition.Unknown;

    /// <summary>The engine version whose features apply (Azure runs the newest engine).</summary>
    public int EffectiveMajor => Edition == SqlServerEdition.Azure ? NewestMajor : Major;

    /// <summary>Online index create and rebuild (<c>ONLINE = ON</c>): Enterprise/Developer and Azure only
    /// (https://learn.microsoft.com/sql/sql-server/editions-and-components-of-sql-server-2022, "Online index create
    /// and rebuild"; https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql, ONLINE).</summary>
    public bool OnlineIndex => Edition is SqlServerEdition.Enterprise or SqlServerEdition.Azure;

    /// <summary><c>RESUMABLE = ON</c> on <c>CREATE INDEX</c>: SQL Server 2019 (15.x)+ and Azure, online only
    /// (https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql, "Resumable index operations").</summary>
    public bool ResumableCreateIndex => OnlineIndex && EffectiveMajor >= 15;

    /// <summary><c>RESUMABLE = ON</c> on <c>ALTER TABLE … ADD CONSTRAINT</c> PRIMARY KEY/UNIQUE: SQL Server 2022
    /// (16.x)+ and Azure (https://learn.microsoft.com/sql/relational-databases/security/resumable-add-table-constraints).</summary>
    public bool ResumableAddConstraint => OnlineIndex && EffectiveMajor >= 16;

    /// <summary><c>WAIT_AT_LOW_PRIORITY</c> inside <c>ONLINE = ON (…)</c> of <c>CREATE INDEX</c>: SQL Server 2022
    /// (16.x)+ and Azure (https://learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql,
    /// "WAIT_AT_LOW_PRIORITY with online index operations").</summary>
    public bool WaitAtLowPriorityCreateIndex => OnlineIndex && EffectiveMajor >= 16;

    /// <summary><c>ALTER COLUMN … WITH (ONLINE = ON)</c>: SQL Server 2016+ and Azure
    /// (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql, "WITH ( ONLINE = ON | OFF) as
    /// applies to altering a column"); that it needs the Enterprise feature "Online schema change" is UNCONFIRMED, so it
    /// is used only where online index operations are available.</summary>
    public bool OnlineAlterColumn => OnlineIndex && EffectiveMajor >= 13;

    /// <summary>Adding a NOT NULL column with a runtime-constant default as a metadata-only operation: "SQL Server
    /// 2012 Enterprise edition and later versions" (https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql,
    /// "Add NOT NULL columns as an online operation"). Azure SQL is not named there (UNCONFIRMED), so it is not
    /// assumed.</summary>
    public bool MetadataOnlyNotNullDefault => Edition == SqlServerEdition.Enterprise && Major >= 11;

    /// <summary>A short description for step texts, e.g. <c>SQL Server 2019 (15.x), Enterprise</c>.</summary>
    public string Describe()
    {
        if (Edition == SqlServerEdition.Azure)
        {
            return "Azure SQL";
        }

        var name = Major switch
        {
            11 => "2012", 12 => "2014", 13 => "2016", 14 => "2017", 15 => "2019", 16 => "2022", 17 => "2025",
            _ => Major.ToString(CultureInfo.InvariantCulture) + ".x",
        };
        var version = $"SQL Server {name} ({Major.ToString(CultureInfo.InvariantCulture)}.x){(VersionKnown ? "" : ", assumed")}";
        return Edition switch
        {
            SqlServerEdition.Enterprise => version + ", Enterprise/Developer",
            SqlServerEdition.Standard => version + ", Standard",
            _ => version + ", edition unknown (planned as Standard)",
        };
    }

    /// <summary>The target of <paramref name="context"/>: options first, then the actual model's server.</summary>
    /// <exception cref="ArgumentException">A target option cannot be read (the message says which values are
    /// accepted).</exception>
    public static SqlServerTarget Of(PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var server = context.Server;
        var edition = context.Options.TargetEdition is { } e ? ParseEdition(e)
            : server?.Edition is { } se ? ParseEdition(se)
            : server?.TargetPlatform is "SqlAzure" ? SqlServerEdition.Azure
            : SqlServerEdition.Unknown;
        if (context.Options.TargetVersion is { } v)
        {
            return new SqlServerTarget(ParseMajor(v), edition, true);
        }

        if (server is { VersionNum: > 0 })
        {
            return new SqlServerTarget(server.Major, edition, true);
        }

        return new SqlServerTarget(OldestSupportedMajor, edition, false);
    }

    /// <summary>Reads a major version: a product year (<c>2016</c>…<c>2025</c>), a major (<c>15</c>) or a version
    /// (<c>15.0.4236</c>).</summary>
    /// <exception cref="ArgumentException">Not a SQL Server version.</exception>
    public static int ParseMajor(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var head = t.Split('.')[0];
        if (int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            var major = n switch
            {
                2012 => 11, 2014 => 12, 2016 => 13, 2017 => 14, 2019 => 15, 2022 => 16, 2025 => 17,
                >= 9 and <= 30 => n,
                _ => 0,
            };
            if (major > 0)
            {
                return major;
            }
        }

        throw new ArgumentException($"--target-version '{text}' is not a SQL Server version: give a year (2016, 2017, 2019, 2022, 2025) or a major version (13–17)");
    }

    /// <summary>Reads an edition name as <c>SERVERPROPERTY('Edition')</c> or a user writes it
    /// (<c>Enterprise Edition (64-bit)</c>, <c>developer</c>, <c>Standard</c>, <c>Azure SQL Database</c>, …).</summary>
    /// <exception cref="ArgumentException">Not a known edition.</exception>
    public static SqlServerEdition ParseEdition(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToUpperInvariant();
        if (t.Contains("AZURE", StringComparison.Ordinal) || t.Contains("MANAGED INSTANCE", StringComparison.Ordinal) || t == "SQLAZURE")
        {
            return SqlServerEdition.Azure;
        }

        if (t.StartsWith("ENTERPRISE", StringComparison.Ordinal) || t.StartsWith("DEVELOPER", StringComparison.Ordinal) || t.StartsWith("EVALUATION", StringComparison.Ordinal))
        {
            return SqlServerEdition.Enterprise;
        }

        if (t.StartsWith("STANDARD", StringComparison.Ordinal) || t.StartsWith("WEB", StringComparison.Ordinal) || t.StartsWith("EXPRESS", StringComparison.Ordinal))
        {
            return SqlServerEdition.Standard;
        }

        if (t is "UNKNOWN" or "")
        {
            return SqlServerEdition.Unknown;
        }

        throw new ArgumentException($"--target-edition '{text}' is not a SQL Server edition: give Enterprise, Developer, Standard, Express, Web or Azure");
    }
}
