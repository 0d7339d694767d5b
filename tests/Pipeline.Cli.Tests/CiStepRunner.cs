using System.Text.RegularExpressions;
using Pipeline.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Cli.Tests;

/// <summary>
/// Runs the CI step files the way their runners do, with bash: the GitHub composite action (build/github/action.yml:
/// inputs substituted into each step's <c>env</c> and <c>run</c>, <c>GITHUB_ACTIONS</c>, <c>GITHUB_WORKSPACE</c>,
/// <c>GITHUB_ACTION_PATH</c> and a fresh <c>GITHUB_OUTPUT</c>/<c>GITHUB_STEP_SUMMARY</c> file per step, the step's
/// outputs read back and the action's outputs evaluated) and the Azure Pipelines step template
/// (build/azure-pipelines/pipeline-steps.yml: parameters and <c>$(Build.SourcesDirectory)</c> substituted,
/// <c>TF_BUILD=True</c>). An expression the harness does not know fails the test rather than being guessed.
/// </summary>
internal static partial class CiStepRunner
{
    public sealed record StepResult(string Name, int ExitCode, string Output);

    public sealed record RunResult(IReadOnlyList<StepResult> Steps, string Summary, IReadOnlyDictionary<string, string> Outputs)
    {
        public int ExitCode => Steps.Count == 0 ? 0 : Steps[^1].ExitCode;

        public string Output => string.Concat(Steps.Select(s => s.Output));
    }

    private static string Root => CiTools.RepositoryRoot();

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? "" : "";

    private static YamlNode? Child(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Runs build/github/action.yml with <paramref name="inputs"/> in <paramref name="workspace"/>.</summary>
    public static async Task<RunResult> RunGitHubActionAsync(IReadOnlyDictionary<string, string> inputs, string workspace)
    {
        var actionPath = Path.Combine(Root, "build", "github");
        var action = Load(Path.Combine(actionPath, "action.yml"));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, definition) in ((YamlMappingNode)Child(action, "inputs")!).Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            values[name] = inputs.TryGetValue(name, out var given) ? given : Scalar(definition, "default");
        }

        Assert.All(inputs.Keys, k => Assert.True(values.ContainsKey(k), $"action.yml has no input '{k}'"));
        var runs = Child(action, "runs")!;
        Assert.Equal("composite", Scalar(runs, "using"));
        var stepOutputs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var results = new List<StepResult>();
        var summary = "";
        var temp = Directory.CreateTempSubdirectory("pipeline-runner-").FullName;
        string Evaluate(string text) => Expressions().Replace(text, m =>
        {
            var expression = m.Groups["e"].Value;
            if (expression.StartsWith("inputs.", StringComparison.Ordinal) && values.TryGetValue(expression["inputs.".Length..], out var value))
            {
                return value;
            }

            var step = StepOutput().Match(expression);
            if (step.Success)
            {
                return stepOutputs.TryGetValue(step.Groups["id"].Value, out var outputs) && outputs.TryGetValue(step.Groups["name"].Value, out var output) ? output : "";
            }

            Assert.Fail($"action.yml uses an expression this harness does not evaluate: ${{{{ {expression} }}}}");
            return "";
        });

        try
        {
            var index = 0;
            foreach (var step in ((YamlSequenceNode)Child(runs, "steps")!).Children)
            {
                Assert.Equal("bash", Scalar(step, "shell"));
                var run = Scalar(step, "run");
                Assert.False(string.IsNullOrWhiteSpace(run), "a composite step without run: is not supported by this harness");
                Assert.True(Child(step, "if") is null, "a step with if: is not supported by this harness");
                index++;
                var script = Path.Combine(temp, $"step{index}.sh");
                await File.WriteAllTextAsync(script, Evaluate(run));
                var output = Path.Combine(temp, $"output{index}");
                var stepSummary = Path.Combine(temp, $"summary{index}");
                File.WriteAllText(output, "");
                File.WriteAllText(stepSummary, "");
                var environment = BaseEnvironment();
                environment["GITHUB_ACTIONS"] = "true";
                environment["CI"] = "true";
                environment["GITHUB_WORKSPACE"] = workspace;
                environment["GITHUB_ACTION_PATH"] = actionPath;
                environment["GITHUB_OUTPUT"] = output;
                environment["GITHUB_STEP_SUMMARY"] = stepSummary;
                environment["GITHUB_PATH"] = Path.Combine(temp, "path");
                environment["GITHUB_ENV"] = Path.Combine(temp, "env");
                environment["RUNNER_TEMP"] = temp;
                if (Child(step, "env") is YamlMappingNode env)
                {
                    foreach (var (key, value) in env.Children)
                    {
                        environment[((YamlScalarNode)key).Value!] = Evaluate(((YamlScalarNode)value).Value ?? "");
                    }
                }

                // As the runner runs a bash step: bash --noprofile --norc -eo pipefail {0}, in the workspace.
                var (exit, log) = await CiTools.RunAsync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], workspace, environment, timeoutSeconds: 300);
                var name = Evaluate(Scalar(step, "name"));
                results.Add(new StepResult(name, exit, log));
                summary += File.ReadAllText(stepSummary);
                var id = Scalar(step, "id");
                if (id.Length > 0)
                {
                    stepOutputs[id] = ReadOutputs(output);
                }

                if (exit != 0)
                {
                    break;
                }
            }

            var actionOutputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, definition) in ((YamlMappingNode)Child(action, "outputs")!).Children)
            {
                actionOutputs[((YamlScalarNode)key).Value!] = Evaluate(Scalar(definition, "value"));
            }

            return new RunResult(results, summary, actionOutputs);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Runs build/azure-pipelines/pipeline-steps.yml with <paramref name="parameters"/>, the repository as
    /// <c>$(Build.SourcesDirectory)</c>'s tools and <paramref name="workspace"/> as the working directory.</summary>
    public static async Task<RunResult> RunAzureTemplateAsync(IReadOnlyDictionary<string, string> parameters, string workspace)
    {
        var template = Load(Path.Combine(Root, "build", "azure-pipelines", "pipeline-steps.yml"));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in ((YamlSequenceNode)Child(template, "parameters")!).Children)
        {
            var name = Scalar(definition, "name");
            values[name] = parameters.TryGetValue(name, out var given) ? given : Scalar(definition, "default");
        }

        Assert.All(parameters.Keys, k => Assert.True(values.ContainsKey(k), $"pipeline-steps.yml has no parameter '{k}'"));

        // The template's tools come from the repository under test; the agent expands macros before the step runs.
        values["toolsDirectory"] = parameters.TryGetValue("toolsDirectory", out var tools) ? tools : Root;
        string Evaluate(string text) => Expressions().Replace(text, m =>
        {
            var expression = m.Groups["e"].Value;
            var lower = expression.StartsWith("lower(", StringComparison.Ordinal) && expression.EndsWith(')');
            var inner = lower ? expression[6..^1] : expression;
            if (inner.StartsWith("parameters.", StringComparison.Ordinal) && values.TryGetValue(inner["parameters.".Length..], out var value))
            {
                return lower ? value.ToLowerInvariant() : value;
            }

            Assert.Fail($"pipeline-steps.yml uses an expression this harness does not evaluate: ${{{{ {expression} }}}}");
            return "";
        }).Replace("$(Build.SourcesDirectory)", workspace, StringComparison.Ordinal);

        var results = new List<StepResult>();
        var temp = Directory.CreateTempSubdirectory("pipeline-agent-").FullName;
        try
        {
            var index = 0;
            foreach (var step in ((YamlSequenceNode)Child(template, "steps")!).Children)
            {
                var bash = Scalar(step, "bash");
                Assert.False(string.IsNullOrWhiteSpace(bash), "only bash: steps are supported by this harness");
                index++;
                var script = Path.Combine(temp, $"step{index}.sh");
                await File.WriteAllTextAsync(script, Evaluate(bash));
                var environment = BaseEnvironment();
                environment["TF_BUILD"] = "True";
                environment["BUILD_SOURCESDIRECTORY"] = workspace;
                environment["SYSTEM_DEFAULTWORKINGDIRECTORY"] = workspace;
                environment["AGENT_TEMPDIRECTORY"] = temp;
                if (Child(step, "env") is YamlMappingNode env)
                {
                    foreach (var (key, value) in env.Children)
                    {
                        environment[((YamlScalarNode)key).Value!] = Evaluate(((YamlScalarNode)value).Value ?? "");
                    }
                }

                // As the agent's Bash task runs an inline script: bash --noprofile --norc {file}.
                var (exit, log) = await CiTools.RunAsync("bash", ["--noprofile", "--norc", script], workspace, environment, timeoutSeconds: 300);
                results.Add(new StepResult(Evaluate(Scalar(step, "displayName")), exit, log));
                if (exit != 0)
                {
                    break;
                }
            }

            var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match m in SetVariable().Matches(string.Concat(results.Select(r => r.Output))))
            {
                outputs[m.Groups["name"].Value] = m.Groups["value"].Value.TrimEnd('\r');
            }

            return new RunResult(results, "", outputs);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The test process's environment without CI or connection variables of its own.</summary>
    private static Dictionary<string, string?> BaseEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            if (!key.StartsWith("GITHUB_", StringComparison.Ordinal) && !key.StartsWith("PIPELINE_", StringComparison.Ordinal)
                && !key.StartsWith("INPUT_", StringComparison.Ordinal) && key is not "TF_BUILD" and not "BUILD_SOURCESDIRECTORY")
            {
                environment[key] = (string?)entry.Value;
            }
        }

        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => !environment.ContainsKey(k)))
        {
            environment[key] = null;
        }

        return environment;
    }

    private static Dictionary<string, string> ReadOutputs(string path)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var heredoc = Regex.Match(lines[i], "^(?<name>[^=<]+)<<(?<delimiter>.+)$");
            if (heredoc.Success)
            {
                var value = new List<string>();
                while (++i < lines.Length && lines[i] != heredoc.Groups["delimiter"].Value)
                {
                    value.Add(lines[i]);
                }

                outputs[heredoc.Groups["name"].Value] = string.Join('\n', value);
            }
            else if (lines[i].IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                outputs[lines[i][..eq]] = lines[i][(eq + 1)..];
            }
        }

        return outputs;
    }

    [GeneratedRegex(@"\$\{\{\s*(?<e>.+?)\s*\}\}")]
    private static partial Regex Expressions();

    [GeneratedRegex(@"^steps\.(?<id>[A-Za-z0-9_-]+)\.outputs\.(?<name>[A-Za-z0-9_-]+)$")]
    private static partial Regex StepOutput();

    [GeneratedRegex(@"##vso\[task\.setvariable variable=(?<name>[^;\]]+);isOutput=true\](?<value>[^\n]*)")]
    private static partial Regex SetVariable();
}
