using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac;
using Pipeline.Core.Dialects;
using Pipeline.Core.Model;

namespace Pipeline.SqlServer.Reading;

/// <summary>
/// Reads the schema of a live SQL Server database: DacFx extracts it into a temporary <c>.dacpac</c>
/// (<c>DacServices.Extract</c>, https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.dacservices.extract),
/// which <see cref="DacpacReader"/> reads; then one query adds each table's rows and space used from
/// <c>sys.dm_db_partition_stats</c>
/// (https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-db-partition-stats-transact-sql;
/// needs VIEW DATABASE STATE) into <see cref="TableModel.Stats"/>, and the version and edition from
/// <c>SERVERPROPERTY</c> (https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql) into
/// <see cref="ServerInfo"/>.
/// <para><b>Never run:</b> no SQL Server can run on the machines this project is built and tested on, so this path
/// has only been compiled, not executed against a server. The dacpac path (<see cref="DacpacReader"/>) is the one the
/// tests exercise.</para>
/// </summary>
public static class SqlServerLiveReader
{
    private const string StatsQuery = """
        SELECT s.name, t.name,
               SUM(CASE WHEN ps.index_id IN (0, 1) THEN ps.row_count ELSE 0 END),
               SUM(CASE WHEN ps.index_id IN (0, 1) THEN ps.in_row_data_page_count ELSE 0 END),
               SUM(ps.used_page_count)
        FROM sys.dm_db_partition_stats AS ps
        JOIN sys.tables AS t ON t.object_id = ps.object_id
        JOIN sys.schemas AS s ON s.schema_id = t.schema_id
        GROUP BY s.name, t.name
        """;

    private const string ServerQuery = """
        SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int), CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)),
               CAST(SERVERPROPERTY('Edition') AS nvarchar(128))
        """;

    /// <summary>Reads the database named by the connection string's <c>Initial Catalog</c>; tables matching
    /// <paramref name="exclude"/> are left out.</summary>
    /// <exception cref="DialectSourceException">The connection string names no database, the server cannot be
    /// reached, or DacFx cannot extract the schema; the message holds no secret.</exception>
    public static async Task<DatabaseModel> ReadAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct)
    {
        SqlConnectionStringBuilder builder;
        try
        {
            builder = new SqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new DialectSourceException("the SQL Server connection string is not valid (" + e.GetType().Name + ")");
        }

        if (string.IsNullOrEmpty(builder.InitialCatalog))
        {
            throw new DialectSourceException("the SQL Server connection string names no database (Initial Catalog / Database)");
        }

        var where = Describe(connectionString);
        var dacpac = Path.Combine(Path.GetTempPath(), $"pipeline-extract-{Guid.NewGuid():N}.dacpac");
        try
        {
            new DacServices(connectionString).Extract(dacpac, builder.InitialCatalog, "Pipeline", new Version(1, 0), "pipeline inspect",
                null, new DacExtractOptions { ExtractAllTableData = false, IgnoreExtendedProperties = false }, ct);
            var model = DacpacReader.ReadFile(dacpac);
            await using var connection = new SqlConnection(connectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            var stats = await ReadStatsAsync(connection, ct).ConfigureAwait(false);
            var server = await ReadServerAsync(connection, model.Server, ct).ConfigureAwait(false);
            var filtered = Filter(model, exclude);
            return filtered with
            {
                Server = server,
                Schemas = filtered.Schemas.Select(s => s with
                {
                    Tables = s.Tables.Select(t => t with { Stats = stats.GetValueOrDefault((s.Name, t.Name)) }).ToList(),
                }).ToList(),
            };
        }
        catch (SqlException e)
        {
            throw new DialectSourceException($"SQL Server error reading {where}: {e.Message}", e);
        }
        catch (DacServicesException e)
        {
            throw new DialectSourceException($"DacFx could not extract {where}: {e.Message}", e);
        }
        finally
        {
            File.Delete(dacpac);
        }
    }

    /// <summary><c>server/database</c> of a connection string, for messages; never the password.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var b = new SqlConnectionStringBuilder(connectionString);
            return $"{b.DataSource}/{b.InitialCatalog}";
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            return "(invalid connection string)";
        }
    }

    /// <summary>The model without the tables <paramref name="exclude"/> matches.</summary>
    public static DatabaseModel Filter(DatabaseModel model, IReadOnlyList<string> exclude) =>
        exclude.Count == 0
            ? model
            : model with
            {
                Schemas = model.Schemas.Select(s => s with
                {
                    Tables = s.Tables.Where(t => !NamePattern.IsExcluded(exclude, s.Name, t.Name)).ToList(),
                }).ToList(),
            };

    private static async Task<Dictionary<(string, string), TableStats>> ReadStatsAsync(SqlConnection connection, CancellationToken ct)
    {
        var result = new Dictionary<(string, string), TableStats>();
        await using var command = new SqlCommand(StatsQuery, connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            // used_page_count counts 8-KB pages of the table and all its indexes.
            result[(reader.GetString(0), reader.GetString(1))] =
                new TableStats(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4) * 8192L);
        }

        return result;
    }

    private static async Task<ServerInfo> ReadServerAsync(SqlConnection connection, ServerInfo? platform, CancellationToken ct)
    {
        await using var command = new SqlCommand(ServerQuery, connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var major = reader.IsDBNull(0) ? 0 : reader.GetInt32(0);
        return new ServerInfo(DatabaseModel.SqlServerDialect, major * 10000, reader.IsDBNull(1) ? "" : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2), platform?.TargetPlatform);
    }
}
