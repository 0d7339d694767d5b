using Pipeline.Core.Locking;
using Pipeline.Core.Planning;

namespace Pipeline.Core.Reports;

/// <summary>Short human texts about a step, shared by the script, JSON and Markdown writers.</summary>
public static class StepText
{
    /// <summary>Locks per table, e.g. <c>ACCESS EXCLUSIVE on public.orders; ROW SHARE on public.customers</c>, or
    /// <c>no table lock</c>.</summary>
    public static string Locks(PlanStep step) =>
        step.Impact.Locks.Count == 0
            ? "no table lock"
            : string.Join("; ", step.Impact.Locks.Select(l => $"{l.Mode.DisplayName} on {l.Table}"));

    /// <summary>The table work, e.g. <c>catalog only (no rewrite, no scan)</c>, <c>full scan</c>, <c>table rewrite</c>.</summary>
    public static string Work(LockImpact impact) => impact.Work switch
    {
        TableWork.CatalogOnly => "catalog only (no rewrite, no scan)",
        TableWork.Scan => "full scan, no rewrite",
        TableWork.Rewrite => "TABLE REWRITE",
        TableWork.IndexBuild => "index build (reads the whole table)",
        TableWork.RowUpdate => "row updates in batches",
        _ => impact.Work.ToString(),
    };

    /// <summary>A YAML location for people: the file relative to the current directory when it lies below it (so a
    /// plan made in a repository shows <c>schema/app.schema.yaml(31,13)</c>, not a machine's absolute path).</summary>
    public static string Location(Model.SourceLocation location)
    {
        var file = location.File;
        if (Path.IsPathFullyQualified(file))
        {
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathFullyQualified(relative))
            {
                file = relative.Replace('\\', '/');
            }
        }

        return $"{file}({location.Line},{location.Column})";
    }

    /// <summary>Lower-case risk name.</summary>
    public static string Risk(RiskLevel risk) => risk.ToString().ToLowerInvariant();
}
