namespace Monitoring.Data.Predictions;

/// <summary>
/// Per-minute counts of one feature's (or output's) values in the bins of the champion's reference profile. The
/// drift service evaluates windows from these rows, so its cost does not grow with traffic.
/// </summary>
public sealed class FeatureBinCount
{
    public required string ModelName { get; set; }

    public int ModelVersion { get; set; }

    /// <summary>A feature name, or an output such as <c>@label</c> or <c>@value</c>.</summary>
    public required string Feature { get; set; }

    /// <summary>Start of the minute the counts cover (UTC).</summary>
    public DateTimeOffset Minute { get; set; }

    /// <summary>One count per reference bin (numeric bins or categories, in the profile's order).</summary>
    public required long[] Counts { get; set; }

    public long Missing { get; set; }

    public long OutOfRange { get; set; }
}
