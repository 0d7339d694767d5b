using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

/// <summary>
/// One index key in a snapshot: a JSON string in the short form (<c>"email"</c>, <c>"(lower(email))"</c>,
/// <c>"created_at DESC"</c>) when that form reads back to the same key, otherwise an object
/// <c>{column|expression, collation?, opclass?, descending?, nullsFirst?}</c>. Files written before keys had options
/// hold strings only and still read.
/// </summary>
[JsonConverter(typeof(SnapshotKeyPartConverter))]
internal sealed record SnapshotKeyPart(IndexKeyModel Key);

/// <summary>Reads and writes <see cref="SnapshotKeyPart"/> as a string or an object.</summary>
internal sealed class SnapshotKeyPartConverter : JsonConverter<SnapshotKeyPart>
{
    public override SnapshotKeyPart Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            try
            {
                return new SnapshotKeyPart(IndexKeyModel.Parse(reader.GetString()!));
            }
            catch (FormatException ex)
            {
                throw new JsonException(ex.Message, ex);
            }
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an index key must be a string or an object");
        }

        string? column = null, expression = null, collation = null, opclass = null;
        var descending = false;
        bool? nullsFirst = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "column": column = reader.GetString(); break;
                case "expression": expression = reader.GetString(); break;
                case "collation": collation = reader.GetString(); break;
                case "opclass": opclass = reader.GetString(); break;
                case "descending": descending = reader.GetBoolean(); break;
                case "nullsFirst": nullsFirst = reader.GetBoolean(); break;
                default: throw new JsonException($"unknown index key property '{name}'");
            }
        }

        if ((column is null) == (expression is null))
        {
            throw new JsonException("an index key needs exactly one of 'column' or 'expression'");
        }

        return new SnapshotKeyPart(new IndexKeyModel(column, expression, collation, opclass, descending, nullsFirst));
    }

    public override void Write(Utf8JsonWriter writer, SnapshotKeyPart value, JsonSerializerOptions options)
    {
        var key = value.Key with { Location = null };
        if (key.IsSimple && TryShort(key) is { } text)
        {
            writer.WriteStringValue(text);
            return;
        }

        writer.WriteStartObject();
        if (key.Column is not null)
        {
            writer.WriteString("column", key.Column);
        }
        else
        {
            writer.WriteString("expression", key.Expression);
        }

        if (key.Collation is not null)
        {
            writer.WriteString("collation", key.Collation);
        }

        if (key.OperatorClass is not null)
        {
            writer.WriteString("opclass", key.OperatorClass);
        }

        if (key.Descending)
        {
            writer.WriteBoolean("descending", true);
        }

        if (key.NullsFirst is { } first)
        {
            writer.WriteBoolean("nullsFirst", first);
        }

        writer.WriteEndObject();
    }

    private static string? TryShort(IndexKeyModel key)
    {
        var text = key.ToString();
        try
        {
            return IndexKeyModel.Parse(text) == key ? text : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
