namespace Pipeline.Cli.Tests;

/// <summary>Small schemas for the plan tests.</summary>
internal static class SampleYaml
{
    public const string Minimal = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: varchar(320)
                    nullable: false
                primaryKey: [id]
        """;

    /// <summary><see cref="Minimal"/> plus a column the desired schema no longer has.</summary>
    public const string WithLegacyColumn = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nullable: false
                    identity: always
                  - name: email
                    type: varchar(320)
                    nullable: false
                  - name: legacy_code
                    type: varchar(20)
                primaryKey: [id]
        """;

    /// <summary>A typo on line 7, column 13 (<c>nulable</c>).</summary>
    public const string UnknownKey = """
        version: 1
        schemas:
          public:
            tables:
              customers:
                columns:
                  - name: id
                    type: bigint
                    nulable: false
        """;
}
