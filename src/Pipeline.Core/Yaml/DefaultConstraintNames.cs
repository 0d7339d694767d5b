using System.Text;

namespace Pipeline.Core.Yaml;

/// <summary>
/// The names PostgreSQL gives constraints declared without a name: <c>{table}_pkey</c>,
/// <c>{table}_{columns}_key</c>, <c>{table}_{columns}_fkey</c>, with the column names joined by <c>_</c> and the
/// parts shortened so the result fits in 63 bytes (NAMEDATALEN − 1), the longer part losing characters first, as
/// PostgreSQL's <c>makeObjectName</c> does. Name-collision suffixes ("…_key1") are not simulated. See
/// https://www.postgresql.org/docs/current/sql-createtable.html and
/// https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS.
/// </summary>
public static class DefaultConstraintNames
{
    /// <summary>Maximum identifier length in bytes (NAMEDATALEN − 1).</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>Default primary key name.</summary>
    public static string PrimaryKey(string table) => Make(table, null, "pkey");

    /// <summary>Default unique constraint name.</summary>
    public static string Unique(string table, IReadOnlyList<string> columns) => Make(table, JoinColumns(columns), "key");

    /// <summary>Default foreign key name.</summary>
    public static string ForeignKey(string table, IReadOnlyList<string> columns) =>
        Make(table, JoinColumns(columns), "fkey");

    /// <summary>Default primary key name in <paramref name="dialect"/>: PostgreSQL's (above), or for SQL Server
    /// <c>PK_{table}</c> (SQL Server itself would generate <c>PK__{table}__{hex}</c>; the YAML's default is the
    /// conventional name SSMS and EF Core give).</summary>
    public static string PrimaryKey(string table, string dialect) =>
        dialect == Model.DatabaseModel.SqlServerDialect ? "PK_" + table : PrimaryKey(table);

    /// <summary>Default unique constraint name in <paramref name="dialect"/>: SQL Server <c>UQ_{table}_{columns}</c>.</summary>
    public static string Unique(string table, IReadOnlyList<string> columns, string dialect) =>
        dialect == Model.DatabaseModel.SqlServerDialect ? "UQ_" + table + "_" + string.Join('_', columns) : Unique(table, columns);

    /// <summary>Default foreign key name in <paramref name="dialect"/>: SQL Server <c>FK_{table}_{columns}</c>.</summary>
    public static string ForeignKey(string table, IReadOnlyList<string> columns, string dialect) =>
        dialect == Model.DatabaseModel.SqlServerDialect ? "FK_" + table + "_" + string.Join('_', columns) : ForeignKey(table, columns);

    /// <summary>Column names joined by <c>_</c>, stopping once the text reaches NAMEDATALEN bytes.</summary>
    private static string JoinColumns(IReadOnlyList<string> columns)
    {
        var sb = new StringBuilder();
        foreach (var column in columns)
        {
            if (sb.Length > 0)
            {
                sb.Append('_');
            }

            sb.Append(column);
            if (Encoding.UTF8.GetByteCount(sb.ToString()) > MaxIdentifierBytes)
            {
                break;
            }
        }

        return sb.ToString();
    }

    private static string Make(string name1, string? name2, string label)
    {
        var overhead = Encoding.UTF8.GetByteCount(label) + 1 + (name2 is null ? 0 : 1);
        var name1Bytes = Encoding.UTF8.GetByteCount(name1);
        var name2Bytes = name2 is null ? 0 : Encoding.UTF8.GetByteCount(name2);
        var available = MaxIdentifierBytes - overhead;
        while (name1Bytes + name2Bytes > available)
        {
            if (name1Bytes > name2Bytes)
            {
                name1Bytes--;
            }
            else
            {
                name2Bytes--;
            }
        }

        var result = new StringBuilder(ClipBytes(name1, name1Bytes));
        if (name2 is not null)
        {
            result.Append('_').Append(ClipBytes(name2, name2Bytes));
        }

        return result.Append('_').Append(label).ToString();
    }

    /// <summary>The longest prefix of <paramref name="s"/> of at most <paramref name="maxBytes"/> UTF-8 bytes that
    /// does not split a character.</summary>
    private static string ClipBytes(string s, int maxBytes)
    {
        var bytes = 0;
        var i = 0;
        while (i < s.Length)
        {
            var width = char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(s.AsSpan(i, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return s[..i];
    }
}
