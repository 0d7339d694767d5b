// One PostgreSQL cluster per test assembly: test classes receive it by taking a PostgresServer constructor parameter.
[assembly: Xunit.AssemblyFixture(typeof(Pipeline.Testing.PostgresServer))]
