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

    /// <summary>A comment line in the dialect's syntax, e.g. <c>-- text</c>.</summary>
    string Comment(string text) => "-- " + text;

    /// <summary>One statement, on one line, that always fails with <paramref name="message"/>: a rollback script whose
    /// phase cannot be rolled back starts with it, so the client stops before changing anything.</summary>
    /// <exception cref="NotSupportedException">The dialect has no such statement.</exception>
    string RaiseStatement(string message) => throw new NotSupportedException($"the {Name} dialect cannot write a failing statement");
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
