using System.Collections.Concurrent;
using System.Globalization;
using Pipeline.Core.Model;
using Pipeline.Core.Yaml;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Convergence;

/// <summary>
/// Property test over random schemas within the model (<see cref="RandomSchemas"/>): for each seeded pair (A, B = a
/// random change of A) the YAML of both round-trips through the loader; a database created from A inspects exactly as
/// A; and the plan A → B, applied to that database with psql, converges: re-planning is empty and the database
/// inspects exactly as B. Each pair gets its own database; several pairs run in parallel. The figure (pairs tried,
/// converged, and the seed of every failure) goes to the test output. <c>PIPELINE_PROPERTY_PAIRS</c> (default 200) and
/// <c>PIPELINE_PROPERTY_SEED</c> (first seed, default 1) reproduce or widen a run. It runs alone (not beside other
/// test classes): its four workers load the machine, and timing-sensitive tests (lock waits, retries) must not share it.
/// </summary>
[Collection(PropertyTestRunsAlone.Name)]
public class PropertyConvergenceTests(PostgresServer server)
{
    private readonly MigrationHarness harness = new(server);

    [Fact]
    public async Task Random_schema_pairs_round_trip_and_converge()
    {
        var pairs = Setting("PIPELINE_PROPERTY_PAIRS", 200);
        var first = Setting("PIPELINE_PROPERTY_SEED", 1);
        var failures = new ConcurrentDictionary<int, string>();
        var converged = 0;
        var kinds = new ConcurrentDictionary<string, int>();
        var started = DateTime.UtcNow;
        var seeds = new ConcurrentQueue<int>(Enumerable.Range(first, pairs));
        var ct = TestContext.Current.CancellationToken;

        // Four workers, each with its own database, emptied between pairs (cheaper than a database per pair).
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            var db = await server.CreateDatabaseAsync("prop");
            while (!ct.IsCancellationRequested && seeds.TryDequeue(out var seed))
            {
                try
                {
                    await server.ExecuteAsync(db, ResetSql);
                    await RunPairAsync(seed, db, kinds);
                    Interlocked.Increment(ref converged);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failures[seed] = ex.Message;
                }
            }
        }));

        var figure = $"property test: {pairs} pairs tried (seeds {first}..{first + pairs - 1}), {converged} converged, {failures.Count} failed, " +
            $"{(DateTime.UtcNow - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        TestContext.Current.TestOutputHelper?.WriteLine(figure);
        TestContext.Current.TestOutputHelper?.WriteLine("A → B steps by kind: " + string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
        foreach (var (seed, message) in failures.OrderBy(f => f.Key))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}: {message}");
        }

        Assert.True(failures.IsEmpty, figure + "\n" + string.Join("\n\n", failures.OrderBy(f => f.Key).Select(f => $"seed {f.Key}: {f.Value}")));
    }

    /// <summary>Drops every user schema (with its tables, types and sequences) and re-creates <c>public</c>.</summary>
    private const string ResetSql = """
        DO $reset$
        DECLARE s text;
        BEGIN
            FOR s IN SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' LOOP
                EXECUTE format('DROP SCHEMA %I CASCADE', s);
            END LOOP;
            CREATE SCHEMA public;
        END
        $reset$;
        """;

    private async Task RunPairAsync(int seed, string db, ConcurrentDictionary<string, int> kinds)
    {
        var generator = new RandomSchemas(seed);
        var a = generator.Next();
        var b = generator.Mutate(a);
        AssertYamlRoundTrip(a, "A");
        AssertYamlRoundTrip(b, "B");

        await harness.ApplyInOneSessionAsync(await harness.PlanAsync(a, db), db);
        AssertSame(Canonical(a), await harness.InspectAsync(db), "inspect(create(A)) differs from A");

        var plan = await harness.PlanAsync(b, db);
        foreach (var step in plan.Steps)
        {
            // "change type of public.t.c from integer to bigint (rewrite)" → "change type"
            var words = step.Summary.Split(' ');
            kinds.AddOrUpdate(string.Join(' ', words.Take(2)), 1, (_, n) => n + 1);
        }

        await harness.ApplyInOneSessionAsync(plan, db);
        var replan = await harness.PlanAsync(b, db);
        Assert.True(replan.IsEmpty, "re-plan after applying A → B is not empty:\n" + MigrationHarness.Describe(replan)
            + "\n--- plan A → B ---\n" + MigrationHarness.Describe(plan));
        AssertSame(Canonical(b), await harness.InspectAsync(db), "the migrated database differs from B\n--- plan A → B ---\n" + MigrationHarness.Describe(plan));
    }

    private static void AssertYamlRoundTrip(DatabaseModel model, string which)
    {
        var yaml = SchemaYamlWriter.Write(model);
        var again = SchemaYamlWriter.Write(SchemaYamlLoader.Load(yaml, which + ".yaml"));
        Assert.True(yaml == again, $"YAML of {which} does not round-trip:\n{yaml}\n--- reloaded ---\n{again}");
    }

    private static void AssertSame(DatabaseModel expected, DatabaseModel actual, string what)
    {
        var want = SchemaYamlWriter.Write(expected);
        var got = SchemaYamlWriter.Write(Canonical(actual));
        if (want == got)
        {
            return;
        }

        var wantLines = want.Split('\n');
        var gotLines = got.Split('\n');
        var diff = wantLines.Except(gotLines).Select(l => "- " + l).Concat(gotLines.Except(wantLines).Select(l => "+ " + l));
        Assert.Fail($"{what}:\n{string.Join("\n", diff)}\n--- expected ---\n{want}");
    }

    /// <summary>The model as inspect would give it: desired-only fields dropped, objects (and columns) ordered by name.</summary>
    private static DatabaseModel Canonical(DatabaseModel model) => new(
        model.Schemas.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => new SchemaModel(
            s.Name,
            s.Tables.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => t with
            {
                RenamedFrom = null,
                Location = null,
                Stats = null,
                // Column order is not compared: a column retyped online with a shadow column moves to the end of its
                // table (the differ ignores column order too).
                Columns = t.Columns.Select(c => c with { RenamedFrom = null, Using = null, Backfill = null, Location = null }).OrderBy(c => c.Name, StringComparer.Ordinal).ToList(),
                PrimaryKey = t.PrimaryKey is null ? null : t.PrimaryKey with { Location = null },
                Uniques = t.Uniques.OrderBy(u => u.Name, StringComparer.Ordinal).Select(u => u with { Location = null }).ToList(),
                Indexes = t.Indexes.OrderBy(i => i.Name, StringComparer.Ordinal).Select(i => i with { Location = null }).ToList(),
                ForeignKeys = t.ForeignKeys.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f with { Location = null }).ToList(),
                Checks = t.Checks.OrderBy(k => k.Name, StringComparer.Ordinal).Select(k => k with { Location = null }).ToList(),
            }).ToList(),
            s.Enums.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => new EnumTypeModel(e.Name, e.Values)).ToList())).ToList(),
        []);

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}

/// <summary>Runs the property test on its own, not in parallel with other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PropertyTestRunsAlone
{
    /// <summary>The collection's name.</summary>
    public const string Name = "property test (runs alone)";
}
