using Monitoring.Testing;

// One throw-away PostgreSQL cluster for the whole assembly (or the database named by ConnectionStrings__modeldb).
[assembly: AssemblyFixture(typeof(PostgresFixture))]
