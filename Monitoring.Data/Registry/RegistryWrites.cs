using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Monitoring.Data.Registry;

/// <summary>
/// The registry's writes, shared by the predictor's upload/promote routes and the training worker. Each runs inside
/// the caller's transaction, so a worker can store a version, promote it and finish its job atomically.
/// </summary>
public static class RegistryWrites
{
    /// <summary>The channel a promotion is announced on; every predictor replica listens to it.</summary>
    public const string PromotionChannel = "model_promoted";

    /// <summary>
    /// The model row of <paramref name="name"/>, created when new, locked for the rest of the transaction: concurrent
    /// uploads and promotions of one model are serialised, so version numbers never collide.
    /// </summary>
    public static async Task<RegisteredModel> LockModelAsync(ModelDbContext database, string name, ModelTask task, DateTimeOffset now, string? description, CancellationToken cancellationToken)
    {
        EnsureTransaction(database);
        await database.Database.ExecuteSqlAsync(
            $"INSERT INTO models (name, task, description, created_at) VALUES ({name}, {task.ToString().ToLowerInvariant()}, {description}, {now}) ON CONFLICT (name) DO NOTHING",
            cancellationToken);
        return await database.Models.FromSql($"SELECT * FROM models WHERE name = {name} FOR UPDATE").SingleAsync(cancellationToken);
    }

    /// <summary>The locked model row of <paramref name="name"/>, or null when there is no such model.</summary>
    public static Task<RegisteredModel?> LockExistingModelAsync(ModelDbContext database, string name, CancellationToken cancellationToken)
    {
        EnsureTransaction(database);
        return database.Models.FromSql($"SELECT * FROM models WHERE name = {name} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Adds <paramref name="version"/> as the next version of the locked <paramref name="model"/> and saves it.</summary>
    public static async Task<ModelVersion> AddVersionAsync(ModelDbContext database, RegisteredModel model, ModelVersion version, CancellationToken cancellationToken)
    {
        EnsureTransaction(database);
        var latest = await database.ModelVersions.Where(v => v.ModelId == model.Id).MaxAsync(v => (int?)v.Version, cancellationToken) ?? 0;
        version.ModelId = model.Id;
        version.Version = latest + 1;
        database.ModelVersions.Add(version);
        await database.SaveChangesAsync(cancellationToken);
        return version;
    }

    /// <summary>
    /// Makes <paramref name="target"/> the champion of the locked <paramref name="model"/>, archives the previous
    /// champion, and announces it (PostgreSQL delivers the notification only when the transaction commits).
    /// </summary>
    public static async Task PromoteAsync(ModelDbContext database, RegisteredModel model, ModelVersion target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        EnsureTransaction(database);
        if (target.Stage == ModelStage.Champion)
        {
            return;
        }

        var champions = await database.ModelVersions.Where(v => v.ModelId == model.Id && v.Stage == ModelStage.Champion && v.Id != target.Id).ToListAsync(cancellationToken);
        foreach (var champion in champions)
        {
            champion.Stage = ModelStage.Archived;
            champion.ArchivedAt = now;
        }

        // The old champion must leave the stage before the new one takes it: the one-champion index checks each row.
        await database.SaveChangesAsync(cancellationToken);
        target.Stage = ModelStage.Champion;
        target.PromotedAt = now;
        target.ArchivedAt = null;
        await database.SaveChangesAsync(cancellationToken);

        var payload = JsonSerializer.Serialize(new { model = model.Name, version = target.Version });
        await database.Database.ExecuteSqlAsync($"SELECT pg_notify({PromotionChannel}, {payload})", cancellationToken);
    }

    private static void EnsureTransaction(ModelDbContext database)
    {
        if (database.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Registry writes lock the model row and must run inside a transaction.");
        }
    }
}
