using System.Text.RegularExpressions;
using Pipeline.Core.Model;

namespace Pipeline.Core.Diff;

/// <summary>
/// When a column's type changes, PostgreSQL re-parses every check constraint and index expression or predicate that
/// uses the column against the new type (https://www.postgresql.org/docs/current/sql-altertable.html, SET DATA TYPE:
/// "indexes and simple table constraints involving the column will be automatically converted … by reparsing the
/// originally supplied expression"), and the statement fails when the old expression no longer fits (text → enum with
/// <c>CHECK (status &lt;&gt; ''::text)</c>: "operator does not exist"). This pass, run after the differ, drops such
/// checks and indexes in expand before the type change and adds their desired version after it (<c>NOT VALID</c> +
/// <c>VALIDATE</c>, <c>CREATE INDEX CONCURRENTLY</c>), instead of leaving them to the rewrite. Typmod-only changes
/// (<c>varchar(20)</c> → <c>varchar(50)</c>) and serial ↔ integer of the same width keep them as they are.
/// </summary>
internal static partial class TypeChangeDependents
{
    public static void Apply(DatabaseModel desired, List<SchemaChange> changes)
    {
        foreach (var change in changes.OfType<AlterColumnType>().ToList())
        {
            if (BaseType(change.From.Type) == BaseType(change.To.Type))
            {
                continue;
            }

            var actual = change.ActualTable;
            var wanted = desired.FindTable(change.Table.Schema, change.Table.Name);
            // Expressions of the actual table use the column's actual name (a rename runs first, and PostgreSQL
            // rewrites the stored expressions; a stale name in the text still counts).
            var names = new[] { change.From.Name, change.To.Name }.Distinct().ToList();
            foreach (var check in actual.Checks.Where(k => names.Any(n => Uses(k.Expression, n))))
            {
                var index = changes.FindIndex(c => c is DropCheck d && d.Table == change.Table && d.Check.Name == check.Name);
                if (index >= 0)
                {
                    changes[index] = ((DropCheck)changes[index]) with { BeforeTypeChange = true };
                }
                else if (wanted?.Checks.FirstOrDefault(k => k.Name == check.Name) is { } keep)
                {
                    changes.Add(new DropCheck(change.Table, check, keep.Location) { Replacement = true, BeforeTypeChange = true });
                    changes.Add(new AddCheck(change.Table, keep, actual));
                }
            }

            foreach (var ix in actual.Indexes.Where(i => names.Any(n => UsesInExpression(i, n))))
            {
                var index = changes.FindIndex(c => c is DropIndex d && d.Table == change.Table && d.Index.Name == ix.Name);
                if (index >= 0)
                {
                    changes[index] = ((DropIndex)changes[index]) with { BeforeTypeChange = true };
                }
                else if (wanted?.Indexes.FirstOrDefault(i => i.Name == ix.Name) is { } keep)
                {
                    changes.Add(new DropIndex(change.Table, ix, keep.Location) { Replacement = true, BeforeTypeChange = true });
                    changes.Add(new CreateIndex(change.Table, keep, actual));
                }
            }
        }
    }

    private static bool UsesInExpression(IndexModel index, string column) =>
        index.Keys.Any(k => k.IsExpression && Uses(k.Expression!, column)) || (index.Where is not null && Uses(index.Where, column));

    /// <summary>Whether <paramref name="expression"/> mentions <paramref name="column"/> as an identifier: quoted
    /// (<c>"Code"</c>), or bare as a whole word outside string literals. Errs on the side of yes.</summary>
    internal static bool Uses(string expression, string column)
    {
        if (expression.Contains("\"" + column.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", StringComparison.Ordinal))
        {
            return true;
        }

        var outsideLiterals = StringLiteral().Replace(expression, "''");
        return Regex.IsMatch(outsideLiterals, @"(?<![\w$""])" + Regex.Escape(column) + @"(?![\w$""])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    /// <summary>The type without typmod, serial pseudo-types as their integer type.</summary>
    private static string BaseType(string type)
    {
        var text = TypeModifier().Replace(type.Trim().ToLowerInvariant(), string.Empty);
        return text switch
        {
            "serial" or "serial4" or "int" or "int4" => "integer",
            "bigserial" or "serial8" or "int8" => "bigint",
            "smallserial" or "serial2" or "int2" => "smallint",
            "varchar" => "character varying",
            _ => text,
        };
    }

    [GeneratedRegex(@"'(?:[^']|'')*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\(\s*\d+\s*(,\s*-?\d+\s*)?\)")]
    private static partial Regex TypeModifier();
}
