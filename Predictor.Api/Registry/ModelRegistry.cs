using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Predictor.Api.Registry;

public sealed record ModelSummary(string Name, string Task, int? ChampionVersion, int VersionCount, DateTimeOffset CreatedAt);

public sealed record VersionSummary(
    int Version,
    string Stage,
    string Algorithm,
    string Source,
    string Sha256,
    long SizeBytes,
    JsonElement FeatureSchema,
    JsonElement Parameters,
    JsonElement Metrics,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PromotedAt);

/// <summary>The model registry in PostgreSQL: models, their versions, and which version is the champion.</summary>
public sealed class ModelRegistry(ModelDbContext database, TimeProvider time)
{
    /// <summary>The channel a promotion is announced on; every predictor replica listens to it.</summary>
    public const string PromotionChannel = RegistryWrites.PromotionChannel;

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var models = await database.Models.AsNoTracking()
            .OrderBy(m => m.Name)
            .Select(m => new
            {
                m.Name,
                m.Task,
                Champion = m.Versions.Where(v => v.Stage == ModelStage.Champion).Select(v => (int?)v.Version).FirstOrDefault(),
                Versions = m.Versions.Count,
                m.CreatedAt,
            })
            .ToListAsync(cancellationToken);
        return [.. models.Select(m => new ModelSummary(m.Name, m.Task.ToString().ToLowerInvariant(), m.Champion, m.Versions, m.CreatedAt))];
    }

    /// <summary>The versions of <paramref name="modelName"/>, newest first; null when there is no such model.</summary>
    public async Task<IReadOnlyList<VersionSummary>?> ListVersionsAsync(string modelName, CancellationToken cancellationToken)
    {
        if (!await database.Models.AnyAsync(m => m.Name == modelName, cancellationToken))
        {
            return null;
        }

        var versions = await database.ModelVersions.AsNoTracking()
            .Where(v => v.Model!.Name == modelName)
            .OrderByDescending(v => v.Version)
            .ToListAsync(cancellationToken);
        return [.. versions.Select(Summarize)];
    }

    /// <summary>Stores <paramref name="model"/> as the next version (a candidate) of <paramref name="modelName"/>, creating the model if new.</summary>
    public async Task<VersionSummary> AddVersionAsync(string modelName, ValidatedModel model, string? description, ReferenceProfile? profile, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
        var registered = await RegistryWrites.LockModelAsync(database, modelName, model.Task, now, description, cancellationToken);
        if (registered.Task != model.Task)
        {
            throw new RegistryConflictException($"Model '{modelName}' is a {registered.Task.ToString().ToLowerInvariant()} model; this upload is a {model.Task.ToString().ToLowerInvariant()} model.");
        }

        var version = new ModelVersion
        {
            Stage = ModelStage.Candidate,
            Sha256 = model.Sha256,
            SizeBytes = model.Onnx.LongLength,
            FeatureSchema = model.Signature.Schema.ToJson(),
            Algorithm = model.Algorithm,
            Source = ModelSource.Uploaded,
            Parameters = JsonSerializer.Serialize(new { layout = model.Signature.Layout.ToString().ToLowerInvariant() }),
            ReferenceProfile = profile?.ToJson(),
            CreatedAt = now,
            Artifact = new ModelArtifact { Onnx = model.Onnx },
        };
        await RegistryWrites.AddVersionAsync(database, registered, version, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Summarize(version);
    }

    /// <summary>
    /// Makes <paramref name="versionNumber"/> the champion and archives the previous one, in one transaction that also
    /// announces the promotion (PostgreSQL delivers the notification only when the transaction commits).
    /// </summary>
    public async Task<VersionSummary> PromoteAsync(string modelName, int versionNumber, CancellationToken cancellationToken)
    {
        await using var transaction = await database.Database.BeginTransactionAsync(cancellationToken);
        var model = await RegistryWrites.LockExistingModelAsync(database, modelName, cancellationToken)
            ?? throw new RegistryNotFoundException($"There is no model '{modelName}'.");
        var target = await database.ModelVersions.SingleOrDefaultAsync(v => v.ModelId == model.Id && v.Version == versionNumber, cancellationToken)
            ?? throw new RegistryNotFoundException($"Model '{modelName}' has no version {versionNumber}.");
        await RegistryWrites.PromoteAsync(database, model, target, time.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Summarize(target);
    }

    private static VersionSummary Summarize(ModelVersion version) => new(
        version.Version,
        version.Stage.ToString().ToLowerInvariant(),
        version.Algorithm,
        version.Source.ToString().ToLowerInvariant(),
        version.Sha256,
        version.SizeBytes,
        JsonDocument.Parse(version.FeatureSchema).RootElement.Clone(),
        JsonDocument.Parse(version.Parameters).RootElement.Clone(),
        JsonDocument.Parse(version.Metrics).RootElement.Clone(),
        version.CreatedAt,
        version.PromotedAt);
}

public sealed class RegistryNotFoundException(string message) : Exception(message);

public sealed class RegistryConflictException(string message) : Exception(message);
