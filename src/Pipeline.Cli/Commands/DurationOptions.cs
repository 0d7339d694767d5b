using System.CommandLine;
using System.CommandLine.Parsing;

namespace Pipeline.Cli.Commands;

/// <summary>Options whose value is a duration (<c>500ms</c>, <c>2s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>).</summary>
internal static class DurationOptions
{
    /// <summary>An optional duration in ms; <c>null</c> when not given. <paramref name="allowZero"/> accepts <c>0</c> (= none).</summary>
    public static Option<int?> Milliseconds(string name, string description, bool allowZero = false) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = result => Parse(result, name, allowZero),
    };

    /// <summary>An optional positive duration; <c>null</c> when not given (the caller applies its default).</summary>
    public static Option<TimeSpan?> Span(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            var span = DurationParser.TryParse(text, out var error);
            if (span is null || span.Value <= TimeSpan.Zero)
            {
                result.AddError($"{name}: {error ?? $"'{text}' must be positive"}");
                return null;
            }

            return span.Value;
        },
    };

    /// <summary>An optional whole number of at least <paramref name="minimum"/>; <c>null</c> when not given.</summary>
    public static Option<int?> Count(string name, string description, int minimum)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "N" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < minimum)
            {
                result.AddError($"{name} must be at least {minimum}");
            }
        });
        return option;
    }

    /// <summary>An optional whole number (64-bit, e.g. bytes) of at least <paramref name="minimum"/>; <c>null</c>
    /// when not given.</summary>
    public static Option<long?> LongCount(string name, string description, long minimum)
    {
        var option = new Option<long?>(name) { Description = description, HelpName = "N" };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is { } value && value < minimum)
            {
                result.AddError($"{name} must be at least {minimum}");
            }
        });
        return option;
    }

    private static int? Parse(ArgumentResult result, string name, bool allowZero)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        var ms = DurationParser.TryParseMilliseconds(text, out var error, allowZero);
        if (ms is null)
        {
            result.AddError($"{name}: {error}");
        }

        return ms;
    }
}
