using System.ComponentModel.DataAnnotations;

namespace Predictor.Api;

/// <summary>Settings of the predictor, section <c>Predictor</c>.</summary>
public sealed class PredictorOptions
{
    public const string Section = "Predictor";

    /// <summary>Bearer key for admin routes (upload, promote). Unset: admin routes are closed.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Largest ONNX file an upload may carry.</summary>
    [Range(1, long.MaxValue)]
    public long MaxModelBytes { get; set; } = 128L * 1024 * 1024;
}
