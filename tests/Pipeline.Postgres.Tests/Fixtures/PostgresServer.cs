using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Pipeline.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for tests, shared by the whole test assembly (see
/// <c>PostgresServerAssemblyFixture.cs</c>): <c>initdb -A trust</c> into a temp directory, started on a free loopback
/// port with durability off, stopped (<c>-m immediate</c>) and deleted on dispose. When running as root, initdb and
/// pg_ctl run as the <c>postgres</c> system user via <c>runuser</c>.
/// Binaries: <c>$PIPELINE_PG_BIN</c>, else <c>pg_config --bindir</c>, else the highest <c>/usr/lib/postgresql/*/bin</c>.
/// If the server cannot be started, every member throws <see cref="InvalidOperationException"/> with the reason, so
/// tests that need it fail with a clear message (a missing server is a failure, not a skip) while other tests run.
/// Uses only child processes (no Npgsql), so any test project can link this folder.
/// Tests that disturb the server (<see cref="RestartAsync"/>, a standby from <see cref="StartStandbyAsync"/>) create
/// their own instance (<c>new PostgresServer()</c> + <see cref="InitializeAsync"/>) so that other tests sharing the
/// assembly's server are not affected.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Superuser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
    private readonly PostgresServer? _primary;
    private int _databaseCounter;
    private string? _root;
    private string? _startError;
    private int _port;
    private readonly string _settings = "";

    /// <summary>A server of its own (initdb), started by <see cref="InitializeAsync"/>.</summary>
    public PostgresServer()
    {
    }

    /// <summary>A server of its own started with extra settings, e.g.
    /// <c>shared_preload_libraries=pg_stat_statements</c> (each passed as <c>-c name=value</c> at start-up).</summary>
    /// <param name="settings">Server settings (names and values without spaces).</param>
    internal PostgresServer(IReadOnlyDictionary<string, string> settings) =>
        _settings = string.Concat(settings.Select(kv => $" -c {kv.Key}={kv.Value}"));

    private PostgresServer(PostgresServer primary) => _primary = primary;

    /// <summary>Whether this server is a streaming standby (<see cref="StartStandbyAsync"/>).</summary>
    public bool IsStandby => _primary is not null;

    /// <summary>Directory holding initdb, pg_ctl and postgres.</summary>
    public string BinDirectory { get; private set; } = "";

    /// <summary>Path of the psql client used by <see cref="RunPsqlFileAsync"/>.</summary>
    public string PsqlPath { get; private set; } = "psql";

    /// <summary>TCP port the server listens on (127.0.0.1).</summary>
    public int Port => Ready()._port;

    /// <summary>Host the server listens on.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>Superuser name (trust authentication, no password).</summary>
    public static string User => Superuser;

    /// <summary>Npgsql connection string for <paramref name="database"/> (superuser, trust auth, no password).</summary>
    public string ConnectionString(string database)
        => $"Host={Host};Port={Port.ToString(CultureInfo.InvariantCulture)};Username={Superuser};Database={database};Timeout=30;Command Timeout=300";

    /// <summary>Creates an empty database with a fresh unique name (lower case, starts with <paramref name="prefix"/>,
    /// default <c>t</c>) and returns the name.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        Ready();
        var safePrefix = new string((prefix ?? "t").ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_').ToArray());
        if (safePrefix.Length == 0 || char.IsDigit(safePrefix[0]))
        {
            safePrefix = "t" + safePrefix;
        }

        var n = Interlocked.Increment(ref _databaseCounter);
        var suffix = $"_{n}_{Guid.NewGuid():N}"[..14];
        var name = (safePrefix.Length > 40 ? safePrefix[..40] : safePrefix) + suffix;
        await ExecuteAsync("postgres", $"CREATE DATABASE {name};");
        return name;
    }

    /// <summary>Runs SQL (one or more statements, executed one by one as psql does, so <c>CREATE INDEX
    /// CONCURRENTLY</c> works) in <paramref name="database"/>; throws <see cref="InvalidOperationException"/> with
    /// psql's error output if a statement fails.</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        var file = Path.Combine(Ready()._root!, $"exec-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, sql, new UTF8Encoding(false));
        try
        {
            var result = await RunPsqlFileAsync(database, file);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"SQL failed in database {database} (psql exit {result.ExitCode}): {result.StandardError.Trim()}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs a query with <c>psql -A -t</c> and returns its unaligned output (rows separated by newlines,
    /// columns by <c>|</c>), trimmed; throws <see cref="InvalidOperationException"/> on error.</summary>
    public async Task<string> QueryAsync(string database, string sql)
    {
        var result = await RunPsqlAsync(database, ["-A", "-t", "-c", sql]);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Query failed in database {database} (psql exit {result.ExitCode}): {result.StandardError.Trim()}");
        }

        return result.StandardOutput.Trim();
    }

    /// <summary>Runs <c>psql -v ON_ERROR_STOP=1 -X -q -f FILE</c> against <paramref name="database"/> as the
    /// superuser and returns exit code and output (does not throw on SQL errors: check
    /// <see cref="ProcessResult.Succeeded"/>).</summary>
    public Task<ProcessResult> RunPsqlFileAsync(string database, string path, CancellationToken ct = default)
        => RunPsqlAsync(database, ["-f", Path.GetFullPath(path)], ct);

    private Task<ProcessResult> RunPsqlAsync(string database, IEnumerable<string> extra, CancellationToken ct = default)
    {
        Ready();
        string[] args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", Host, "-p", _port.ToString(CultureInfo.InvariantCulture), "-U", Superuser, "-d", database, .. extra];
        return TestProcess.RunAsync(PsqlPath, args, _root, CleanEnvironment(), CommandTimeout, ct);
    }

    /// <summary>
    /// Restarts the server with <c>pg_ctl restart -m MODE</c> (default <c>fast</c>: every session is terminated with
    /// SQLSTATE 57P01, then the server shuts down cleanly and starts again on the same port with the same options,
    /// https://www.postgresql.org/docs/current/app-pg-ctl.html); returns once it accepts connections again.
    /// </summary>
    /// <exception cref="InvalidOperationException">pg_ctl failed (its output and the log's tail in the message).</exception>
    public async Task RestartAsync(string mode = "fast")
    {
        var root = Ready()._root!;
        var log = Path.Combine(root, "server.log");
        var restart = await RunServerToolAsync("pg_ctl", ["-D", Path.Combine(root, "data"), "-l", log, "-m", mode, "-w", "-t", "60", "restart"]);
        if (!restart.Succeeded)
        {
            var logText = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
            throw new InvalidOperationException($"pg_ctl restart failed (exit {restart.ExitCode}): {restart.StandardError.Trim()} {Tail(logText)}");
        }
    }

    /// <summary>
    /// Starts a streaming standby of this server on another loopback port: a replication entry is added to this
    /// server's <c>pg_hba.conf</c> (reloaded), <c>pg_basebackup -R -X stream</c> copies the cluster and writes
    /// <c>standby.signal</c> and <c>primary_conninfo</c> (https://www.postgresql.org/docs/current/app-pgbasebackup.html),
    /// and the copy is started as a hot standby (wal_level is <c>replica</c>, PostgreSQL's default). Dispose it
    /// before this server. Queries on it run read-only, e.g. <c>SELECT pg_wal_replay_pause()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The standby could not be created or started.</exception>
    public async Task<PostgresServer> StartStandbyAsync()
    {
        var root = Ready()._root!;
        await File.AppendAllTextAsync(Path.Combine(root, "data", "pg_hba.conf"), $"\nhost replication {Superuser} 127.0.0.1/32 trust\n");
        var reload = await RunServerToolAsync("pg_ctl", ["-D", Path.Combine(root, "data"), "reload"]);
        if (!reload.Succeeded)
        {
            throw new InvalidOperationException($"pg_ctl reload failed (exit {reload.ExitCode}): {reload.StandardError.Trim()}");
        }

        var standby = new PostgresServer(this);
        await standby.InitializeAsync();
        standby.Ready();
        return standby;
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            _startError = ex.Message;
            await StopAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private PostgresServer Ready()
    {
        if (_startError is not null)
        {
            throw new InvalidOperationException("The PostgreSQL test server is not available: " + _startError);
        }

        if (_root is null)
        {
            throw new InvalidOperationException("The PostgreSQL test server has not been started.");
        }

        return this;
    }

    private async Task StartAsync()
    {
        BinDirectory = await FindBinDirectoryAsync();
        var bundledPsql = Path.Combine(BinDirectory, "psql");
        PsqlPath = File.Exists(bundledPsql) ? bundledPsql : "psql";
        var asRoot = Environment.IsPrivilegedProcess;
        var tempBase = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        _root = Path.Combine(tempBase, "pipeline-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (asRoot)
        {
            var chown = await TestProcess.RunAsync("chown", ["-R", $"{Superuser}:", _root], timeout: CommandTimeout);
            if (!chown.Succeeded)
            {
                throw new InvalidOperationException($"cannot give {_root} to the '{Superuser}' system user (needed because tests run as root): {chown.StandardError.Trim()}");
            }
        }

        var data = Path.Combine(_root, "data");
        if (_primary is null)
        {
            var init = await RunServerToolAsync("initdb", ["-D", data, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--locale=C", "-N"]);
            if (!init.Succeeded)
            {
                throw new InvalidOperationException($"initdb failed (exit {init.ExitCode}): {init.StandardError.Trim()} {init.StandardOutput.Trim()}");
            }
        }
        else
        {
            var copy = await RunServerToolAsync("pg_basebackup", ["-D", data, "-R", "-X", "stream", "-c", "fast", "-h", Host, "-p", _primary.Port.ToString(CultureInfo.InvariantCulture), "-U", Superuser]);
            if (!copy.Succeeded)
            {
                throw new InvalidOperationException($"pg_basebackup failed (exit {copy.ExitCode}): {copy.StandardError.Trim()} {copy.StandardOutput.Trim()}");
            }
        }

        string lastError = "";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var options = $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" + _settings;
            if (_primary is not null)
            {
                // A standby reports its replay position at least every second (default 10 s), so the primary sees a
                // resumed replay catch up promptly.
                options += " -c hot_standby=on -c wal_receiver_status_interval=1";
            }

            var log = Path.Combine(_root, "server.log");
            var start = await RunServerToolAsync("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"]);
            if (start.Succeeded)
            {
                _port = port;
                return;
            }

            var logText = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
            lastError = $"pg_ctl start failed (exit {start.ExitCode}): {start.StandardError.Trim()} {Tail(logText)}";
        }

        throw new InvalidOperationException(lastError);
    }

    private async Task StopAsync()
    {
        var root = _root;
        if (root is null)
        {
            return;
        }

        _root = null;
        var data = Path.Combine(root, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            await RunServerToolAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory left behind is harmless
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Task<ProcessResult> RunServerToolAsync(string tool, IEnumerable<string> args)
    {
        var exe = Path.Combine(BinDirectory, tool);
        if (Environment.IsPrivilegedProcess)
        {
            return TestProcess.RunAsync("runuser", ["-u", Superuser, "--", exe, .. args], _root, CleanEnvironment(), CommandTimeout);
        }

        return TestProcess.RunAsync(exe, args, _root, CleanEnvironment(), CommandTimeout);
    }

    private static Dictionary<string, string?> CleanEnvironment() => new()
    {
        ["PGDATABASE"] = null,
        ["PGHOST"] = null,
        ["PGHOSTADDR"] = null,
        ["PGPORT"] = null,
        ["PGUSER"] = null,
        ["PGPASSWORD"] = null,
        ["PGSERVICE"] = null,
        ["PGOPTIONS"] = null,
        ["PGDATA"] = null,
        ["PGCLIENTENCODING"] = "UTF8",
        ["LC_ALL"] = "C.UTF-8",
    };

    private static async Task<string> FindBinDirectoryAsync()
    {
        var tried = new List<string>();
        var fromEnv = Environment.GetEnvironmentVariable("PIPELINE_PG_BIN");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            if (HasServerBinaries(fromEnv))
            {
                return fromEnv;
            }

            throw new InvalidOperationException($"PIPELINE_PG_BIN={fromEnv} does not contain initdb, pg_ctl and postgres.");
        }

        tried.Add("$PIPELINE_PG_BIN (unset)");
        var pgConfig = await TestProcess.RunAsync("pg_config", ["--bindir"], timeout: TimeSpan.FromSeconds(30));
        if (pgConfig.Succeeded && HasServerBinaries(pgConfig.StandardOutput.Trim()))
        {
            return pgConfig.StandardOutput.Trim();
        }

        tried.Add(pgConfig.Succeeded ? $"pg_config --bindir ({pgConfig.StandardOutput.Trim()}: no server binaries)" : "pg_config (not found)");
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var best = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: ParseVersion(Path.GetFileName(d))))
                .Where(x => x.Version is not null && HasServerBinaries(x.Dir))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return best.Dir;
            }
        }

        tried.Add($"{debianRoot}/*/bin");
        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; tried " + string.Join(", ", tried) +
            ". Install PostgreSQL 15 (e.g. apt-get install postgresql-15) or set PIPELINE_PG_BIN to its bin directory.");
    }

    private static Version? ParseVersion(string text)
        => Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var v) ? v : null;

    private static bool HasServerBinaries(string dir)
        => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "postgres"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 5)));
    }
}
