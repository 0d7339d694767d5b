using Microsoft.Build.Framework;
using Xunit;

namespace Pipeline.MSBuild.Tests;

/// <summary>Apply refusals that name a CLI option also name the MSBuild property that stands for it.</summary>
public class MSBuildHintTests
{
    private static (PipelineApplyTask Task, FakeBuildEngine Engine) NewApply()
    {
        var engine = new FakeBuildEngine();
        return (new PipelineApplyTask { BuildEngine = engine }, engine);
    }

    [Fact]
    public void Unconfirmed_contract_names_PipelineConfirmContract()
    {
        var (task, engine) = NewApply();
        task.LogToolLine("error PIPE3003: contract is the step after which old application versions break: deploy the new application version everywhere first, then pass --confirm-contract", MessageImportance.Normal);

        var error = Assert.Single(engine.Errors);
        Assert.Equal("PIPE3003", error.Code);
        Assert.StartsWith("contract is the step", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("then pass --confirm-contract (MSBuild: -p:PipelineConfirmContract=true)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Phase_order_names_PipelineApplyPhase()
    {
        var (task, engine) = NewApply();
        task.LogToolLine("error PIPE3002: backfill needs expand completed first: run `pipeline apply /p --phase expand`", MessageImportance.Normal);

        Assert.EndsWith("(MSBuild: run -t:PipelineApply with that phase in -p:PipelineApplyPhase first)", Assert.Single(engine.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_codes_and_texts_that_already_name_MSBuild_are_unchanged()
    {
        var (task, engine) = NewApply();
        task.LogToolLine("error PIPE3001: no rehearsal: run `pipeline rehearse` first", MessageImportance.Normal);
        task.LogToolLine("error PIPE3003: pass --confirm-contract (MSBuild: PipelineConfirmContract=true)", MessageImportance.Normal);

        Assert.Equal(
            ["no rehearsal: run `pipeline rehearse` first", "pass --confirm-contract (MSBuild: PipelineConfirmContract=true)"],
            engine.Errors.Select(e => e.Message));
    }
}
