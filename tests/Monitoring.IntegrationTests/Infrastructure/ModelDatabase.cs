using Microsoft.EntityFrameworkCore;
using Monitoring.Data;

namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>The model database as the services see it, for tests that arrange or inspect it directly.</summary>
internal static class ModelDatabase
{
    public static ModelDbContext Open(string connectionString) =>
        new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options);

    /// <summary>Applies the migrations, as the owning service does at start.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var database = Open(connectionString);
        await database.Database.MigrateAsync(cancellationToken);
    }
}
