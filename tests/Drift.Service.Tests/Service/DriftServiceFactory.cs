extern alias drift;

using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Testing;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Drift.Service.Tests.Service;

/// <summary>The real Drift.Service host on Kestrel (port 0) over a migrated test database of its own.</summary>
internal sealed class DriftServiceFactory : KestrelServiceFactory<drift::Program>
{
    public const string AdminKey = "drift-admin-key";

    private DriftServiceFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings)
        : base(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:modeldb"] = connectionString,
                ["Drift:AdminApiKey"] = AdminKey,
                // Evaluations in these tests are asked for explicitly.
                ["Drift:EvaluationInterval"] = "1.00:00:00",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            settings)
    {
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<DriftServiceFactory> CreateAsync(PostgresFixture postgres, string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 21, 40)], TestContext.Current.CancellationToken);
        await using var database = Open(connectionString);
        await database.Database.MigrateAsync(TestContext.Current.CancellationToken);
        return new DriftServiceFactory(connectionString, settings);
    }

    public static ModelDbContext Open(string connectionString) => new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options);

    public ModelDbContext OpenDatabase() => Open(ConnectionString);

    public HttpClient StartClient() => StartClient(AdminKey);
}
