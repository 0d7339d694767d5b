using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Postgres.Execution;
using Xunit;

namespace Pipeline.Cli.Tests.Fragments;

/// <summary>
/// Seeded fuzzing of <c>pipeline plan</c> through the CLI's in-process entry point: valid schema files mutated at
/// random (SQL metacharacters, quotes, comments, look-alike characters inserted; values replaced; spans deleted;
/// lines duplicated, swapped or re-indented), planned offline against an empty database. Every run must end with
/// exit 0, 1 or 2 — never 3 (an unhandled exception) and never a stack trace — and every step of a plan that was
/// written must be exactly one statement as the executor splits it, so no mutation smuggled a statement in.
/// </summary>
public class FragmentFuzzTests
{
    private const int Seed = 20261201;

    private static readonly string[] Snippets =
    [
        ";", "'", "\"", "''", "$$", "$a$", "$1", "--", "/*", "*/", "(", ")", "[", "]", ":", "::", "\\", "\\!", ",",
        "\u037E", "\uFF1B", "\u200B", "\u202E", "\u00A0", "\u2019", "\n", "\t", "\r\n", "{", "}", "&a", "*a", "!!str ",
        "%", "@", "`", "#", "- ", "? ", "|", ">", " DROP TABLE t", " NOT NULL", " WHERE true", "E'\\''", "null", "~",
        "true", "1e999", "\\u0000", "\u0000", " DESC", " NULLS LAST", "); DROP TABLE x; --", "' || '", "U&'\\0041'",
        "\"\"", "ARRAY", "[]", "varying", " with time zone", "nextval('s')",
    ];

    private static readonly string[] Values =
    [
        "1; DELETE FROM t", "now()", "'x'::text", "(lower(email))", "id DESC", "bigint", "varchar(20)", "btree",
        "\"Mixed Case\"", "x -- y", "(a", "a)", "$$ ; $$", "E'\\\\'", "1, 2", "integer[]", "double precision",
        "timestamp with time zone", "\u037E", "", "''", "null", "[1, 2]", "{a: b}", "&anchor x", "*alias", "!!int 3",
    ];

    /// <summary>Keys whose values are SQL fragments (see <c>SqlFragmentFields</c>).</summary>
    private static readonly string[] SqlKeys = ["type", "default", "backfill", "using", "expression", "where", "method"];

    public static IEnumerable<string> Seeds()
    {
        yield return FragmentYaml.With("type", "integer").Yaml;
        yield return SampleDatabase.Yaml;
        yield return File.ReadAllText(Path.Combine(Cli.RepositoryRoot(), "schema", "app.schema.yaml"));
    }

    [Fact]
    public async Task Mutated_schemas_never_crash_and_never_add_a_statement()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;
        var seeds = Seeds().ToList();
        var exits = new SortedDictionary<int, int>();
        var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using var folder = new TempFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Case i depends only on Seed + i, so the two workers (the machine has 2 cores) change nothing but the time.
        await Parallel.ForAsync(0, cases, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = TestContext.Current.CancellationToken }, async (i, ct) =>
        {
            var (exit, errorCodes) = await RunCaseAsync(i, seeds, folder.Path, ct);
            lock (exits)
            {
                exits[exit] = exits.GetValueOrDefault(exit) + 1;
                foreach (var code in errorCodes)
                {
                    codes[code] = codes.GetValueOrDefault(code) + 1;
                }
            }
        });

        var figure = $"fragment fuzz: {cases} cases in {clock.Elapsed.TotalSeconds:F1} s; exit codes "
            + string.Join(", ", exits.Select(e => $"{e.Key}: {e.Value}"))
            + "; error codes " + string.Join(", ", codes.Select(c => $"{c.Key}: {c.Value}"));
        TestContext.Current.TestOutputHelper?.WriteLine(figure);
        Console.WriteLine(figure);
        Assert.Equal(cases, exits.Values.Sum());
        Assert.True(exits.GetValueOrDefault(0) > cases / 20, "few mutations planned: the fuzzer mostly tests the YAML parser. " + figure);
        Assert.True(codes.Keys.Count(c => c.StartsWith("PIPE002", StringComparison.Ordinal)) >= 6, "the fragment checks were rarely reached. " + figure);
    }

    private static async Task<(int Exit, IReadOnlyList<string> Codes)> RunCaseAsync(int i, List<string> seeds, string root, CancellationToken ct)
    {
        var random = new Random(Seed + i);
        var yaml = seeds[random.Next(seeds.Count)];
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            yaml = Mutate(yaml, random);
        }

        var bytes = Encoding.UTF8.GetBytes(yaml).ToList();
        if (random.Next(50) == 0)
        {
            bytes.Insert(random.Next(bytes.Count + 1), 0xFF); // not UTF-8
        }

        var name = i.ToString(CultureInfo.InvariantCulture);
        var schema = Path.Combine(root, $"fuzz-{name}.schema.yaml");
        var plan = Path.Combine(root, "plan-" + name);
        await File.WriteAllBytesAsync(schema, bytes.ToArray(), ct);
        var result = await Cli.RunAsync("plan", schema, "--out", plan);

        var what = $"case {i} (seed {Seed} + {i}): exit {result.ExitCode}\n{result.All}\n--- yaml ---\n{yaml}";
        if (result.ExitCode is not (0 or 1 or 2))
        {
            var kept = Path.Combine(Path.GetTempPath(), $"pipeline-fuzz-case-{name}.yaml");
            await File.WriteAllBytesAsync(kept, bytes.ToArray(), ct);
            Assert.Fail($"{what}\n(kept as {kept})");
        }

        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("PIPE0001", result.All, StringComparison.Ordinal);
        if (result.ExitCode is 0 or 1)
        {
            AssertEveryStepIsOneStatement(plan, what);
        }

        if (Directory.Exists(plan))
        {
            Directory.Delete(plan, recursive: true);
        }

        File.Delete(schema);
        return (result.ExitCode, result.Stderr.Split('\n').Select(ErrorCode).OfType<string>().ToList());
    }

    private static void AssertEveryStepIsOneStatement(string planFolder, string what)
    {
        using var plan = JsonDocument.Parse(File.ReadAllText(Path.Combine(planFolder, "plan.json")));
        foreach (var step in plan.RootElement.GetProperty("steps").EnumerateArray())
        {
            var sql = step.GetProperty("sql").GetString() ?? "";
            if (sql.Length == 0)
            {
                continue;
            }

            var statements = SqlScriptSplitter.Split(sql);
            Assert.True(statements.Count == 1, $"step {step.GetProperty("ordinal")} is {statements.Count} statements: {sql}\n{what}");
        }
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(value) ?? value;
            }
            catch (JsonException)
            {
                return value;
            }
        }

        return value;
    }

    private static string? ErrorCode(string line)
    {
        var at = line.IndexOf("error PIPE", StringComparison.Ordinal);
        return at < 0 ? null : line.Substring(at + "error ".Length, 8);
    }

    private static string Mutate(string yaml, Random random)
    {
        var lines = yaml.Split('\n').ToList();
        switch (random.Next(10))
        {
            case 7 or 8 or 9:
            {
                // Edit the value of a random "key: value" line and write it back double-quoted: the YAML stays valid,
                // so the mutation reaches the model and the fragment checks.
                var sqlOnly = random.Next(3) > 0;
                var candidates = lines.Select((l, i) => (l, i))
                    .Where(x => x.l.Contains(": ", StringComparison.Ordinal) && !x.l.TrimStart().StartsWith('#'))
                    .Where(x => !sqlOnly || SqlKeys.Any(k => x.l.TrimStart(' ', '-').StartsWith(k + ": ", StringComparison.Ordinal)))
                    .ToList();
                if (candidates.Count == 0)
                {
                    return yaml;
                }

                var (line, index) = candidates[random.Next(candidates.Count)];
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                var value = Unquote(line[(colon + 2)..].Trim());
                var at = random.Next(value.Length + 1);
                value = random.Next(3) == 0 ? Values[random.Next(Values.Length)] : value.Insert(at, Snippets[random.Next(Snippets.Length)]);
                lines[index] = line[..(colon + 2)] + FragmentYaml.Quote(value);
                return string.Join('\n', lines);
            }

            case 0:
            {
                var at = random.Next(yaml.Length + 1);
                return yaml.Insert(at, Snippets[random.Next(Snippets.Length)]);
            }

            case 1:
            {
                // Replace the value of a random "key: value" line, plain or double-quoted.
                var candidates = lines.Select((l, i) => (l, i)).Where(x => x.l.Contains(": ", StringComparison.Ordinal)).ToList();
                if (candidates.Count == 0)
                {
                    return yaml;
                }

                var (line, index) = candidates[random.Next(candidates.Count)];
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                var value = Values[random.Next(Values.Length)];
                lines[index] = line[..(colon + 2)] + (random.Next(2) == 0 ? FragmentYaml.Quote(value) : value);
                return string.Join('\n', lines);
            }

            case 2:
            {
                if (yaml.Length == 0)
                {
                    return yaml;
                }

                var at = random.Next(yaml.Length);
                return yaml.Remove(at, Math.Min(1 + random.Next(20), yaml.Length - at));
            }

            case 3:
            {
                var i = random.Next(lines.Count);
                lines.Insert(i, lines[i]);
                return string.Join('\n', lines);
            }

            case 4:
            {
                var a = random.Next(lines.Count);
                var b = random.Next(lines.Count);
                (lines[a], lines[b]) = (lines[b], lines[a]);
                return string.Join('\n', lines);
            }

            case 5:
            {
                var i = random.Next(lines.Count);
                lines[i] = random.Next(2) == 0 ? "  " + lines[i] : lines[i].TrimStart(' ').PadLeft(Math.Max(0, lines[i].Length - 2 - lines[i].TrimStart(' ').Length) + lines[i].TrimStart(' ').Length);
                return string.Join('\n', lines);
            }

            default:
            {
                if (yaml.Length == 0)
                {
                    return yaml;
                }

                var sb = new StringBuilder(yaml);
                var snippet = Snippets[random.Next(Snippets.Length)];
                sb[random.Next(sb.Length)] = snippet[0];
                return sb.ToString();
            }
        }
    }
}
