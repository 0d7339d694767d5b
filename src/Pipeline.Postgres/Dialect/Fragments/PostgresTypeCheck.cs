using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Fragments;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Yaml;
using Pipeline.Postgres.Introspection;

namespace Pipeline.Postgres.Dialect.Fragments;

/// <summary>
/// With a live connection: resolves every type the YAML names with <c>to_regtype()</c>
/// (https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG), in one query that executes
/// nothing but the lookups, and reports the unknown ones (PIPE0028) at their YAML node. Types the YAML itself creates
/// (its enums, and the row types of its tables) and the serial pseudo-types are known without asking.
/// </summary>
public static class PostgresTypeCheck
{
    private static readonly HashSet<string> SerialNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2",
    };

    /// <summary>The PIPE0028 errors for <paramref name="document"/>'s types on the server at
    /// <paramref name="connectionString"/>; empty when all resolve.</summary>
    /// <exception cref="PipelineConnectionException">The server cannot be reached or reports an error.</exception>
    public static async Task<IReadOnlyList<PlanDiagnostic>> CheckAsync(SchemaDocument document, string connectionString, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(document);
        var types = document.Fragments.Where(f => f.Kind == SqlFragmentKind.Type && !IsKnownWithoutServer(f.Text, document.Model)).ToList();
        if (types.Count == 0)
        {
            return [];
        }

        var names = types.Select(f => f.Text.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        // The introspection's connection settings, so the pooled connection it just used is reused.
        await using var connection = PostgresIntrospector.CatalogConnection(connectionString);
        var target = ConnectionStrings.Describe(connection);
        var unknown = await ConnectionStrings.GuardAsync("Cannot resolve types on PostgreSQL at", target, async () =>
        {
            await connection.OpenAsync(ct);
            return await UnknownAsync(connection, names, ct);
        });
        return types.Where(f => unknown.ContainsKey(f.Text.Trim()))
            .Select(f => new PlanDiagnostic(
                DiagnosticSeverity.Error,
                FragmentCodes.UnknownType,
                $"{f.Field}: type '{f.Text.Trim()}' does not exist on the server ({unknown[f.Text.Trim()]}) and the YAML does not create it",
                f.Location))
            .ToList();
    }

    /// <summary>The names among <paramref name="names"/> that <c>to_regtype</c> does not resolve, with the reason.
    /// One round trip; only if the server raises an error for one of them (PostgreSQL before 16 raises on a
    /// malformed name instead of returning NULL) is each looked up on its own to name it.</summary>
    internal static async Task<Dictionary<string, string>> UnknownAsync(NpgsqlConnection connection, IReadOnlyList<string> names, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await using var command = new NpgsqlCommand(
                "SELECT t.name FROM unnest(@names) AS t(name) WHERE to_regtype(t.name) IS NULL", connection);
            command.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = names.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                result[reader.GetString(0)] = "to_regtype returned NULL";
            }

            return result;
        }
        catch (PostgresException)
        {
            result.Clear();
        }

        foreach (var name in names)
        {
            try
            {
                await using var one = new NpgsqlCommand("SELECT to_regtype(@name) IS NULL", connection);
                one.Parameters.AddWithValue("name", name);
                if (await one.ExecuteScalarAsync(ct) is true)
                {
                    result[name] = "to_regtype returned NULL";
                }
            }
            catch (PostgresException ex)
            {
                result[name] = "the server says: " + ex.MessageText;
            }
        }

        return result;
    }

    /// <summary>Whether <paramref name="type"/> is a serial pseudo-type or names an enum or table of
    /// <paramref name="desired"/> (bare: in any schema; qualified: in that schema), ignoring modifiers and array
    /// bounds. Unquoted parts fold to lower case, as PostgreSQL folds them.</summary>
    internal static bool IsKnownWithoutServer(string type, DatabaseModel desired)
    {
        var tokens = SqlLexer.Lex(type).Tokens;
        var parts = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == LexKind.Word)
            {
                parts.Add(t.Text.ToLowerInvariant());
            }
            else if (t.Kind == LexKind.QuotedIdent && t.Text.StartsWith('"'))
            {
                parts.Add(t.Text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal));
            }
            else
            {
                return false;
            }

            if (i + 1 >= tokens.Count || !tokens[i + 1].IsPunct("."))
            {
                // modifiers and array bounds follow the name; anything else makes it a multi-word built-in name
                if (i + 1 < tokens.Count && !tokens[i + 1].IsPunct("(") && !tokens[i + 1].IsPunct("[") && !tokens[i + 1].IsWord("array"))
                {
                    return false;
                }

                break;
            }

            i++;
        }

        if (parts.Count == 1 && SerialNames.Contains(parts[0]))
        {
            return true;
        }

        return parts.Count switch
        {
            1 => desired.Schemas.Any(s => Creates(s, parts[0])),
            2 => desired.FindSchema(parts[0]) is { } schema && Creates(schema, parts[1]),
            _ => false,
        };
    }

    private static bool Creates(SchemaModel schema, string name) =>
        schema.FindEnum(name) is not null || schema.FindTable(name) is not null;
}
