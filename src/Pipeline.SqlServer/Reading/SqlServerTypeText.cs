using System.Globalization;
using Microsoft.SqlServer.Dac.Model;

namespace Pipeline.SqlServer.Reading;

/// <summary>
/// A column's type as T-SQL spells it, from a DacFx column (<c>Column.DataType</c>, <c>Length</c>, <c>IsMax</c>,
/// <c>Precision</c>, <c>Scale</c>, <c>XmlSchemaCollection</c>; https://learn.microsoft.com/sql/t-sql/data-types/data-types-transact-sql):
/// <c>int</c>, <c>nvarchar(40)</c>, <c>nvarchar(max)</c>, <c>decimal(10,2)</c>, <c>datetime2(7)</c>,
/// <c>xml(CONTENT Person.AdditionalContactInfoSchemaCollection)</c>; a user-defined type as <c>schema.name</c>
/// (<c>dbo.Name</c>). Parameters DacFx does not record are left out (<c>varchar</c>); the
/// <see cref="Dialect.SqlServerNormalizer"/> compares both spellings equal.
/// </summary>
public static class SqlServerTypeText
{
    private static readonly HashSet<string> LengthTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "char", "varchar", "nchar", "nvarchar", "binary", "varbinary",
    };

    private static readonly HashSet<string> PrecisionScaleTypes = new(StringComparer.OrdinalIgnoreCase) { "decimal", "numeric" };

    private static readonly HashSet<string> ScaleOnlyTypes = new(StringComparer.OrdinalIgnoreCase) { "datetime2", "time", "datetimeoffset" };

    /// <summary>The type of <paramref name="column"/>.</summary>
    public static string Of(TSqlObject column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var type = column.GetReferenced(Column.DataType).FirstOrDefault();
        if (type is null)
        {
            return "sql_variant";
        }

        // Alias types (CREATE TYPE dbo.Flag FROM bit) and CLR types have a schema-qualified name; built-in types do not.
        if (type.ObjectType != DataType.TypeClass || type.Name.Parts.Count > 1)
        {
            return string.Join('.', type.Name.Parts);
        }

        var name = type.Name.Parts[^1].ToLowerInvariant();
        var length = column.GetProperty<int>(Column.Length);
        var precision = column.GetProperty<int>(Column.Precision);
        var scale = column.GetProperty<int>(Column.Scale);
        if (LengthTypes.Contains(name))
        {
            return column.GetProperty<bool>(Column.IsMax) ? $"{name}(max)" : length > 0 ? $"{name}({N(length)})" : name;
        }

        if (PrecisionScaleTypes.Contains(name))
        {
            return precision > 0 ? $"{name}({N(precision)},{N(scale)})" : name;
        }

        if (ScaleOnlyTypes.Contains(name))
        {
            return $"{name}({N(scale)})";
        }

        if (name == "float" && precision > 0)
        {
            return $"float({N(precision)})";
        }

        if (name == "xml" && column.GetReferenced(Column.XmlSchemaCollection).FirstOrDefault() is { } collection)
        {
            var style = column.GetProperty<XmlStyle>(Column.XmlStyle) == XmlStyle.Document ? "DOCUMENT" : "CONTENT";
            return $"xml({style} {string.Join('.', collection.Name.Parts)})";
        }

        return name;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
