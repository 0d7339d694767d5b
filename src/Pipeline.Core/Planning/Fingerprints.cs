using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Model;

namespace Pipeline.Core.Planning;

/// <summary>
/// Content fingerprints: <c>sha256:</c> followed by 64 lower-case hex digits.
/// </summary>
public static class Fingerprints
{
    /// <summary>
    /// Fingerprint of a schema's structure: schemas, tables and enums in name order, columns in physical order,
    /// constraints and indexes in name order. Ignores statistics, server info, YAML locations and the desired-only
    /// hints (renamedFrom, backfill, using), so a live database and a snapshot of it have the same fingerprint.
    /// Unmodelled properties, partitioning and dependent objects count (a view created since the plan was made is
    /// drift): the plan's refusals and orderings were computed from them.
    /// </summary>
    public static string OfSchema(DatabaseModel model)
    {
        var text = new StringBuilder();
        foreach (var schema in model.Schemas.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            text.Append("schema ").Append(schema.Name).Append('\n');
            foreach (var e in schema.Enums.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                text.Append(" enum ").Append(e.Name).Append(' ').AppendJoin('|', e.Values).Append('\n');
            }

            foreach (var table in schema.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                AppendTable(text, table);
            }
        }

        return Hash(text);
    }

    /// <summary>
    /// The plan fingerprint: a hash of everything that decides what runs (<see cref="ExecutedPlan.Fields"/> and, for
    /// every step in listed order, <see cref="ExecutedStep.Fields"/>: ordinal, phase, kind, transactional, blocked,
    /// SQL, and a backfill's table, key, key types, SET clause, predicate and batch size; a forward step's rollback kind;
    /// then the rollback steps the same way, each with the ordinal it undoes). The planner computes it;
    /// <c>pipeline rehearse</c> and <c>pipeline apply</c> recompute it from <c>plan.json</c> and refuse when it differs.
    /// Each field is written as <c>name:length:value</c>, so no value can be shifted into its neighbour.
    /// </summary>
    public static string OfPlan(ExecutedPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var text = new StringBuilder("pipeline-plan/2\n");
        AppendFields(text, plan.Fields());
        foreach (var step in plan.Steps)
        {
            text.Append("step\n");
            AppendFields(text, step.Fields());
        }

        return Hash(text);
    }

    private static void AppendFields(StringBuilder text, IEnumerable<KeyValuePair<string, string>> fields)
    {
        foreach (var (name, value) in fields)
        {
            text.Append(name).Append(':').Append(value.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(':').Append(value).Append('\n');
        }
    }

    private static void AppendTable(StringBuilder text, TableModel table)
    {
        text.Append(" table ").Append(table.Name).Append(" comment=").Append(table.Comment).Append('\n');
        foreach (var c in table.Columns)
        {
            text.Append("  column ").Append(c.Name).Append(' ').Append(c.Type).Append(" null=").Append(c.Nullable)
                .Append(" default=").Append(c.Default).Append(" identity=").Append(c.Identity)
                .Append(" comment=").Append(c.Comment);
            if (c.Generated is not null)
            {
                text.Append(" generated=").Append(c.Generated);
            }

            text.Append('\n');
        }

        if (table.PrimaryKey is { } pk)
        {
            text.Append("  pk ").Append(pk.Name).Append(' ').AppendJoin(',', pk.Columns).Append(Timing(pk.Deferrable, pk.InitiallyDeferred)).Append('\n');
        }

        foreach (var u in table.Uniques.OrderBy(u => u.Name, StringComparer.Ordinal))
        {
            text.Append("  unique ").Append(u.Name).Append(' ').AppendJoin(',', u.Columns)
                .Append(u.NullsNotDistinct ? " nulls-not-distinct" : "").Append(Timing(u.Deferrable, u.InitiallyDeferred)).Append('\n');
        }

        foreach (var i in table.Indexes.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            text.Append("  index ").Append(i.Name).Append(' ').Append(i.Method).Append(" unique=").Append(i.Unique)
                .Append(" keys=").AppendJoin(',', i.Keys).Append(" include=").AppendJoin(',', i.Include)
                .Append(" where=").Append(i.Where).Append(i.NullsNotDistinct ? " nulls-not-distinct" : "").Append(With(i.With)).Append('\n');
        }

        foreach (var f in table.ForeignKeys.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append("  fk ").Append(f.Name).Append(' ').AppendJoin(',', f.Columns).Append(" -> ")
                .Append(f.ReferencedSchema).Append('.').Append(f.ReferencedTable).Append('(').AppendJoin(',', f.ReferencedColumns)
                .Append(") delete=").Append(f.OnDelete).Append(" update=").Append(f.OnUpdate)
                .Append(f.Match == "simple" ? "" : " match=" + f.Match).Append(Timing(f.Deferrable, f.InitiallyDeferred)).Append('\n');
        }

        foreach (var c in table.Checks.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            text.Append("  check ").Append(c.Name).Append(' ').Append(c.Expression).Append(c.NoInherit ? " no-inherit" : "").Append('\n');
        }

        foreach (var x in table.Exclusions.OrderBy(x => x.Name, StringComparer.Ordinal))
        {
            text.Append("  exclude ").Append(x.Name).Append(' ').Append(x.Method).Append(" elements=")
                .AppendJoin(',', x.Elements.Select(e => e.Key + " WITH " + e.Operator)).Append(" include=").AppendJoin(',', x.Include)
                .Append(" where=").Append(x.Where).Append(With(x.With)).Append(Timing(x.Deferrable, x.InitiallyDeferred)).Append('\n');
        }

        // Catalog facts the model does not manage; written only when present, so fingerprints of tables without
        // them are unchanged.
        if (table.Partitioning is { } p)
        {
            text.Append("  partitioned ").Append(p.Key).Append(" partitions=")
                .AppendJoin(',', p.Partitions.Select(x => $"{x.Schema}.{x.Name} {x.Bound}")).Append('\n');
        }

        foreach (var u in table.Unmodelled.Select(u => $"  unmodelled {u.Kind} {u.Name} {string.Join(',', u.Columns)} {u.Detail}").Order(StringComparer.Ordinal))
        {
            text.Append(u).Append('\n');
        }

        foreach (var d in table.Dependents.Select(d => $"  dependent {d.Kind} {d.Identity} on {d.Column}/{d.OnObject} auto={d.Automatic}").Order(StringComparer.Ordinal))
        {
            text.Append(d).Append('\n');
        }
    }

    private static string Timing(bool deferrable, bool initiallyDeferred) =>
        deferrable ? (initiallyDeferred ? " deferrable-deferred" : " deferrable") : "";

    private static string With(IReadOnlyList<StorageParameter> parameters) =>
        parameters.Count == 0 ? "" : " with=" + string.Join(',', parameters.Select(p => p.Name + "=" + p.Value));

    /// <summary><c>sha256:</c> and the hex SHA-256 of the UTF-8 bytes of <paramref name="text"/>, encoded chunk by
    /// chunk (a 500-table schema's text is megabytes: no copy of it as one string or one byte array). The encoder
    /// keeps a surrogate pair split across two chunks whole, so the bytes are those of
    /// <c>Encoding.UTF8.GetBytes(text.ToString())</c>.</summary>
    internal static string Hash(StringBuilder text)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var encoder = Encoding.UTF8.GetEncoder();
        var buffer = new byte[Encoding.UTF8.GetMaxByteCount(4096)];
        foreach (var chunk in text.GetChunks())
        {
            var chars = chunk.Span;
            while (!chars.IsEmpty)
            {
                var take = Math.Min(chars.Length, 4096);
                encoder.Convert(chars[..take], buffer, flush: false, out var used, out var bytes, out _);
                hash.AppendData(buffer, 0, bytes);
                chars = chars[used..];
            }
        }

        encoder.Convert(ReadOnlySpan<char>.Empty, buffer, flush: true, out _, out var last, out _);
        hash.AppendData(buffer, 0, last);
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
