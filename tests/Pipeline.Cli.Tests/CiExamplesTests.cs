using Pipeline.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Cli.Tests;

/// <summary>
/// What the validators do not check: the example workflow and pipeline pass only inputs/parameters the action and the
/// step template declare, and the release runs behind environments, rehearse before apply, contract last and confirmed.
/// </summary>
public class CiExamplesTests
{
    private static string Root => CiTools.RepositoryRoot();

    private static YamlMappingNode Load(string relative)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, relative));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Mappings(YamlNode node) => node switch
    {
        YamlMappingNode m => new[] { m }.Concat(m.Children.Values.SelectMany(Mappings)),
        YamlSequenceNode s => s.Children.SelectMany(Mappings),
        _ => [],
    };

    private static string? Get(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    private static YamlMappingNode? Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    [Fact]
    public void Example_workflow_passes_only_declared_inputs_and_releases_behind_environments()
    {
        var inputs = Map(Load("build/github/action.yml"), "inputs")!.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var workflow = Load("build/github/example-workflow.yml");
        var uses = Mappings(workflow).Where(m => Get(m, "uses") == "./build/github").ToList();

        Assert.True(uses.Count >= 6);
        foreach (var step in uses)
        {
            Assert.All(Map(step, "with")!.Children.Keys.Select(k => ((YamlScalarNode)k).Value!), k => Assert.Contains(k, inputs));
            Assert.StartsWith("${{ secrets.", Get(Map(step, "with")!, "connection"), StringComparison.Ordinal);
        }

        var jobs = Map(workflow, "jobs")!;
        string? Environment(string job) => Get(Map(jobs, job)!, "environment");
        Assert.Equal("staging", Environment("rehearse"));
        Assert.Equal("production", Environment("expand"));
        Assert.Equal("production", Environment("backfill"));
        Assert.Equal("production-contract", Environment("contract"));
        Assert.Equal("rehearse", Get(Map(jobs, "expand")!, "needs"));
        Assert.Contains(Mappings(Map(jobs, "plan")!), m => Get(m, "uses")?.StartsWith("github/codeql-action/upload-sarif@", StringComparison.Ordinal) == true);
        Assert.Contains(Mappings(Map(jobs, "contract")!), m => Get(m, "confirm-contract") == "true" && Get(m, "phase") == "contract");
    }

    [Fact]
    public void Example_pipeline_passes_only_declared_parameters_and_applies_in_deployment_jobs_behind_environments()
    {
        var template = Load("build/azure-pipelines/pipeline-steps.yml");
        var parameters = ((YamlSequenceNode)template.Children[new YamlScalarNode("parameters")]).Children
            .Select(p => Get((YamlMappingNode)p, "name")!).ToHashSet();
        var pipeline = Load("build/azure-pipelines/example-pipeline.yml");
        var uses = Mappings(pipeline).Where(m => Get(m, "template") == "pipeline-steps.yml").ToList();

        Assert.True(uses.Count >= 5);
        foreach (var use in uses)
        {
            Assert.All(Map(use, "parameters")!.Children.Keys.Select(k => ((YamlScalarNode)k).Value!), k => Assert.Contains(k, parameters));
            Assert.StartsWith("$(", Get(Map(use, "parameters")!, "connection"), StringComparison.Ordinal);
        }

        var deployments = Mappings(pipeline).Where(m => Get(m, "deployment") is not null).ToList();
        Assert.Equal(["staging", "production", "production-contract"], deployments.Select(d => Get(d, "environment")));
        Assert.All(deployments, d => Assert.DoesNotContain(Mappings(d), m => Get(m, "command") == "plan"));
        Assert.Contains(Mappings(deployments[^1]), m => Get(m, "phase") == "contract" && Get(m, "confirmContract") == "true");

        // Step names are unique within each job (the template's stepName).
        foreach (var job in Mappings(pipeline).Where(m => Get(m, "deployment") is not null || Get(m, "job") is not null))
        {
            var names = Mappings(job).Where(m => Get(m, "template") == "pipeline-steps.yml")
                .Select(m => Get(Map(m, "parameters")!, "stepName") ?? "pipeline").ToList();
            Assert.Equal(names.Count, names.Distinct().Count());
        }
    }
}
