namespace Monitoring.DemoData;

/// <summary>
/// How synthetic rows differ from the reference distribution. See docs/datasets.md for what each scenario does to
/// each dataset.
/// </summary>
public abstract record DriftScenario
{
    private protected DriftScenario()
    {
    }

    /// <summary>The reference distribution: what a model is trained on.</summary>
    public static DriftScenario None { get; } = new NoDrift();

    public static DriftScenario Covariate(double magnitude, params string[] features) => new CovariateShift(features, magnitude);

    public static DriftScenario Concept(double strength) => new ConceptDrift(strength);

    public static DriftScenario Label(double positiveRate) => new LabelShift(positiveRate);

    /// <summary>Several scenarios at once, e.g. shifted inputs and a changed concept; at most one label shift.</summary>
    public static DriftScenario Combined(params DriftScenario[] parts) => new CombinedDrift(parts);
}

public sealed record NoDrift : DriftScenario;

/// <summary>
/// Inputs move, the input→target relationship stays. A numeric feature is shifted by
/// <paramref name="Magnitude"/> reference standard deviations; a categorical feature's category weights are tilted
/// by <c>exp(Magnitude · r)</c>, r running from −1 (first listed category) to +1 (last listed), so positive values
/// favour the later categories. Features derived from a shifted one (e.g. rooms from area) follow it.
/// </summary>
public sealed record CovariateShift(IReadOnlyList<string> Features, double Magnitude) : DriftScenario;

/// <summary>
/// Inputs stay, the input→target relationship changes: the drifting effects are scaled by <c>1 − 2·Strength</c>
/// (0 = unchanged, 0.5 = removed, 1 = reversed).
/// </summary>
public sealed record ConceptDrift(double Strength) : DriftScenario;

/// <summary>
/// Class priors change, the class-conditional inputs stay: rows are drawn from the reference conditional on the
/// target, with <paramref name="PositiveRate"/> of them positive ("bad" credit risk; a house priced above
/// <see cref="DemoDatasets.HousePriceLabelShiftThreshold"/>).
/// </summary>
public sealed record LabelShift(double PositiveRate) : DriftScenario;

/// <summary>Every part applied together: covariate shifts add up, the last concept drift and label shift win.</summary>
public sealed record CombinedDrift(IReadOnlyList<DriftScenario> Parts) : DriftScenario;
