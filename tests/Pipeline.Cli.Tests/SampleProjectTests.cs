using Pipeline.Core.Snapshot;
using Pipeline.Core.Yaml;
using Xunit;

namespace Pipeline.Cli.Tests;

/// <summary>The sample in schema/: app.schema.yaml against the older production.schema.yaml shows every kind of
/// change the sample is meant to demonstrate.</summary>
public class SampleProjectTests
{
    [Fact]
    public async Task Sample_plan_shows_the_demonstrated_changes_and_a_blocked_drop()
    {
        var root = Cli.RepositoryRoot();
        var desired = Path.Combine(root, "schema", "app.schema.yaml");
        var production = SchemaYamlLoader.LoadFile(Path.Combine(root, "schema", "production.schema.yaml"));
        using var folder = new TempFolder();
        var snapshot = folder.File("production.snapshot.json", SnapshotSerializer.Serialize(production));
        var plan = folder.File("plan");

        var result = await Cli.RunAsync("plan", desired, "--snapshot", snapshot, "--out", plan, "--blocked-as-warnings");

        Assert.Equal(0, result.ExitCode);
        var output = result.Stdout;
        Assert.Contains("marketing_opt_in", output, StringComparison.Ordinal);
        Assert.Contains("orders_customer_id_created_at_idx", output, StringComparison.Ordinal);
        Assert.Contains("order_items_product_id_fkey", output, StringComparison.Ordinal);
        Assert.Contains("products.name", output, StringComparison.Ordinal);
        Assert.Contains("legacy_code", output, StringComparison.Ordinal);
        Assert.Contains("warning PIPE2001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("drop index", output, StringComparison.Ordinal);
        Assert.DoesNotContain("drop check", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_yaml_files_load()
    {
        var root = Cli.RepositoryRoot();
        Assert.NotEmpty(SchemaYamlLoader.LoadFile(Path.Combine(root, "schema", "app.schema.yaml")).Schemas);
        Assert.NotEmpty(SchemaYamlLoader.LoadFile(Path.Combine(root, "schema", "production.schema.yaml")).Schemas);
    }
}
