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

    /// <summary>How often the champions are re-read, in case a promotion notification was missed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ChampionPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The model a <c>/predict</c> request without <c>model</c> goes to when several are served.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Most rows one <c>/predict</c> request may carry.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Largest <c>/predict</c> body.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;
}
