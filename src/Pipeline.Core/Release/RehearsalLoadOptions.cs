namespace Pipeline.Core.Release;

/// <summary>
/// The client load a rehearsal runs against staging from before its first step until after its last
/// (<c>pipeline rehearse --load auto|FILE --clients N --rate R</c>).
/// </summary>
/// <param name="Source"><see cref="Auto"/> (reads, updates and inserts by key on the tables the plan touches, derived
/// from the schema and from rows sampled on staging), or the path of a load file (a weighted list of parameterised
/// statements, YAML or JSON; see the README's "Rehearsal under load").</param>
/// <param name="Clients">Concurrent client connections, each running one statement at a time. Default 4.</param>
/// <param name="Rate">Target statements per second over all clients; 0 = as fast as they can. Default 200.</param>
public sealed record RehearsalLoadOptions(string Source, int Clients = 4, double Rate = 200)
{
    /// <summary>The <see cref="Source"/> that derives the load from the plan.</summary>
    public const string Auto = "auto";

    /// <summary>Whether the load is derived from the plan rather than read from a file.</summary>
    public bool IsAuto => string.Equals(Source, Auto, StringComparison.OrdinalIgnoreCase);
}
