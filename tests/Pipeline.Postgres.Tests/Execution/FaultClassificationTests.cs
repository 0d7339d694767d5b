using System.Net.Sockets;
using Npgsql;
using Pipeline.Core.Release;
using Pipeline.Postgres.Execution;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>Which errors the executor retries, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html)
/// and by driver failure, and how the counts read.</summary>
public sealed class FaultClassificationTests
{
    [Theory]
    [InlineData("55P03", FaultKind.LockTimeout)]
    [InlineData("40P01", FaultKind.Deadlock)]
    [InlineData("40001", FaultKind.SerializationFailure)]
    [InlineData("08006", FaultKind.ConnectionLost)]
    [InlineData("08003", FaultKind.ConnectionLost)]
    [InlineData("57P01", FaultKind.ConnectionLost)]
    [InlineData("57P02", FaultKind.ConnectionLost)]
    [InlineData("57P03", FaultKind.ConnectionLost)]
    public void Retryable_sqlstates(string sqlState, FaultKind kind) =>
        Assert.Equal(kind, ExecutionErrors.Fault(Server(sqlState)));

    [Theory]
    [InlineData("23505")] // unique_violation
    [InlineData("23514")] // check_violation: a VALIDATE that finds bad rows must fail, not loop
    [InlineData("57014")] // query_canceled (statement_timeout)
    [InlineData("42P01")] // undefined_table
    [InlineData("40003")] // statement_completion_unknown is not retried blindly
    public void Other_sqlstates_are_not_retried(string sqlState) =>
        Assert.Null(ExecutionErrors.Fault(Server(sqlState)));

    [Fact]
    public void Broken_sockets_are_lost_connections_and_client_timeouts_are_not()
    {
        Assert.Equal(FaultKind.ConnectionLost, ExecutionErrors.Fault(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.Equal(FaultKind.ConnectionLost, ExecutionErrors.Fault(new NpgsqlException("Exception while writing to stream", new IOException("broken pipe"))));
        Assert.Equal(FaultKind.ConnectionLost, ExecutionErrors.Fault(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.Null(ExecutionErrors.Fault(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
        Assert.Null(ExecutionErrors.Fault(new InvalidOperationException("not a database error")));
    }

    [Fact]
    public void Wrapped_errors_are_looked_through()
    {
        var wrapped = new PipelineConnectionException("Cannot count lock waiters at postgres://u@h:5432/d: 57P01", Server("57P01"));
        Assert.Equal(FaultKind.ConnectionLost, ExecutionErrors.Fault(wrapped));
        Assert.Equal(FaultKind.Deadlock, ExecutionErrors.Fault(new PipelineConnectionException("x", Server("40P01"))));
    }

    [Fact]
    public void Counts_add_up_and_read_as_words()
    {
        var faults = FaultRetries.None.Add(FaultKind.Deadlock, 12.5).Add(FaultKind.ConnectionLost, 300).Add(FaultKind.ConnectionLost, 100)
            .Add(FaultKind.LockTimeout, 7);
        Assert.Equal(new FaultRetries(1, 0, 2, 419.5), faults);
        Assert.Equal(3, faults.Total);
        Assert.Equal("1 deadlock, 2 reconnects", faults.ToString());
        Assert.Equal("none", FaultRetries.None.ToString());
        Assert.Equal("2 serialization failures", new FaultRetries(SerializationFailures: 2).ToString());
    }

    private static PostgresException Server(string sqlState) => new("message", "ERROR", "ERROR", sqlState);
}
