using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Monitoring.DemoData;

/// <summary>
/// Draws one row at a time of a synthetic dataset under a drift scenario. Targets come from the true (complete)
/// inputs; values are then blanked at each feature's missing rate, completely at random.
/// </summary>
public abstract class SyntheticGenerator
{
    private const int MaxLabelShiftAttempts = 100_000;

    private readonly double[] _missingRates;
    private readonly double[] _shift;
    private readonly double[] _categoryTilt;
    private LabelShift? _labelShift;

    private protected SyntheticGenerator(FeatureSchema schema, double[] missingRates, DriftScenario scenario, Func<double[]>? referenceStdDevs)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Schema = schema;
        _missingRates = missingRates;
        _shift = new double[schema.Features.Count];
        _categoryTilt = new double[schema.Features.Count];

        Apply(scenario, schema, referenceStdDevs);
    }

    public FeatureSchema Schema { get; }

    public abstract ModelTask Task { get; }

    /// <summary>Scale of the drifting effects: 1 without concept drift, −1 when fully reversed.</summary>
    protected double ConceptFactor { get; private set; } = 1;

    private void Apply(DriftScenario scenario, FeatureSchema schema, Func<double[]>? referenceStdDevs)
    {
        switch (scenario)
        {
            case NoDrift:
                break;
            case CombinedDrift combined:
                foreach (var part in combined.Parts ?? [])
                {
                    Apply(part ?? throw new ArgumentException("A combined drift scenario has a null part.", nameof(scenario)), schema, referenceStdDevs);
                }

                break;
            case CovariateShift covariate:
                if (!double.IsFinite(covariate.Magnitude))
                {
                    throw new ArgumentException("A covariate shift's magnitude must be a finite number of standard deviations.", nameof(scenario));
                }

                if (covariate.Features is not { Count: > 0 })
                {
                    throw new ArgumentException("A covariate shift needs at least one feature.", nameof(scenario));
                }

                var stdDevs = referenceStdDevs?.Invoke();
                foreach (var name in covariate.Features)
                {
                    var index = IndexOf(name);
                    if (schema.Features[index].Type == FeatureType.Numeric)
                    {
                        _shift[index] += covariate.Magnitude * stdDevs![index];
                    }
                    else
                    {
                        _categoryTilt[index] += covariate.Magnitude;
                    }
                }

                break;
            case ConceptDrift concept:
                if (!(concept.Strength is >= 0 and <= 1))
                {
                    throw new ArgumentException($"A concept drift's strength must lie in [0, 1] (was {concept.Strength}).", nameof(scenario));
                }

                ConceptFactor = 1 - (2 * concept.Strength);
                break;
            case LabelShift label:
                if (!(label.PositiveRate is > 0 and < 1))
                {
                    throw new ArgumentException($"A label shift's positive rate must lie strictly between 0 and 1 (was {label.PositiveRate}).", nameof(scenario));
                }

                _labelShift = label;
                break;
            default:
                throw new ArgumentException($"Unknown drift scenario {scenario.GetType().Name}.", nameof(scenario));
        }
    }

    /// <summary>Fills one row: <paramref name="numeric"/> (NaN = missing) and <paramref name="categorical"/> (null =
    /// missing) by feature index, unused slots untouched.</summary>
    public void Next(Random random, double[] numeric, string?[] categorical, out string? label, out double value)
    {
        if (_labelShift is null)
        {
            Draw(random, numeric, categorical, out label, out value);
        }
        else
        {
            var wantPositive = random.NextDouble() < _labelShift.PositiveRate;
            var attempts = 0;
            do
            {
                if (++attempts > MaxLabelShiftAttempts)
                {
                    throw new InvalidOperationException("The label shift's positive rate is too extreme to sample.");
                }

                Draw(random, numeric, categorical, out label, out value);
            }
            while (IsPositive(label, value) != wantPositive);
        }

        for (var i = 0; i < _missingRates.Length; i++)
        {
            if (_missingRates[i] > 0 && random.NextDouble() < _missingRates[i])
            {
                if (Schema.Features[i].Type == FeatureType.Numeric)
                {
                    numeric[i] = double.NaN;
                }
                else
                {
                    categorical[i] = null;
                }
            }
        }
    }

    private protected abstract void Draw(Random random, double[] numeric, string?[] categorical, out string? label, out double value);

    private protected abstract bool IsPositive(string? label, double value);

    /// <summary>A numeric feature's value after the scenario's covariate shift.</summary>
    protected double Shifted(int feature, double value) => value + _shift[feature];

    /// <summary>Picks one of <paramref name="categories"/> by <paramref name="weights"/>, tilted by the scenario.</summary>
    protected string Pick(Random random, int feature, ReadOnlySpan<string> categories, ReadOnlySpan<double> weights)
    {
        var tilt = _categoryTilt[feature];
        Span<double> tilted = stackalloc double[weights.Length];
        double total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var position = weights.Length == 1 ? 0 : (2.0 * i / (weights.Length - 1)) - 1;
            tilted[i] = weights[i] * Math.Exp(tilt * position);
            total += tilted[i];
        }

        var draw = random.NextDouble() * total;
        for (var i = 0; i < tilted.Length; i++)
        {
            draw -= tilted[i];
            if (draw < 0)
            {
                return categories[i];
            }
        }

        return categories[^1];
    }

    protected static double Gaussian(Random random)
    {
        // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    protected static double LogNormal(Random random, double median, double sigma) => median * Math.Exp(sigma * Gaussian(random));

    protected static int Poisson(Random random, double mean)
    {
        // Knuth's product of uniforms: fine for the small means used here.
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= random.NextDouble();
        }

        return count;
    }

    protected static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Standard deviation of every numeric feature over reference rows (NaN for categorical ones).</summary>
    private protected static double[] ReferenceStdDevs(SyntheticGenerator reference, int rows = 20_000, int seed = 12345)
    {
        var features = reference.Schema.Features;
        var numeric = new double[features.Count];
        var categorical = new string?[features.Count];
        var sums = new double[features.Count];
        var squares = new double[features.Count];
        var counts = new long[features.Count];
        var random = new Random(seed);
        for (var row = 0; row < rows; row++)
        {
            reference.Next(random, numeric, categorical, out _, out _);
            for (var i = 0; i < features.Count; i++)
            {
                if (features[i].Type == FeatureType.Numeric && !double.IsNaN(numeric[i]))
                {
                    sums[i] += numeric[i];
                    squares[i] += numeric[i] * numeric[i];
                    counts[i]++;
                }
            }
        }

        var result = new double[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            result[i] = features[i].Type == FeatureType.Numeric && counts[i] > 1
                ? Math.Sqrt(Math.Max(0, (squares[i] - (sums[i] * sums[i] / counts[i])) / (counts[i] - 1)))
                : double.NaN;
        }

        return result;
    }

    private int IndexOf(string feature)
    {
        for (var i = 0; i < Schema.Features.Count; i++)
        {
            if (Schema.Features[i].Name == feature)
            {
                return i;
            }
        }

        throw new ArgumentException(
            $"The drift scenario names feature '{feature}', which this dataset does not have ({string.Join(", ", Schema.Features.Select(f => f.Name))}).");
    }
}
