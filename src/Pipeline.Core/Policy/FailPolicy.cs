namespace Pipeline.Core.Policy;

/// <summary>
/// Which findings fail a plan (exit code 1, a failed check, a failed build): the rules of <c>--fail-on</c>
/// (MSBuild: <c>PipelineFailOn</c>), comma-separated, e.g. <c>data-loss,blocks-writes&gt;2s,rewrite-rows&gt;1000000</c>.
/// Default <c>data-loss</c>. Changes the planner cannot make safely (PIPE2002–PIPE2004) fail whatever the policy.
/// </summary>
/// <param name="Rules">The rules, in the order written, without duplicates.</param>
public sealed record FailPolicy(IReadOnlyList<FailRule> Rules)
{
    /// <summary>The text of the default policy.</summary>
    public const string DefaultText = "data-loss";

    /// <summary>The default policy: <c>data-loss</c>.</summary>
    public static FailPolicy Default { get; } = Parse(DefaultText);

    /// <summary>Whether the policy holds a rule of <paramref name="kind"/>.</summary>
    public bool Has(FailRuleKind kind) => Rules.Any(r => r.Kind == kind);

    /// <summary>The policy as written back: the rules joined by commas.</summary>
    public override string ToString() => string.Join(",", Rules.Select(r => r.Text));

    /// <summary>Parses a comma-separated list of rules. A blank text is the default policy.</summary>
    /// <exception cref="FailPolicyException">A rule is unknown or its threshold is not valid; the message names the
    /// rule and lists the valid ones.</exception>
    public static FailPolicy Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            text = DefaultText;
        }

        var rules = new List<FailRule>();
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var rule = FailRule.TryParse(part, out var error)
                ?? throw new FailPolicyException($"--fail-on: {error}; valid rules: {string.Join(", ", FailRule.Syntaxes)} (comma-separated, e.g. data-loss,blocks-writes>2s)");
            if (!rules.Contains(rule))
            {
                rules.Add(rule);
            }
        }

        if (rules.Count == 0)
        {
            throw new FailPolicyException($"--fail-on: no rule given; valid rules: {string.Join(", ", FailRule.Syntaxes)}");
        }

        if (rules.Count > 1 && rules.Any(r => r.Kind == FailRuleKind.None))
        {
            throw new FailPolicyException("--fail-on: 'none' cannot be combined with other rules");
        }

        return new FailPolicy(rules);
    }
}

/// <summary>An invalid <c>--fail-on</c> policy (code <see cref="PolicyCodes.InvalidPolicy"/>, exit 2).</summary>
public sealed class FailPolicyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FailPolicyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FailPolicyException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public FailPolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
