using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Monitoring.Data.Alerts;
using Monitoring.Data.Drift;
using Monitoring.Data.Feedback;
using Monitoring.Data.Predictions;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;

namespace Monitoring.Data;

/// <summary>
/// The model database shared by the three services. Tables and columns are snake_case so that SQL written by
/// hand (views, COPY, ad-hoc analysis) reads naturally; enums are stored as lower-case text.
/// </summary>
public sealed class ModelDbContext(DbContextOptions<ModelDbContext> options) : DbContext(options)
{
    private const string Json = "jsonb";

    /// <summary>
    /// Prediction logs are written tens of thousands of rows a second and read rarely: plain <c>json</c> keeps the text
    /// as sent, and costs PostgreSQL half the CPU per row of <c>jsonb</c>, which decomposes every document on insert
    /// (measured 3.3 against 6.2 µs per row with binary COPY). <c>-&gt;</c> and <c>-&gt;&gt;</c> work on both.
    /// </summary>
    private const string WriteHeavyJson = "json";

    public DbSet<RegisteredModel> Models => Set<RegisteredModel>();

    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();

    public DbSet<ModelArtifact> ModelArtifacts => Set<ModelArtifact>();

    public DbSet<PredictionLog> PredictionLogs => Set<PredictionLog>();

    public DbSet<FeatureBinCount> FeatureBinCounts => Set<FeatureBinCount>();

    public DbSet<GroundTruthFeedback> Feedback => Set<GroundTruthFeedback>();

    public DbSet<DriftReport> DriftReports => Set<DriftReport>();

    public DbSet<DriftEvent> DriftEvents => Set<DriftEvent>();

    public DbSet<TrainingJob> TrainingJobs => Set<TrainingJob>();

    public DbSet<MonitoringAlert> MonitoringAlerts => Set<MonitoringAlert>();

    public DbSet<OnlineUpdateState> OnlineUpdates => Set<OnlineUpdateState>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<ModelTask>().HaveConversion<LowerCaseEnumConverter<ModelTask>>();
        configuration.Properties<ModelStage>().HaveConversion<LowerCaseEnumConverter<ModelStage>>();
        configuration.Properties<ModelSource>().HaveConversion<LowerCaseEnumConverter<ModelSource>>();
        configuration.Properties<DriftSeverity>().HaveConversion<LowerCaseEnumConverter<DriftSeverity>>();
        configuration.Properties<TrainingTrigger>().HaveConversion<LowerCaseEnumConverter<TrainingTrigger>>();
        configuration.Properties<TrainingJobStatus>().HaveConversion<LowerCaseEnumConverter<TrainingJobStatus>>();
        configuration.Properties<AlertStatus>().HaveConversion<LowerCaseEnumConverter<AlertStatus>>();
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<RegisteredModel>(entity =>
        {
            entity.ToTable("models");
            entity.HasIndex(m => m.Name).IsUnique();
            entity.HasMany(m => m.Versions).WithOne(v => v.Model).HasForeignKey(v => v.ModelId);
        });

        model.Entity<ModelVersion>(entity =>
        {
            entity.ToTable("model_versions");
            entity.HasIndex(v => new { v.ModelId, v.Version }).IsUnique();
            // Exactly one champion per model, whatever races two promoters run.
            entity.HasIndex(v => v.ModelId).IsUnique().HasFilter("stage = 'champion'").HasDatabaseName("ix_model_versions_one_champion");
            entity.Property(v => v.FeatureSchema).HasColumnType(Json);
            entity.Property(v => v.Parameters).HasColumnType(Json);
            entity.Property(v => v.Metrics).HasColumnType(Json);
            entity.Property(v => v.ReferenceProfile).HasColumnType(Json);
            entity.HasOne(v => v.Artifact).WithOne().HasForeignKey<ModelArtifact>(a => a.ModelVersionId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<ModelArtifact>(entity =>
        {
            entity.ToTable("model_artifacts");
            entity.HasKey(a => a.ModelVersionId);
        });

        model.Entity<PredictionLog>(entity =>
        {
            entity.ToTable("prediction_logs");
            entity.Property(p => p.Id).ValueGeneratedNever();
            entity.Property(p => p.Features).HasColumnType(WriteHeavyJson);
            entity.Property(p => p.Probabilities).HasColumnType(WriteHeavyJson);
            entity.HasIndex(p => p.CreatedAt).HasMethod("brin").HasDatabaseName("ix_prediction_logs_created_at_brin");
        });

        model.Entity<FeatureBinCount>(entity =>
        {
            entity.ToTable("feature_bin_counts");
            entity.HasKey(c => new { c.ModelName, c.ModelVersion, c.Feature, c.Minute });
            entity.HasIndex(c => c.Minute).HasMethod("brin");
        });

        model.Entity<GroundTruthFeedback>(entity =>
        {
            entity.ToTable("feedback");
            entity.HasKey(f => f.PredictionId);
            entity.HasIndex(f => new { f.ModelName, f.ReceivedAt });
        });

        model.Entity<DriftReport>(entity =>
        {
            entity.ToTable("drift_reports");
            entity.Property(r => r.Details).HasColumnType(Json);
            entity.HasIndex(r => new { r.ModelName, r.CreatedAt }).IsDescending(false, true);
        });

        model.Entity<DriftEvent>(entity =>
        {
            entity.ToTable("drift_events");
            entity.Property(e => e.Details).HasColumnType(Json);
            entity.HasIndex(e => new { e.ModelName, e.OccurredAt });
        });

        model.Entity<TrainingJob>(entity =>
        {
            entity.ToTable("training_jobs");
            entity.Property(j => j.Id).ValueGeneratedNever();
            entity.Property(j => j.Details).HasColumnType(Json);
            // What the claim query scans: queued (or lease-expired running) jobs that are due.
            entity.HasIndex(j => new { j.Status, j.NotBefore });
            entity.HasIndex(j => new { j.ModelName, j.CreatedAt });
        });

        model.Entity<OnlineUpdateState>(entity =>
        {
            entity.ToTable("online_update_state");
            entity.HasKey(s => s.ModelName);
            entity.Property(s => s.LastDecision).HasColumnType(Json);
        });

        model.Entity<MonitoringAlert>(entity =>
        {
            entity.ToTable("monitoring_alerts");
            entity.Property(a => a.Labels).HasColumnType(Json);
            entity.Property(a => a.Annotations).HasColumnType(Json);
            entity.HasIndex(a => new { a.Fingerprint, a.StartsAt }).IsUnique();
            entity.HasIndex(a => a.ReceivedAt);
        });

        ApplySnakeCaseNames(model);
    }

    private static void ApplySnakeCaseNames(ModelBuilder model)
    {
        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(SnakeCase(key.GetName()!));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(SnakeCase(foreignKey.GetConstraintName()!));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var startsWord = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousIsLowerOrDigit || startsWord) && result.Length > 0 && result[^1] != '_')
                {
                    result.Append('_');
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private sealed class LowerCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
        value => value.ToString().ToLowerInvariant(),
        text => Enum.Parse<TEnum>(text, true))
        where TEnum : struct, Enum;
}
