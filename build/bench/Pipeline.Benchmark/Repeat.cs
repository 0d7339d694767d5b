namespace Pipeline.Benchmark;

/// <summary>One repeat of the benchmark: both runs on fresh copies of the same table.</summary>
/// <param name="Naive">The naive run, unless left out.</param>
/// <param name="Pipeline">The plan's run, unless left out.</param>
/// <param name="LoadBefore">The machine's load averages when the repeat started.</param>
/// <param name="LoadAfter">The machine's load averages when it ended.</param>
/// <param name="Workers">The executor's backfill workers in this repeat (<c>--backfill-workers</c>).</param>
internal sealed record Repeat(RunFigures? Naive, RunFigures? Pipeline, string LoadBefore, string LoadAfter, int Workers = 1);
