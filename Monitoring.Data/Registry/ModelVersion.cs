namespace Monitoring.Data.Registry;

/// <summary>
/// One trained or uploaded version of a model. JSON documents (schema, parameters, metrics, reference profile) are
/// stored as jsonb; the ONNX bytes live in <see cref="ModelArtifact"/> so listing versions never loads them.
/// </summary>
public sealed class ModelVersion
{
    public long Id { get; set; }

    public int ModelId { get; set; }

    public RegisteredModel? Model { get; set; }

    /// <summary>1, 2, 3… per model.</summary>
    public int Version { get; set; }

    public ModelStage Stage { get; set; }

    /// <summary>Lower-case hex SHA-256 of the ONNX bytes.</summary>
    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Feature names, types and order (jsonb).</summary>
    public required string FeatureSchema { get; set; }

    public required string Algorithm { get; set; }

    public ModelSource Source { get; set; }

    /// <summary>Training parameters (jsonb).</summary>
    public string Parameters { get; set; } = "{}";

    /// <summary>Evaluation metrics on the holdout (jsonb).</summary>
    public string Metrics { get; set; } = "{}";

    /// <summary>Per-feature distribution of the training data and of the model's outputs (jsonb).</summary>
    public string? ReferenceProfile { get; set; }

    public Guid? TrainingJobId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? PromotedAt { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    public ModelArtifact? Artifact { get; set; }
}

/// <summary>A version's ONNX file.</summary>
public sealed class ModelArtifact
{
    public long ModelVersionId { get; set; }

    public required byte[] Onnx { get; set; }
}

/// <summary>Where a version is in its life. At most one champion per model, enforced by a partial unique index.</summary>
public enum ModelStage
{
    Candidate,
    Champion,
    Archived,
}

public enum ModelSource
{
    Trained,
    Uploaded,
}
