using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Monitoring.Data;
using Monitoring.Data.Database;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Npgsql;
using Predictor.Api.FeatureHistograms;
using Predictor.Api.Models;
using Predictor.Api.Registry;

namespace Predictor.Api.Serving;

/// <summary>
/// Keeps the catalog serving each model's champion: loads them all at start, reloads the ones whose champion
/// changed when PostgreSQL announces a promotion (<c>LISTEN model_promoted</c>), and polls as a fallback for
/// notifications missed while the connection was down.
/// </summary>
internal sealed partial class ChampionLoader(
    ModelCatalog catalog,
    FeatureHistogramRegistry histograms,
    ModelSchemaState schema,
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<PredictorOptions> options,
    TimeProvider time,
    ILogger<ChampionLoader> logger) : BackgroundService
{
    private readonly SemaphoreSlim _refresh = new(0, int.MaxValue);
    private readonly SemaphoreSlim _loading = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilCurrentAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
                break;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }

        catalog.MarkLoaded();
        await Task.WhenAll(ListenAsync(stoppingToken), PollAsync(stoppingToken), RefreshOnSignalAsync(stoppingToken));
    }

    /// <summary>Loads every champion that differs from what the catalog serves.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
            var champions = await database.ModelVersions.AsNoTracking()
                .Where(v => v.Stage == ModelStage.Champion)
                .Select(v => new { v.Id, v.Model!.Name, v.Model.Task, v.Version, v.FeatureSchema, v.Algorithm, v.ReferenceProfile })
                .ToListAsync(cancellationToken);
            foreach (var champion in champions.Where(c => catalog.VersionOf(c.Name) != c.Version))
            {
                var onnx = await database.ModelArtifacts.AsNoTracking()
                    .Where(a => a.ModelVersionId == champion.Id)
                    .Select(a => a.Onnx)
                    .SingleAsync(cancellationToken);
                FeatureSchema.TryParse(champion.FeatureSchema, out var featureSchema, out _);
                try
                {
                    var model = new ServedModel(champion.Name, champion.Version, champion.Task, featureSchema, champion.Algorithm, onnx, ReadProfile(champion.Name, champion.Version, champion.ReferenceProfile));
                    histograms.GetOrAdd(model.Histogram);
                    catalog.Install(model);
                    LogServing(logger, champion.Name, champion.Version, model.Profile is not null);
                }
                catch (Exception exception) when (exception is UnservableModelException or Onnx.Runtime.OnnxRuntimeException)
                {
                    catalog.MarkFailed(champion.Name);
                    // Keep serving what we had; the registry refused unservable uploads, so this is a damaged row.
                    LogLoadFailed(logger, exception, champion.Name, champion.Version);
                }
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>A damaged profile costs the drift checks, not the serving: the model is served without one.</summary>
    private ReferenceProfile? ReadProfile(string model, int version, string? json)
    {
        try
        {
            return ReferenceProfile.FromJson(json);
        }
        catch (System.Text.Json.JsonException exception)
        {
            LogProfileUnreadable(logger, exception, model, version);
            return null;
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _refresh.Release();
                await using (var listen = new NpgsqlCommand($"LISTEN {ModelRegistry.PromotionChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Promotions made while we were not listening are caught up here.
                _refresh.Release();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException && !stoppingToken.IsCancellationRequested)
            {
                LogListenFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
            }
        }
    }

    private async Task RefreshOnSignalAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _refresh.WaitAsync(stoppingToken);
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(logger, exception);
            }
        }
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ChampionPollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            _refresh.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Model} version {Version} (reference profile: {HasProfile}).")]
    private static partial void LogServing(ILogger logger, string model, int version, bool hasProfile);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reference profile of {Model} version {Version} is unreadable; serving it without drift checks.")]
    private static partial void LogProfileUnreadable(ILogger logger, Exception exception, string model, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not load {Model} version {Version}; the previous version stays in service.")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string model, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the champions from the database; retrying.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the promotion notifications; reconnecting (polling covers the gap).")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
