using Pipeline.Postgres.Tests.Load;

namespace Pipeline.Benchmark;

/// <summary>The client workload as both runs use it.</summary>
internal static class Workloads
{
    /// <summary>Workload time before the change starts.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>Workload time after the change ended.</summary>
    public static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(2);

    /// <summary>Starts the scenario's workload (<see cref="BenchScenario.Workload"/>) with the benchmark's clients and rate; statements may
    /// wait up to 10 minutes (the naive statements block clients for long) and the run is capped at 30 minutes.</summary>
    public static Task<ClientWorkload> StartAsync(string connectionString, BenchmarkOptions options, CancellationToken ct) =>
        ClientWorkload.StartAsync(
            options.Scenario.Workload(connectionString, options.Rows, options.Clients, options.RatePerClient) with
            {
                CommandTimeoutSeconds = 600,
                MaxDuration = TimeSpan.FromMinutes(30),
            },
            ct);
}
