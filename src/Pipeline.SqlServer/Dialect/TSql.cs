using Pipeline.Core.Model;

namespace Pipeline.SqlServer.Dialect;

/// <summary>T-SQL spelling helpers: bracket-quoted identifiers and Unicode string literals
/// (https://learn.microsoft.com/sql/relational-databases/databases/database-identifiers).</summary>
public static class TSql
{
    /// <summary><c>[name]</c>, with <c>]</c> doubled.</summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "[" + name.Replace("]", "]]", StringComparison.Ordinal) + "]";
    }

    /// <summary><c>[schema].[name]</c>.</summary>
    public static string Qualified(QualifiedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Quote(name.Schema) + "." + Quote(name.Name);
    }

    /// <summary><c>[schema].[name]</c>.</summary>
    public static string Qualified(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>A Unicode string literal <c>N'…'</c>, with <c>'</c> doubled.</summary>
    public static string NString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "N'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A comma-separated list of quoted column names.</summary>
    public static string Columns(IEnumerable<string> columns) => string.Join(", ", columns.Select(Quote));

    /// <summary>The name of a column's default constraint: the modelled name, else <c>DF_{table}_{column}</c>
    /// (the convention SSDT projects and the corpora use).</summary>
    public static string DefaultName(string table, ColumnModel column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.DefaultName ?? $"DF_{table}_{column.Name}";
    }

    /// <summary>A column definition for CREATE TABLE / ADD: <c>[c] type [IDENTITY(s, i)] NULL|NOT NULL [CONSTRAINT
    /// [DF] DEFAULT (expr)]</c>.</summary>
    public static string ColumnDefinition(string table, ColumnModel column, bool? nullableOverride = null, bool withDefault = true)
    {
        ArgumentNullException.ThrowIfNull(column);
        var identity = column.Identity == IdentityKind.None
            ? ""
            : $" IDENTITY({column.IdentitySeed ?? 1}, {column.IdentityIncrement ?? 1})";
        var nullable = nullableOverride ?? column.Nullable;
        var def = withDefault && column.Default is { } d
            ? $" CONSTRAINT {Quote(DefaultName(table, column))} DEFAULT ({d})"
            : "";
        return $"{Quote(column.Name)} {column.Type}{identity} {(nullable ? "NULL" : "NOT NULL")}{def}";
    }

    /// <summary>The key list of an index: <c>[a], [b] DESC</c>.</summary>
    public static string IndexKeys(IEnumerable<IndexKeyModel> keys) =>
        string.Join(", ", keys.Select(k => (k.Column is { } c ? Quote(c) : k.Expression!) + (k.Descending ? " DESC" : "")));
}
