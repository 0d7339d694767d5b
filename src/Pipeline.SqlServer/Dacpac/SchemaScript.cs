using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Pipeline.SqlServer.Dacpac;

/// <summary>
/// One top-level statement of a T-SQL script.
/// </summary>
/// <param name="Kind">ScriptDom's statement class without the <c>Statement</c> suffix, e.g. <c>CreateTable</c>,
/// <c>Insert</c>, <c>BulkInsert</c>, <c>Use</c>, <c>SetOnOff</c>, <c>If</c>.</param>
/// <param name="Line">1-based line where it starts.</param>
/// <param name="Text">Its text as written.</param>
public sealed record ScriptStatement(string Kind, int Line, string Text);

/// <summary>
/// A T-SQL script split into the statements that define schema objects (kept, for a DacFx model) and the rest
/// (skipped: <c>USE</c>, <c>CREATE DATABASE</c>, <c>ALTER DATABASE</c>, data <c>INSERT</c>s, <c>BULK INSERT</c>,
/// <c>SET</c> options, <c>IF</c>/<c>PRINT</c>/<c>DECLARE</c> control flow, <c>EXEC</c> other than
/// <c>sp_addextendedproperty</c>, …), parsed with ScriptDom's T-SQL parser
/// (https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.transactsql.scriptdom.tsql170parser).
/// </summary>
/// <param name="Kept">Schema statements, in script order.</param>
/// <param name="Skipped">Every other statement, in script order.</param>
/// <param name="SqlCmdCommands">sqlcmd command lines removed before parsing (<see cref="SqlCmdPreprocessor"/>).</param>
public sealed record SchemaScript(
    IReadOnlyList<ScriptStatement> Kept,
    IReadOnlyList<ScriptStatement> Skipped,
    IReadOnlyList<string> SqlCmdCommands)
{
    /// <summary>Statement kinds that define schema objects DacFx models.</summary>
    public static readonly IReadOnlySet<string> SchemaKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "CreateSchema", "CreateTable", "CreateIndex", "CreateXmlIndex", "CreateSelectiveXmlIndex", "CreateColumnStoreIndex",
        "CreateSpatialIndex", "AlterTableAddTableElement", "AlterTableConstraintModification", "CreateView", "CreateProcedure",
        "CreateFunction", "CreateTrigger", "CreateTypeUddt", "CreateTypeTable", "CreateXmlSchemaCollection",
        "CreateFullTextCatalog", "CreateFullTextIndex", "CreateSequence", "CreateSynonym", "CreatePartitionFunction",
        "CreatePartitionScheme", "CreateStatistics",
    };

    /// <summary>Skipped statements counted by kind, ordered by kind.</summary>
    public IReadOnlyDictionary<string, int> SkippedByKind =>
        Skipped.GroupBy(s => s.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Parses <paramref name="script"/> (sqlcmd commands and variables allowed) and splits it.</summary>
    /// <exception cref="FormatException">The script does not parse; the message names the first errors with line and
    /// column.</exception>
    public static SchemaScript Parse(string script)
    {
        var text = SqlCmdPreprocessor.Apply(script, out var commands);
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(text);
        var fragment = parser.Parse(reader, out var errors);
        if (errors.Count > 0)
        {
            throw new FormatException("the T-SQL script does not parse: " + string.Join("; ",
                errors.Take(5).Select(e => $"line {e.Line}, column {e.Column}: {e.Message}")));
        }

        var kept = new List<ScriptStatement>();
        var skipped = new List<ScriptStatement>();
        foreach (var batch in ((TSqlScript)fragment).Batches)
        {
            foreach (var statement in batch.Statements)
            {
                var kind = statement.GetType().Name;
                kind = kind.EndsWith("Statement", StringComparison.Ordinal) ? kind[..^"Statement".Length] : kind;
                var item = new ScriptStatement(kind, statement.StartLine, text.Substring(statement.StartOffset, statement.FragmentLength));
                (IsSchema(kind, statement) ? kept : skipped).Add(item);
            }
        }

        return new SchemaScript(kept, skipped, commands);
    }

    private static bool IsSchema(string kind, TSqlStatement statement) =>
        SchemaKinds.Contains(kind)
        || (statement is ExecuteStatement { ExecuteSpecification.ExecutableEntity: ExecutableProcedureReference proc }
            && proc.ProcedureReference?.ProcedureReference?.Name?.BaseIdentifier?.Value is { } name
            && name.Equals("sp_addextendedproperty", StringComparison.OrdinalIgnoreCase));
}
