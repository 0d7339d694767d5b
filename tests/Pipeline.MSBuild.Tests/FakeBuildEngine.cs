using System.Collections;
using Microsoft.Build.Framework;

namespace Pipeline.MSBuild.Tests;

/// <summary>Captures the events a task logs.</summary>
internal sealed class FakeBuildEngine : IBuildEngine
{
    public List<BuildErrorEventArgs> Errors { get; } = [];
    public List<BuildWarningEventArgs> Warnings { get; } = [];
    public List<BuildMessageEventArgs> Messages { get; } = [];

    /// <summary>Every logged text (errors, warnings, messages), for secret checks.</summary>
    public IEnumerable<string> AllText =>
        Errors.Select(e => $"{e.File} {e.Code} {e.Message}")
            .Concat(Warnings.Select(w => $"{w.File} {w.Code} {w.Message}"))
            .Concat(Messages.Select(m => m.Message ?? ""));

    public bool ContinueOnError => false;
    public int LineNumberOfTaskNode => 0;
    public int ColumnNumberOfTaskNode => 0;
    public string ProjectFileOfTaskNode => "test.proj";

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => true;
    public void LogCustomEvent(CustomBuildEventArgs e) { }
    public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e);
    public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e);
}
