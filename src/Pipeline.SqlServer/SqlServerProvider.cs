using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac;
using Pipeline.Core.Dialects;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.SqlServer.Dialect;
using Pipeline.SqlServer.Reading;

namespace Pipeline.SqlServer;

/// <summary>
/// The SQL Server dialect for the shells: reading schemas from a <c>.dacpac</c> (<see cref="FileSource"/>,
/// <c>--dacpac FILE</c>, offline, through DacFx) or a live database (<see cref="SqlServerLiveReader"/>, DacFx extract
/// plus <c>sys.dm_db_partition_stats</c>; never run here, see its remarks), and the planning dialect given to it
/// (<see cref="Instance"/>: the T-SQL planner, <see cref="SqlServerDialect"/>).
/// No rehearsal or apply: the scripts are run with <c>sqlcmd -b -i FILE</c>.
/// </summary>
/// <param name="planning">The T-SQL planning dialect.</param>
public sealed class SqlServerProvider(IMigrationDialect planning) : IDialectProvider
{
    /// <summary>The provider with the planning this build has.</summary>
    public static SqlServerProvider Instance { get; } = new(new SqlServerDialect());

    /// <inheritdoc />
    public string Name => DatabaseModel.SqlServerDialect;

    /// <inheritdoc />
    public string DisplayName => "SQL Server";

    /// <inheritdoc />
    public IMigrationDialect Planning { get; } = planning;

    /// <inheritdoc />
    public ISchemaFileSource? FileSource { get; } = new DacpacSource();

    /// <inheritdoc />
    public string ReleaseUnavailableReason =>
        "SQL Server plans cannot be rehearsed or applied by this tool (no SQL Server was available to test it against); run the scripts in order with sqlcmd -b -i FILE.";

    /// <inheritdoc />
    /// <remarks>Never run against a server (none can run where this project is tested).</remarks>
    public Task<DatabaseModel> ReadLiveAsync(string connectionString, IReadOnlyList<string> exclude, CancellationToken ct) =>
        SqlServerLiveReader.ReadAsync(connectionString, exclude, ct);

    /// <inheritdoc />
    public string DescribeConnection(string connectionString) => SqlServerLiveReader.Describe(connectionString);

    /// <inheritdoc />
    public string? DescribeError(Exception exception) => exception switch
    {
        DialectSourceException e => e.Message,
        SqlException e => "SQL Server error: " + e.Message,
        DacServicesException e => "DacFx error: " + e.Message,
        _ => null,
    };

    /// <summary>A <c>.dacpac</c> (SSDT, Microsoft.Build.Sql, MSBuild.Sdk.SqlProj build output) read with
    /// <see cref="DacpacReader"/>; no statistics.</summary>
    private sealed class DacpacSource : ISchemaFileSource
    {
        public string OptionName => "--dacpac";

        public string Description => "dacpac";

        public Task<DatabaseModel> ReadAsync(string path, IReadOnlyList<string> exclude, CancellationToken ct)
        {
            try
            {
                return Task.FromResult(SqlServerLiveReader.Filter(DacpacReader.ReadFile(path), exclude));
            }
            catch (FileNotFoundException)
            {
                throw new DialectSourceException($"dacpac '{path}' does not exist");
            }
            catch (InvalidDataException e)
            {
                throw new DialectSourceException(e.Message, e);
            }
        }
    }
}
