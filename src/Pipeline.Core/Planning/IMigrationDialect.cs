using Pipeline.Core.Diff;
using Pipeline.Core.Fragments;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// What the planner needs from a database dialect: turning typed changes into safe, ordered steps with their lock
/// impact, and comparing types and expressions the way the dialect stores them.
/// </summary>
public interface IMigrationDialect
{
    /// <summary>Dialect name, e.g. <c>postgres</c>.</summary>
    string Name { get; }

    /// <summary>Normaliser used by the differ so that equivalent spellings never show as changes.</summary>
    ISqlNormalizer Normalizer { get; }

    /// <summary>Checks every SQL fragment taken from YAML (types, defaults, checks, index keys, …) to be exactly one
    /// element of its kind in this dialect, before planning; see <see cref="SqlFragmentCheck"/>.</summary>
    ISqlFragmentValidator FragmentValidator { get; }

    /// <summary>
    /// The steps that apply <paramref name="change"/> safely, in execution order, possibly spread over several
    /// phases (e.g. a new NOT NULL column: add nullable in expand, backfill, enforce in contract). Blocked steps carry
    /// <see cref="PlanStep.BlockedReason"/>; findings go to <paramref name="diagnostics"/>.
    /// </summary>
    IReadOnlyList<PlanStep> PlanChange(SchemaChange change, PlanContext context, ICollection<PlanDiagnostic> diagnostics);

    /// <summary>The statement that sets the lock timeout, e.g. <c>SET lock_timeout = '2000ms';</c>.</summary>
    string LockTimeoutStatement(int milliseconds);

    /// <summary>The statement(s) a script runs before <paramref name="step"/> to set its lock timeout of
    /// <paramref name="milliseconds"/>; by default <see cref="LockTimeoutStatement(int)"/>. A dialect may add to it, e.g.
    /// PostgreSQL lowers the timeout below <c>deadlock_timeout</c> for a step that locks several tables.</summary>
    string LockTimeoutStatement(PlanStep step, int milliseconds) => LockTimeoutStatement(milliseconds);

    /// <summary>A comment line in the dialect's syntax, e.g. <c>-- text</c>.</summary>
    string Comment(string text) => "-- " + text;

    /// <summary>One statement, on one line, that always fails with <paramref name="message"/>: a rollback script whose
    /// phase cannot be rolled back starts with it, so the client stops before changing anything. <c>null</c> (the
    /// default) when the dialect has none: such a rollback script is then written as comments only.</summary>
    string? RaiseStatement(string message) => null;

    /// <summary>The schema an unqualified name belongs to: <c>public</c> (PostgreSQL), <c>dbo</c> (SQL Server).</summary>
    string DefaultSchema => "public";

    /// <summary>Where the dependency facts of PIPE2021 come from and why a dependent blocks the change, as the message
    /// says it after "depends on it": PostgreSQL's <c>(pg_depend), and PostgreSQL would refuse the statement</c>.</summary>
    string DependentsBlockReason => "(pg_depend), and PostgreSQL would refuse the statement";

    /// <summary>How the dialect's scripts are laid out and run (psql, sqlcmd).</summary>
    ScriptLayout Scripts { get; }

    /// <summary>Extra ordering constraints between changes, beyond the default order of change kinds
    /// (<see cref="ChangeOrder"/>): each pair says <c>Before</c> must run before <c>After</c> (e.g. SQL Server's
    /// <c>ALTER COLUMN</c> needs the indexes and constraints on the column dropped first and re-created after). The
    /// planner sorts changes topologically over these pairs, breaking ties by the default order. Default: none.</summary>
    IEnumerable<(SchemaChange Before, SchemaChange After)> ChangeDependencies(IReadOnlyList<SchemaChange> changes) => [];
}

/// <summary>
/// The layout of a dialect's scripts: how to run them, what every script starts with, and what ends a batch.
/// </summary>
/// <param name="Client">The client that runs the scripts, e.g. <c>psql</c>, <c>sqlcmd</c>.</param>
/// <param name="RunCommandFormat">The command that runs one script, with <c>{0}</c> for the file name, e.g.
/// <c>psql -v ON_ERROR_STOP=1 -f {0}</c>.</param>
/// <param name="Preamble">Lines written after the header of every script, before the first step (e.g. sqlcmd's
/// <c>:on error exit</c> and <c>SET XACT_ABORT ON;</c>); empty for none.</param>
/// <param name="BatchSeparator">A line written after every statement to end its batch (sqlcmd's <c>GO</c>), or
/// <c>null</c> when statements need no separator (psql).</param>
public sealed record ScriptLayout(string Client, string RunCommandFormat, IReadOnlyList<string> Preamble, string? BatchSeparator)
{
    /// <summary>The command that runs <paramref name="scriptFile"/>.</summary>
    public string RunCommand(string scriptFile) => string.Format(System.Globalization.CultureInfo.InvariantCulture, RunCommandFormat, scriptFile);
}

/// <summary>
/// Context for planning one change.
/// </summary>
/// <param name="Desired">The desired model.</param>
/// <param name="Actual">The actual model (with statistics and server version when read from a live server or a
/// snapshot).</param>
/// <param name="Options">Plan options.</param>
public sealed record PlanContext(DatabaseModel Desired, DatabaseModel Actual, PlanOptions Options)
{
    /// <summary>The target server, if known (from the actual model).</summary>
    public ServerInfo? Server => Actual.Server;
}

/// <summary>
/// Normalises dialect spellings so the differ compares meaning, not text.
/// </summary>
public interface ISqlNormalizer
{
    /// <summary>Canonical spelling of a type, e.g. <c>int4</c> → <c>integer</c>, <c>varchar(20)</c> →
    /// <c>character varying(20)</c>.</summary>
    string NormalizeType(string type);

    /// <summary>Canonical spelling of an expression (default, check, index predicate), for comparison only;
    /// <paramref name="columnType"/> is the type of the column it belongs to, if any.</summary>
    string NormalizeExpression(string expression, string? columnType = null);
}
