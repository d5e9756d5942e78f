namespace Monitoring.Data.Registry;

/// <summary>A model name users predict with; its versions compete to be the champion.</summary>
public sealed class RegisteredModel
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public ModelTask Task { get; set; }

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<ModelVersion> Versions { get; } = [];
}

public enum ModelTask
{
    Classification,
    Regression,
}
