using System.Text.RegularExpressions;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Reports;

namespace Pipeline.Postgres.Rehearsal.Load;

/// <summary>
/// The renames of a plan, read back from the SQL of its expand steps (plan.json and the desired snapshot do not keep
/// <c>renamedFrom:</c>): <c>ALTER TABLE s.old RENAME TO new</c> (a table, with or without the compatibility view that
/// <see cref="Dialect.PostgresDialect"/> creates in the same step) and the version schema's view
/// <c>CREATE OR REPLACE VIEW {version schema}.t AS SELECT …, old AS new, … FROM s.t</c> (columns renamed with both
/// names usable until contract).
/// </summary>
/// <param name="Tables">New name of each renamed table, by its old name.</param>
/// <param name="Columns">Per table (its name before the plan): the version schema and the renamed columns, old name to
/// new name.</param>
/// <param name="PlainColumns">Per table: columns renamed in place in expand (<c>RENAME COLUMN</c>, PIPE1042), old name
/// to new name.</param>
internal sealed partial record PlanRenames(
    IReadOnlyDictionary<QualifiedName, QualifiedName> Tables,
    IReadOnlyDictionary<QualifiedName, (string VersionSchema, IReadOnlyDictionary<string, string> Columns)> Columns,
    IReadOnlyDictionary<QualifiedName, IReadOnlyDictionary<string, string>> PlainColumns)
{
    /// <summary>The renames of <paramref name="plan"/>.</summary>
    public static PlanRenames Of(PlanDocument plan)
    {
        var tables = new Dictionary<QualifiedName, QualifiedName>();
        var columns = new Dictionary<QualifiedName, (string, IReadOnlyDictionary<string, string>)>();
        var plain = new Dictionary<QualifiedName, IReadOnlyDictionary<string, string>>();
        foreach (var step in plan.Steps.Where(s => s.Phase == Phase.Expand))
        {
            foreach (Match m in RenameTable().Matches(step.Sql))
            {
                var schema = Name(m.Groups["s"].Value);
                tables[new QualifiedName(schema, Name(m.Groups["t"].Value))] = new QualifiedName(schema, Name(m.Groups["to"].Value));
            }

            foreach (Match m in RenameColumn().Matches(step.Sql))
            {
                var table = new QualifiedName(Name(m.Groups["s"].Value), Name(m.Groups["t"].Value));
                var map = plain.TryGetValue(table, out var found) ? new Dictionary<string, string>(found) : new Dictionary<string, string>(StringComparer.Ordinal);
                map[Name(m.Groups["from"].Value)] = Name(m.Groups["to"].Value);
                plain[table] = map;
            }

            foreach (Match m in VersionView().Matches(step.Sql))
            {
                var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var item in m.Groups["list"].Value.Split(", "))
                {
                    var parts = item.Split(" AS ");
                    if (parts.Length == 2)
                    {
                        renamed[Name(parts[0])] = Name(parts[1]);
                    }
                }

                columns[new QualifiedName(Name(m.Groups["s"].Value), Name(m.Groups["t"].Value))] = (Name(m.Groups["v"].Value), renamed);
            }
        }

        return new PlanRenames(tables, columns, plain);
    }

    private static string Name(string identifier) =>
        identifier.Length >= 2 && identifier[0] == '"' ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : identifier;

    private const string Identifier = @"(?:""(?:[^""]|"""")+""|[^\s"".,;()]+)";

    [GeneratedRegex(@"ALTER TABLE (?<s>" + Identifier + @")\.(?<t>" + Identifier + @") RENAME TO (?<to>" + Identifier + @");")]
    private static partial Regex RenameTable();

    [GeneratedRegex(@"ALTER TABLE (?<s>" + Identifier + @")\.(?<t>" + Identifier + @") RENAME COLUMN (?<from>" + Identifier + @") TO (?<to>" + Identifier + @");")]
    private static partial Regex RenameColumn();

    [GeneratedRegex(@"CREATE OR REPLACE VIEW (?<v>" + Identifier + @")\.(?:" + Identifier + @") AS SELECT (?<list>.+?) FROM (?<s>" + Identifier + @")\.(?<t>" + Identifier + @");")]
    private static partial Regex VersionView();
}
