namespace Pipeline.Postgres;

/// <summary>
/// A PostgreSQL server could not be reached or answered with an error while the tool talked to it. The message names
/// host, port and database (as <see cref="ConnectionStrings.Describe(string)"/> spells them) and the reason, never the
/// password or the full connection string.
/// </summary>
public sealed class PipelineConnectionException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public PipelineConnectionException()
        : base("Cannot talk to the PostgreSQL server.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> (must not contain secrets).</summary>
    public PipelineConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> (must not contain secrets) and its cause.</summary>
    public PipelineConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The server as <see cref="ConnectionStrings.Describe(string)"/> spells it, e.g.
    /// <c>postgres://app@db:5432/shop</c>; <c>null</c> if unknown.</summary>
    public string? Target { get; init; }
}
