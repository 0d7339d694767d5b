using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Postgres.Staging;

/// <summary>Writes one generated value with Npgsql's binary importer, typed (no late-bound <c>object</c> writes).</summary>
internal static class BinaryValueWriter
{
    /// <summary>Writes <paramref name="value"/> (or NULL) as <paramref name="type"/>.</summary>
    public static void Write(NpgsqlBinaryImporter importer, object? value, NpgsqlDbType type)
    {
        switch (value)
        {
            case null:
                importer.WriteNull();
                break;
            case int i:
                importer.Write(i, type);
                break;
            case long l:
                importer.Write(l, type);
                break;
            case short s:
                importer.Write(s, type);
                break;
            case decimal d:
                importer.Write(d, type);
                break;
            case double d:
                importer.Write(d, type);
                break;
            case float f:
                importer.Write(f, type);
                break;
            case bool b:
                importer.Write(b, type);
                break;
            case string s:
                importer.Write(s, type);
                break;
            case Guid g:
                importer.Write(g, type);
                break;
            case byte[] b:
                importer.Write(b, type);
                break;
            case DateOnly d:
                importer.Write(d, type);
                break;
            case TimeOnly t:
                importer.Write(t, type);
                break;
            case DateTime t:
                importer.Write(t, type);
                break;
            case TimeSpan t:
                importer.Write(t, type);
                break;
            default:
                importer.Write(value, type);
                break;
        }
    }
}
