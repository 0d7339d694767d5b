// Builds a .dacpac from a T-SQL file with DacFx (Pipeline.SqlServer's DacpacBuilder), as an SQL project's build would:
//   dotnet run --project build/sample-dacpac -- INPUT.sql OUTPUT.dacpac
using Pipeline.SqlServer.Dacpac;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: sample-dacpac INPUT.sql OUTPUT.dacpac");
    return 2;
}

using var model = DacpacBuilder.BuildModel(File.ReadAllText(args[0]));
DacpacBuilder.WritePackage(model, args[1], Path.GetFileNameWithoutExtension(args[1]));
Console.WriteLine($"{args[1]} written from {args[0]}");
return 0;
