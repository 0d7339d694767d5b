using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Pipeline.Core.Model;

namespace Pipeline.Core.Snapshot;

/// <summary>
/// Offline snapshots of a database (what <c>pipeline snapshot</c> writes): the actual model with statistics and the
/// server version, as JSON (System.Text.Json). Plans computed against a snapshot have the same source fingerprint
/// as plans computed against the live database it was taken from.
/// </summary>
/// <remarks>
/// Shape: <c>{"format":"pipeline-snapshot","version":1,"server":{dialect,versionNum,version},"exclude":[…],
/// "schemas":[{name,enums:[{name,values}],tables:[{name,comment?,stats?:{rows,pages,totalBytes},columns:[{name,type,
/// nullable,default?,identity,comment?,generated?}],primaryKey?:{name,columns,deferrable?,initiallyDeferred?},
/// uniques:[{name,columns,nullsNotDistinct?,deferrable?,initiallyDeferred?}],indexes:[{name,keys,unique,where?,method,
/// include,with?,nullsNotDistinct?}],foreignKeys:[{name,columns,referencedSchema,referencedTable,referencedColumns,
/// onDelete,onUpdate,match?,deferrable?,initiallyDeferred?}],checks:[{name,expression,noInherit?}],
/// exclusions?:[{name,method,elements:[{key,operator}],include,where?,with?,deferrable?,initiallyDeferred?}],
/// partitioning?:{strategy,key,partitions:[{schema,name,bound,partitioned,stats?}]},unmodelled?:[{kind,name?,detail,
/// columns?}],dependents?:[{kind,identity,column?,onObject?,tableSchema?,table?,name?,automatic}]}]}]}</c> (the last
/// three only in snapshots of tables that have them).
/// An index key is a string (<c>"email"</c>, <c>"(lower(email))"</c>, <c>"created_at DESC"</c>) or, with a collation,
/// operator class or NULLS order, an object <c>{column|expression,collation?,opclass?,descending?,nullsFirst?}</c>;
/// <c>with</c> maps storage parameter names to values. Optional flags are written only when true, so snapshots of
/// schemas without these options are unchanged. camelCase names, enum values as camelCase strings (<c>none</c>,
/// <c>always</c>, <c>byDefault</c>), null values omitted, two-space indentation, <c>\n</c> line ends, list order as
/// in the model. Source locations and desired-only fields (renamedFrom, backfill, using) are not stored.
/// </remarks>
public static partial class SnapshotSerializer
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // One generic converter per enum of the snapshot records (the non-generic JsonStringEnumConverter makes its
        // converters by reflection at run time, which a native (AOT) build cannot); DocumentJsonEnumTests checks
        // that every enum reachable from SnapshotDocument is covered.
        Converters =
        {
            new JsonStringEnumConverter<IdentityKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false),
            new JsonStringEnumConverter<UnmodelledKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false),
        },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        TypeInfoResolver = SnapshotJsonContext.Default,
    };

    private static readonly JsonSerializerOptions HeaderOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        TypeInfoResolver = SnapshotJsonContext.Default,
    };

    // The source-generated metadata under those options (no reflection-based serialisation).
    private static readonly JsonTypeInfo<SnapshotDocument> DocumentInfo = (JsonTypeInfo<SnapshotDocument>)Options.GetTypeInfo(typeof(SnapshotDocument));

    private static readonly JsonTypeInfo<SnapshotHeader> HeaderInfo = (JsonTypeInfo<SnapshotHeader>)HeaderOptions.GetTypeInfo(typeof(SnapshotHeader));

    /// <summary>Serialises a model to JSON text (indented, deterministic, ending with a newline).</summary>
    public static string Serialize(DatabaseModel model) => Serialize(model, null);

    /// <summary>Serialises a model and, when given, its data statistics (the optional <c>statistics</c> section,
    /// <see cref="SnapshotStatistics"/>; <c>{tables:[{schema,name,relTuples,relPages,tableBytes,indexBytes,totalBytes,
    /// columns:[{name,nullFrac,avgWidth,nDistinct,mostCommonVals?,mostCommonFreqs?,histogramBounds?,correlation?,
    /// baseType?}]}],topStatements?:[{query,calls}],warnings?}</c>).</summary>
    public static string Serialize(DatabaseModel model, SnapshotStatistics? statistics) =>
        JsonSerializer.Serialize(SnapshotMapper.ToDocument(model, statistics), DocumentInfo) + "\n";

    /// <summary>Writes <see cref="Serialize(DatabaseModel)"/>'s text to <paramref name="utf8"/> as UTF-8 without BOM
    /// (the same bytes <c>File.WriteAllText</c> of that text writes), straight from the serializer: a 500-table
    /// schema's snapshot is megabytes, never held as one string.</summary>
    /// <exception cref="IOException">The stream cannot be written.</exception>
    public static void WriteTo(DatabaseModel model, Stream utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        JsonSerializer.Serialize(utf8, SnapshotMapper.ToDocument(model, null), DocumentInfo);
        utf8.WriteByte((byte)'\n');
    }

    /// <summary>Reads a snapshot with its <c>statistics</c> section (<c>null</c> when the snapshot has none: taken
    /// without <c>--with-stats</c>, or before the section existed).</summary>
    /// <exception cref="SnapshotFormatException">Not a valid snapshot: the message names the file and, where
    /// known, line and position.</exception>
    public static (DatabaseModel Model, SnapshotStatistics? Statistics) DeserializeWithStatistics(string json, string fileName)
    {
        var document = ReadDocument(json, fileName);
        return (SnapshotMapper.ToModel(document), document.Statistics);
    }

    /// <summary>Reads a snapshot; <paramref name="fileName"/> is used in error messages.</summary>
    /// <exception cref="SnapshotFormatException">Not a valid snapshot: the message names the file and, where
    /// known, line and position.</exception>
    public static DatabaseModel Deserialize(string json, string fileName) => SnapshotMapper.ToModel(ReadDocument(json, fileName));

    private static SnapshotDocument ReadDocument(string json, string fileName)
    {
        SnapshotHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(json, HeaderInfo);
        }
        catch (JsonException ex)
        {
            throw Invalid(fileName, ex);
        }

        if (header?.Format != SnapshotMapper.FormatName)
        {
            throw new SnapshotFormatException(
                $"{fileName}: not a Pipeline snapshot (expected \"format\": \"{SnapshotMapper.FormatName}\", found {Quote(header?.Format)})");
        }

        if (header.Version != SnapshotMapper.FormatVersion)
        {
            throw new SnapshotFormatException(
                $"{fileName}: unsupported snapshot version {header.Version?.ToString() ?? "(missing)"}; this tool reads version {SnapshotMapper.FormatVersion}");
        }

        try
        {
            return JsonSerializer.Deserialize(json, DocumentInfo)
                ?? throw new SnapshotFormatException($"{fileName}: the snapshot is null");
        }
        catch (JsonException ex)
        {
            throw Invalid(fileName, ex);
        }
    }

    private static SnapshotFormatException Invalid(string fileName, JsonException ex)
    {
        var where = ex.LineNumber is { } line
            ? $"{fileName}({line + 1},{(ex.BytePositionInLine ?? 0) + 1})"
            : fileName;
        var path = string.IsNullOrEmpty(ex.Path) ? "" : $" (at {ex.Path})";
        var message = PositionSuffix().Replace(ex.Message, "");
        message = TypeName().Replace(message, m => "a snapshot " + m.Groups[1].Value.ToLowerInvariant());
        message = message.Replace(" Consider updating its nullability annotation.", "", StringComparison.Ordinal);
        return new SnapshotFormatException($"{where}: invalid snapshot: {message}{path}", ex);
    }

    /// <summary>Internal type names in System.Text.Json messages, e.g. <c>Pipeline.Core.Snapshot.SnapshotColumn</c>.</summary>
    [GeneratedRegex(@"'?Pipeline\.Core\.Snapshot\.Snapshot(\w+)'?")]
    private static partial Regex TypeName();

    private static string Quote(string? value) => value is null ? "nothing" : $"\"{value}\"";

    /// <summary>System.Text.Json appends " Path: … | LineNumber: … | BytePositionInLine: …."; those facts are
    /// reported in the location and path instead.</summary>
    [GeneratedRegex(@"\s*Path: .*$", RegexOptions.Singleline)]
    private static partial Regex PositionSuffix();
}

/// <summary>A snapshot file that cannot be read.</summary>
public sealed class SnapshotFormatException(string message, Exception? inner = null) : Exception(message, inner);
