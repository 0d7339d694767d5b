using Microsoft.SqlServer.TransactSql.ScriptDom;
using Pipeline.SqlServer.Dacpac;
using Pipeline.SqlServer.Dialect;

namespace Pipeline.SqlServer.Tests.Oracle;

/// <summary>
/// A change applied to a schema script as a developer would write it in an SQL project: a column definition added,
/// inserted, replaced or removed inside its <c>CREATE TABLE</c>, statements appended or removed. Positions come
/// from ScriptDom's parse of each statement, so the corpora's own spelling (quoted names, inline constraints) is kept.
/// </summary>
internal sealed class TSqlEdit
{
    private readonly List<string> statements;

    private TSqlEdit(IEnumerable<string> statements) => this.statements = [.. statements];

    /// <summary>The schema statements of <paramref name="script"/>, unchanged.</summary>
    public static TSqlEdit Of(SchemaScript script) => new(script.Kept.Select(s => s.Text));

    /// <summary>The edited script: one statement per batch.</summary>
    public string Text => string.Join("\nGO\n", statements) + "\nGO\n";

    /// <summary>Appends <paramref name="definition"/> after the last column of the table.</summary>
    public TSqlEdit AddColumn(string table, string definition) =>
        EditTable(table, (text, t) =>
        {
            var last = t.Definition.ColumnDefinitions[^1];
            var at = last.StartOffset + last.FragmentLength;
            return text[..at] + ",\n    " + definition + text[at..];
        });

    /// <summary>Inserts <paramref name="definition"/> after column <paramref name="after"/> (changes the column
    /// order).</summary>
    public TSqlEdit InsertColumnAfter(string table, string after, string definition) =>
        EditTable(table, (text, t) =>
        {
            var column = Column(t, after);
            var at = column.StartOffset + column.FragmentLength;
            return text[..at] + ",\n    " + definition + text[at..];
        });

    /// <summary>Replaces the whole definition of <paramref name="column"/>.</summary>
    public TSqlEdit ReplaceColumn(string table, string column, string definition) =>
        EditTable(table, (text, t) =>
        {
            var c = Column(t, column);
            return text[..c.StartOffset] + definition + text[(c.StartOffset + c.FragmentLength)..];
        });

    /// <summary>Removes <paramref name="column"/> (not the table's last element) and its comma.</summary>
    public TSqlEdit RemoveColumn(string table, string column) =>
        EditTable(table, (text, t) =>
        {
            var c = Column(t, column);
            var next = t.Definition.ColumnDefinitions.Cast<TSqlFragment>().Concat(t.Definition.TableConstraints).Concat(t.Definition.Indexes)
                .Select(e => e.StartOffset).Where(o => o > c.StartOffset).Min();
            return text[..c.StartOffset] + text[next..];
        });

    /// <summary>Appends a statement.</summary>
    public TSqlEdit Append(string statement)
    {
        statements.Add(statement);
        return this;
    }

    /// <summary>Replaces <paramref name="find"/> by <paramref name="replacement"/> in the one statement that contains
    /// it (ordinal).</summary>
    public TSqlEdit ReplaceText(string find, string replacement)
    {
        var i = statements.FindIndex(s => s.Contains(find, StringComparison.Ordinal));
        if (i < 0 || statements.FindIndex(i + 1, s => s.Contains(find, StringComparison.Ordinal)) >= 0)
        {
            throw new InvalidOperationException("not exactly one statement contains " + find);
        }

        statements[i] = statements[i].Replace(find, replacement, StringComparison.Ordinal);
        return this;
    }

    /// <summary>Removes every statement whose text contains <paramref name="fragment"/> (ordinal, case-insensitive);
    /// at least one must.</summary>
    public TSqlEdit Remove(string fragment)
    {
        var removed = statements.RemoveAll(s => s.Contains(fragment, StringComparison.OrdinalIgnoreCase));
        if (removed == 0)
        {
            throw new InvalidOperationException("no statement contains " + fragment);
        }

        return this;
    }

    private TSqlEdit EditTable(string table, Func<string, CreateTableStatement, string> edit)
    {
        var (schema, name) = table.Contains('.', StringComparison.Ordinal) ? (table.Split('.')[0], table.Split('.')[1]) : ("dbo", table);
        for (var i = 0; i < statements.Count; i++)
        {
            if (Parse(statements[i]) is { } t
                && string.Equals(t.SchemaObjectName.BaseIdentifier.Value, name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(t.SchemaObjectName.SchemaIdentifier?.Value ?? "dbo", schema, StringComparison.OrdinalIgnoreCase))
            {
                statements[i] = edit(statements[i], t);
                return this;
            }
        }

        throw new InvalidOperationException("no CREATE TABLE for " + table);
    }

    private static ColumnDefinition Column(CreateTableStatement t, string name) =>
        t.Definition.ColumnDefinitions.Single(c => string.Equals(c.ColumnIdentifier.Value, name, StringComparison.OrdinalIgnoreCase));

    private static CreateTableStatement? Parse(string statement)
    {
        if (!statement.TrimStart().StartsWith("CREATE TABLE", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parser = TSqlParsers.Create();
        using var reader = new StringReader(statement);
        var script = (TSqlScript)parser.Parse(reader, out var errors);
        return errors.Count == 0 ? script.Batches.SelectMany(b => b.Statements).OfType<CreateTableStatement>().SingleOrDefault() : null;
    }
}
