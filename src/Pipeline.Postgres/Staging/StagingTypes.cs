namespace Pipeline.Postgres.Staging;

/// <summary>Options of <see cref="StagingBuilder"/>.</summary>
/// <param name="Scale">Factor applied to production's row counts (<c>reltuples</c>) and to the distinct counts that
/// grow with the table (negative <c>n_distinct</c>); 1 = production size. Must be greater than 0.</param>
/// <param name="Seed">Seed of the random choices (shuffles, NULL positions): the same snapshot, scale and seed give
/// the same rows.</param>
public sealed record StagingOptions(double Scale = 1.0, int Seed = 42);

/// <summary>What <see cref="StagingBuilder"/> reports while it works (the CLI draws a progress bar per table).</summary>
public interface IStagingProgress
{
    /// <summary>The tables to fill, in fill order, with their target rows.</summary>
    void Planned(IReadOnlyList<(string Table, long Rows)> tables);

    /// <summary><paramref name="rows"/> rows of <paramref name="table"/> are loaded so far.</summary>
    void Loaded(string table, long rows);

    /// <summary><paramref name="table"/> is filled with <paramref name="rows"/> rows (after CHECKs were enforced).</summary>
    void Filled(string table, long rows);

    /// <summary>A step outside the tables' loads (schema, constraints, ANALYZE) starts.</summary>
    void Step(string description);
}

/// <summary>One table of a synthetic staging database.</summary>
/// <param name="Table">Schema-qualified name.</param>
/// <param name="Rows">Rows loaded and kept.</param>
/// <param name="RowsDropped">Generated rows left out (a CHECK, a unique key or a missing referenced row).</param>
/// <param name="LoadMs">Time to generate and load the rows (binary COPY), in milliseconds.</param>
public sealed record StagingTable(string Table, long Rows, long RowsDropped, double LoadMs);

/// <summary>One phase of a staging build, summed over the tables: <c>schema</c> (creating the bare tables),
/// <c>generate</c> (the client computing every column's values and their row order), <c>copy</c> (the binary COPY:
/// the client encoding rows while the server ingests them), <c>checks</c> (rows a CHECK rejects regenerated),
/// <c>referenced keys</c> (a parent table's keys read back for its children), <c>deferred foreign keys</c> (a cycle's
/// foreign keys pointed at existing rows), <c>keys, indexes and constraints</c>,
/// <c>sequences</c>, <c>analyze</c>.</summary>
/// <param name="Name">The phase.</param>
/// <param name="WallMs">Wall-clock time, in milliseconds.</param>
/// <param name="ClientCpuMs">CPU time of this process (all threads) during the phase, in milliseconds: close to
/// <paramref name="WallMs"/> when the client is the bottleneck, small when the server is.</param>
public sealed record StagingPhase(string Name, double WallMs, double ClientCpuMs);

/// <summary>The result of <see cref="StagingBuilder.CreateAsync"/>.</summary>
/// <param name="Tables">Per table, in fill order.</param>
/// <param name="Warnings">Canonical warning lines (<c>warning PIPE600n: …</c>): fallbacks, dropped rows.</param>
/// <param name="LoadMs">Time generating and loading rows (all tables), in milliseconds.</param>
/// <param name="TotalMs">Time of the whole build (schema, load, constraints, VACUUM (ANALYZE)), in milliseconds.</param>
public sealed record StagingResult(IReadOnlyList<StagingTable> Tables, IReadOnlyList<string> Warnings, double LoadMs, double TotalMs)
{
    /// <summary>Where the time went, phase by phase in the order first entered (see <see cref="StagingPhase"/>);
    /// empty when not measured.</summary>
    public IReadOnlyList<StagingPhase> Phases { get; init; } = [];

    /// <summary>Rows loaded in all tables.</summary>
    public long Rows => Tables.Sum(t => t.Rows);
}

/// <summary>A staging database that cannot be built as asked; the message says why (never the connection
/// string).</summary>
/// <param name="code">The diagnostic code (<see cref="StagingCodes"/>).</param>
/// <param name="message">The reason.</param>
public sealed class StagingException(string code, string message) : Exception(message)
{
    /// <summary>The diagnostic code (<see cref="StagingCodes"/>).</summary>
    public string Code { get; } = code;
}
