using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;

namespace Pipeline.SqlServer.Dacpac;

/// <summary>
/// Builds a DacFx model and a <c>.dacpac</c> from T-SQL text, offline, for tests and tools: each schema statement of
/// a <see cref="SchemaScript"/> is added with <c>TSqlModel.AddObjects</c> (one statement per call: DacFx accepts one
/// batch at a time; https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.model.tsqlmodel.addobjects) and
/// the package is written with <c>DacPackageExtensions.BuildPackage</c>
/// (https://learn.microsoft.com/dotnet/api/microsoft.sqlserver.dac.dacpackageextensions.buildpackage). The target
/// platform (<see cref="SqlServerVersion"/>) is recorded in the package's model (its DSP,
/// <c>Microsoft.Data.Tools.Schema.Sql.Sql160DatabaseSchemaProvider</c> for <see cref="SqlServerVersion.Sql160"/>).
/// </summary>
public static class DacpacBuilder
{
    /// <summary>A model of the schema statements of <paramref name="script"/> for <paramref name="version"/>
    /// (SQL Server 2022, <see cref="SqlServerVersion.Sql160"/>, when not given). The caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">DacFx reports errors for the model (unresolved references,
    /// statements it cannot model); the message lists the first ones.</exception>
    public static TSqlModel BuildModel(SchemaScript script, SqlServerVersion version = SqlServerVersion.Sql160)
    {
        ArgumentNullException.ThrowIfNull(script);
        var model = new TSqlModel(version, new TSqlModelOptions());
        try
        {
            foreach (var statement in script.Kept)
            {
                model.AddObjects(statement.Text);
            }

            var errors = model.Validate().Where(m => m.MessageType == DacMessageType.Error).ToList();
            if (errors.Count > 0)
            {
                throw new InvalidOperationException($"DacFx reports {errors.Count} error(s) in the model: "
                    + string.Join("; ", errors.Take(5).Select(e => $"{e.Prefix}{e.Number}: {e.Message}")));
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A model of the schema statements of the T-SQL text <paramref name="tsql"/> (see
    /// <see cref="SchemaScript.Parse"/>).</summary>
    /// <exception cref="FormatException">The text does not parse.</exception>
    /// <exception cref="InvalidOperationException">DacFx reports errors for the model.</exception>
    public static TSqlModel BuildModel(string tsql, SqlServerVersion version = SqlServerVersion.Sql160) =>
        BuildModel(SchemaScript.Parse(tsql), version);

    /// <summary>Writes <paramref name="model"/> as a <c>.dacpac</c> at <paramref name="path"/> (overwritten) with
    /// package name <paramref name="name"/> and version 1.0.0.0.</summary>
    public static void WritePackage(TSqlModel model, string path, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        DacPackageExtensions.BuildPackage(path, model, new PackageMetadata { Name = name, Version = "1.0.0.0" });
    }
}
