using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Postgres.Staging;

/// <summary>The value families the generator synthesises; everything else is <see cref="Unsupported"/>.</summary>
internal enum ValueFamily
{
    /// <summary>A type the generator cannot synthesise (json, tsvector, arrays, ranges, …).</summary>
    Unsupported,

    /// <summary>smallint, integer, bigint, numeric, date, timestamp(tz), time: ordered integers of a unit.</summary>
    Scaled,

    /// <summary>real, double precision.</summary>
    Float,

    /// <summary>text, character varying, character.</summary>
    Text,

    /// <summary>boolean.</summary>
    Boolean,

    /// <summary>uuid.</summary>
    Uuid,

    /// <summary>bytea.</summary>
    Bytes,

    /// <summary>An enum type: its labels in order.</summary>
    Enum,
}

/// <summary>
/// How one column of the staging database is written by the binary importer: the value family, the Npgsql type of
/// the wire format, and, for <see cref="ValueFamily.Scaled"/>, the unit (10^-scale for numeric, days for date,
/// microseconds for timestamps and time). Read from the staging catalog after the schema was created.
/// </summary>
/// <param name="TypeName">The column type as <c>format_type</c> spells it on staging.</param>
/// <param name="BaseName">The base type's <c>typname</c> (domains resolved), e.g. <c>int4</c>, <c>varchar</c>.</param>
/// <param name="TypeMod">The type modifier (<c>atttypmod</c>), -1 for none.</param>
/// <param name="EnumLabels">The labels of an enum type in sort order, else <c>null</c>.</param>
internal sealed record ColumnKind(string TypeName, string BaseName, int TypeMod, IReadOnlyList<string>? EnumLabels)
{
    private static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The value family.</summary>
    public ValueFamily Family => EnumLabels is not null ? ValueFamily.Enum : BaseName switch
    {
        "int2" or "int4" or "int8" or "numeric" or "date" or "timestamp" or "timestamptz" or "time" => ValueFamily.Scaled,
        "float4" or "float8" => ValueFamily.Float,
        "text" or "varchar" or "bpchar" or "name" or "citext" => ValueFamily.Text,
        "bool" => ValueFamily.Boolean,
        "uuid" => ValueFamily.Uuid,
        "bytea" => ValueFamily.Bytes,
        _ => ValueFamily.Unsupported,
    };

    /// <summary>The Npgsql type the value is written as (enums as text: their binary form is the label).</summary>
    public NpgsqlDbType WireType => EnumLabels is not null ? NpgsqlDbType.Text : BaseName switch
    {
        "int2" => NpgsqlDbType.Smallint,
        "int4" => NpgsqlDbType.Integer,
        "int8" => NpgsqlDbType.Bigint,
        "numeric" => NpgsqlDbType.Numeric,
        "date" => NpgsqlDbType.Date,
        "timestamp" => NpgsqlDbType.Timestamp,
        "timestamptz" => NpgsqlDbType.TimestampTz,
        "time" => NpgsqlDbType.Time,
        "float4" => NpgsqlDbType.Real,
        "float8" => NpgsqlDbType.Double,
        "bool" => NpgsqlDbType.Boolean,
        "uuid" => NpgsqlDbType.Uuid,
        "bytea" => NpgsqlDbType.Bytea,
        "citext" => NpgsqlDbType.Citext,
        _ => NpgsqlDbType.Text,
    };

    /// <summary>numeric: the declared scale, or <c>null</c> for unconstrained numeric.</summary>
    public int? NumericScale => BaseName == "numeric" && TypeMod >= 4 ? (TypeMod - 4) & 0xFFFF : null;

    /// <summary>varchar(n) / character(n): n, else <c>null</c>.</summary>
    public int? MaxLength => BaseName is "varchar" or "bpchar" && TypeMod >= 4 ? TypeMod - 4 : null;

    /// <summary>The smallest and largest value of the integer types, in units.</summary>
    public (long Min, long Max) Range => BaseName switch
    {
        "int2" => (short.MinValue, short.MaxValue),
        "int4" => (int.MinValue, int.MaxValue),
        _ => (long.MinValue / 4, long.MaxValue / 4),
    };

    /// <summary>Parses a value in the type's text form (ISO dates, UTC) into units of <see cref="ValueFamily.Scaled"/>;
    /// <c>null</c> if it does not parse.</summary>
    public long? ParseScaled(string text, int scale)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (BaseName)
        {
            case "int2" or "int4" or "int8":
                return long.TryParse(text, NumberStyles.Integer, inv, out var l) ? l : null;
            case "numeric":
                return decimal.TryParse(text, NumberStyles.Float, inv, out var d) ? (long)Math.Round(d * Pow10(scale)) : null;
            case "date":
                return DateOnly.TryParseExact(text, "yyyy-MM-dd", inv, DateTimeStyles.None, out var date) ? date.DayNumber - DateOnly.FromDateTime(Epoch).DayNumber : null;
            case "time":
                return TimeOnly.TryParse(text, inv, DateTimeStyles.None, out var time) ? time.Ticks / 10 : null;
            case "timestamp" or "timestamptz":
                var t = text.Length > 3 && (text[^3] is '+' or '-') ? text + ":00" : text;
                return DateTime.TryParse(t, inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var ts)
                    ? (ts - Epoch).Ticks / 10 : null;
            default:
                return null;
        }
    }

    /// <summary>The value to write for <paramref name="units"/> of a <see cref="ValueFamily.Scaled"/> column.</summary>
    public object FromScaled(long units, int scale) => BaseName switch
    {
        "int2" => (short)Math.Clamp(units, short.MinValue, short.MaxValue),
        "int4" => (int)Math.Clamp(units, int.MinValue, int.MaxValue),
        "int8" => units,
        "numeric" => units / Pow10(scale),
        "date" => DateOnly.FromDayNumber((int)Math.Clamp(DateOnly.FromDateTime(Epoch).DayNumber + units, 0, DateOnly.MaxValue.DayNumber)),
        "time" => new TimeOnly(Math.Clamp(units * 10, 0, TimeOnly.MaxValue.Ticks)),
        "timestamp" => DateTime.SpecifyKind(Epoch.AddTicks(units * 10), DateTimeKind.Unspecified),
        _ => Epoch.AddTicks(units * 10),
    };

    /// <summary>Writes <c>units</c> of a <see cref="ValueFamily.Scaled"/> column as <see cref="FromScaled"/> makes
    /// them, typed as <see cref="WireType"/> (no boxing: the load's hot path).</summary>
    public Action<NpgsqlBinaryImporter, long> ScaledWriter(int scale)
    {
        var divisor = Pow10(scale);
        var epochDay = DateOnly.FromDateTime(Epoch).DayNumber;
        return BaseName switch
        {
            "int2" => (importer, units) => importer.Write((short)Math.Clamp(units, short.MinValue, short.MaxValue), NpgsqlDbType.Smallint),
            "int4" => (importer, units) => importer.Write((int)Math.Clamp(units, int.MinValue, int.MaxValue), NpgsqlDbType.Integer),
            "int8" => (importer, units) => importer.Write(units, NpgsqlDbType.Bigint),
            "numeric" => (importer, units) => importer.Write(units / divisor, NpgsqlDbType.Numeric),
            "date" => (importer, units) => importer.Write(DateOnly.FromDayNumber((int)Math.Clamp(epochDay + units, 0, DateOnly.MaxValue.DayNumber)), NpgsqlDbType.Date),
            "time" => (importer, units) => importer.Write(new TimeOnly(Math.Clamp(units * 10, 0, TimeOnly.MaxValue.Ticks)), NpgsqlDbType.Time),
            "timestamp" => (importer, units) => importer.Write(DateTime.SpecifyKind(Epoch.AddTicks(units * 10), DateTimeKind.Unspecified), NpgsqlDbType.Timestamp),
            _ => (importer, units) => importer.Write(Epoch.AddTicks(units * 10), NpgsqlDbType.TimestampTz),
        };
    }

    private static decimal Pow10(int scale)
    {
        var p = 1m;
        for (var i = 0; i < scale; i++)
        {
            p *= 10;
        }

        return p;
    }
}
