namespace Onnx.Export;

/// <summary>Descriptive fields written into exported models.</summary>
public sealed class ModelExportOptions
{
    public string ProducerName { get; set; } = "Aspire.Onnx";

    public string ProducerVersion { get; set; } = "1.0";

    public string Description { get; set; } = string.Empty;

    public string GraphName { get; set; } = "model";

    public long ModelVersion { get; set; } = 1;

    /// <summary>Custom metadata (<c>metadata_props</c>), added after the convention keys the exporter writes.</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
