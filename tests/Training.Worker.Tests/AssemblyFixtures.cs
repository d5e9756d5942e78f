using Monitoring.Testing;

[assembly: AssemblyFixture(typeof(PostgresFixture))]
