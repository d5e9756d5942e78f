using System.ComponentModel.DataAnnotations;
using Monitoring.DemoData;

namespace AppHost.Simulation;

/// <summary>
/// The traffic simulator (<c>--simulate</c>, section <c>Simulate</c>): demo traffic, delayed feedback, then a drift
/// scenario, with the services' timings shortened so the whole story (drift reported, a retraining job, a promotion,
/// the new version serving) fits in a few minutes.
/// </summary>
public sealed class SimulationOptions
{
    public const string Section = "Simulate";

    public bool Enabled { get; set; }

    /// <summary>The model the simulator sends to; the training worker bootstraps it from <see cref="Dataset"/>.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,99}$")]
    public string Model { get; set; } = "credit-risk";

    public SyntheticDataset Dataset { get; set; } = SyntheticDataset.CreditRisk;

    /// <summary>Rows the bootstrap trains the first version on; few enough that drifted feedback counts in a retrain.</summary>
    [Range(500, 1_000_000)]
    public int BootstrapRows { get; set; } = 4000;

    [Range(0.1, 2000)]
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>Share of predictions that get their true label back as feedback.</summary>
    [Range(0.0, 1.0)]
    public double FeedbackShare { get; set; } = 0.6;

    /// <summary>How long after its prediction a label is sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan FeedbackDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time from the first answered prediction to the switch to drifted traffic.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DriftAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Numeric features shifted by <see cref="ShiftMagnitude"/> standard deviations (features derived from
    /// them follow); empty for none.</summary>
    public string[] ShiftFeatures { get; set; } = ["age", "income"];

    [Range(-10.0, 10.0)]
    public double ShiftMagnitude { get; set; } = 1.0;

    /// <summary>Concept drift once drift is on: 0 unchanged, 0.5 the drifting effects removed, 1 reversed.</summary>
    [Range(0.0, 1.0)]
    public double ConceptStrength { get; set; } = 0.8;

    public int Seed { get; set; } = 7;

    /// <summary>Most predictions in flight at once.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>How often the simulator prints its progress and what happened (drift, jobs, promotions).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The drift service's evaluation interval while simulating (Drift:EvaluationInterval).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The evaluations' look-back window while simulating (Drift:Window).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Drifted evaluations in a row before a retrain (Drift:ConsecutiveDriftEvaluations).</summary>
    [Range(1, 100)]
    public int ConsecutiveDriftEvaluations { get; set; } = 2;

    /// <summary>No second retrain of the model within this time (Drift:Cooldown); the bootstrap job counts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the predictor flushes its per-minute feature counts (FeatureHistograms:FlushInterval).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HistogramFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The scenario switched on after <see cref="DriftAfter"/>.</summary>
    public DriftScenario Scenario()
    {
        List<DriftScenario> parts = [];
        if (ShiftFeatures is { Length: > 0 } && ShiftMagnitude != 0)
        {
            parts.Add(DriftScenario.Covariate(ShiftMagnitude, ShiftFeatures));
        }

        if (ConceptStrength > 0)
        {
            parts.Add(DriftScenario.Concept(ConceptStrength));
        }

        return parts.Count == 0 ? DriftScenario.None : DriftScenario.Combined([.. parts]);
    }

    /// <summary>The services' settings that make the story short; each can still be overridden in the environment.</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Drift__EvaluationInterval"] = EvaluationInterval.ToString("c"),
        ["Drift__Window"] = Window.ToString("c"),
        ["Drift__ConsecutiveDriftEvaluations"] = ConsecutiveDriftEvaluations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Drift__Cooldown"] = Cooldown.ToString("c"),
        ["FeatureHistograms__FlushInterval"] = HistogramFlushInterval.ToString("c"),
        ["Training__Bootstrap__0__Name"] = Model,
        ["Training__Bootstrap__0__Dataset"] = DemoDatasets.NameOf(Dataset),
        ["Training__Bootstrap__0__Rows"] = BootstrapRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
