using Xunit;

namespace Pipeline.Testing;

/// <summary>A PostgreSQL server of a test class's own (class fixture), for tests that restart it: other tests share
/// the assembly's server and must not see it go away.</summary>
public sealed class DedicatedServer : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public PostgresServer Server { get; } = new();

    /// <inheritdoc />
    public ValueTask InitializeAsync() => Server.InitializeAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>A server of a test class's own with <c>pg_stat_statements</c> loaded
/// (<c>shared_preload_libraries = 'pg_stat_statements'</c>, which only takes effect at server start;
/// https://www.postgresql.org/docs/current/pgstatstatements.html). Debian's <c>postgresql-NN</c> package, which
/// <c>.ci/run</c> installs, ships the extension (contrib is part of it).</summary>
public sealed class StatementStatsServer : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public PostgresServer Server { get; } = new(new Dictionary<string, string> { ["shared_preload_libraries"] = "pg_stat_statements" });

    /// <inheritdoc />
    public ValueTask InitializeAsync() => Server.InitializeAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>A primary of a test class's own with one streaming standby on another loopback port (class fixture), for
/// replication-lag tests: pausing the standby's replay must not affect other tests.</summary>
public sealed class ReplicatedServer : IAsyncLifetime
{
    private PostgresServer? _standby;
    private string? _standbyError;

    /// <summary>The primary.</summary>
    public PostgresServer Primary { get; } = new();

    /// <summary>The standby (hot standby, read-only).</summary>
    /// <exception cref="InvalidOperationException">It could not be started (the reason in the message).</exception>
    public PostgresServer Standby => _standby ?? throw new InvalidOperationException("The standby is not available: " + _standbyError);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        await Primary.InitializeAsync();
        try
        {
            _standby = await Primary.StartStandbyAsync();
        }
        catch (InvalidOperationException ex)
        {
            _standbyError = ex.Message;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_standby is not null)
        {
            await _standby.DisposeAsync();
        }

        await Primary.DisposeAsync();
    }
}

/// <summary>A server of a test class's own on which autovacuum starts within a second of a table's qualifying
/// (<c>autovacuum_naptime = 1</c>) and a waiting lock request runs its deadlock check only after a minute
/// (<c>deadlock_timeout = 60s</c>), so PostgreSQL itself cancels a conflicting autovacuum only after a minute
/// (https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM): longer than any lock_timeout of the
/// tests that use it.</summary>
public sealed class AutovacuumServer : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public PostgresServer Server { get; } = new(new Dictionary<string, string> { ["autovacuum_naptime"] = "1", ["deadlock_timeout"] = "60s" });

    /// <inheritdoc />
    public ValueTask InitializeAsync() => Server.InitializeAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
