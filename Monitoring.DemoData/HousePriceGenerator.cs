using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Monitoring.DemoData;

/// <summary>Homes and their sale price in thousands; see docs/datasets.md.</summary>
internal sealed class HousePriceGenerator : SyntheticGenerator
{
    private const int Area = 0;
    private const int Rooms = 1;
    private const int AgeYears = 2;
    private const int DistanceCenter = 3;
    private const int Bathrooms = 4;
    private const int GarageSpaces = 5;
    private const int Neighbourhood = 6;
    private const int Condition = 7;

    public static readonly FeatureSchema FeatureSchema = new(
    [
        new("area_sqm", FeatureType.Numeric),
        new("rooms", FeatureType.Numeric),
        new("age_years", FeatureType.Numeric),
        new("distance_center_km", FeatureType.Numeric),
        new("bathrooms", FeatureType.Numeric),
        new("garage_spaces", FeatureType.Numeric),
        new("neighbourhood", FeatureType.Categorical),
        new("condition", FeatureType.Categorical),
    ]);

    private static readonly double[] s_missingRates = [0, 0, 0.05, 0, 0.02, 0.03, 0, 0.04];

    private static readonly string[] s_neighbourhoods = ["old_town", "riverside", "university", "suburbs", "industrial"];
    private static readonly double[] s_neighbourhoodWeights = [0.15, 0.15, 0.20, 0.35, 0.15];

    private static readonly string[] s_conditions = ["poor", "fair", "good", "excellent"];
    private static readonly double[] s_conditionNewer = [0.05, 0.25, 0.50, 0.20];
    private static readonly double[] s_conditionOlder = [0.18, 0.37, 0.37, 0.08];

    private static readonly Lazy<double[]> s_referenceStdDevs = new(() => ReferenceStdDevs(new HousePriceGenerator(DriftScenario.None)));

    public HousePriceGenerator(DriftScenario scenario)
        : base(FeatureSchema, s_missingRates, scenario, () => s_referenceStdDevs.Value)
    {
    }

    public override ModelTask Task => ModelTask.Regression;

    private protected override bool IsPositive(string? label, double value) => value > DemoDatasets.HousePriceLabelShiftThreshold;

    private protected override void Draw(Random random, double[] numeric, string?[] categorical, out string? label, out double value)
    {
        var neighbourhood = Pick(random, Neighbourhood, s_neighbourhoods, s_neighbourhoodWeights);

        var distanceMedian = neighbourhood switch
        {
            "old_town" => 1.2,
            "riverside" => 3.0,
            "university" => 4.0,
            "suburbs" => 12.0,
            _ => 7.0,
        };
        var distance = Math.Round(Shifted(DistanceCenter, Math.Clamp(LogNormal(random, distanceMedian, 0.4), 0.1, 60)), 2);
        distance = Math.Max(distance, 0);

        var area = Math.Round(Shifted(Area, Math.Clamp(LogNormal(random, neighbourhood == "suburbs" ? 100 : 78, 0.35), 20, 400)), 1);
        area = Math.Max(area, 10);

        var rooms = Math.Max(1, Math.Round(Shifted(Rooms, Math.Clamp(Math.Round((area / 28) + (0.6 * Gaussian(random))), 1, 12))));

        var age = neighbourhood == "old_town"
            ? 60 + (90 * random.NextDouble())
            : Math.Min(150, -30 * Math.Log(1 - random.NextDouble()));
        age = Math.Max(0, Math.Round(Shifted(AgeYears, age)));

        var bathrooms = Math.Max(1, Math.Round(Shifted(Bathrooms, 1 + (area > 90 ? 1 : 0) + (area > 160 ? 1 : 0) + (random.NextDouble() < 0.2 ? 1 : 0))));

        var garage = Math.Max(0, Math.Round(Shifted(GarageSpaces, Math.Min(4, Poisson(random, neighbourhood == "suburbs" ? 1.2 : 0.3)))));

        var condition = Pick(random, Condition, s_conditions, age > 40 ? s_conditionOlder : s_conditionNewer);

        var pricePerSqm = neighbourhood switch
        {
            "old_town" => 5.5,
            "riverside" => 4.8,
            "university" => 3.6,
            "suburbs" => 2.6,
            _ => 1.9,
        };
        var conditionPremium = condition switch
        {
            "poor" => 0.75,
            "fair" => 0.9,
            "excellent" => 1.15,
            _ => 1.0,
        };

        // Concept drift reverses the distance discount (buyers start to prefer the outskirts) and fades the
        // condition premium.
        var concept = ConceptFactor;
        var price = area * pricePerSqm
            * Math.Exp(concept * -0.025 * (distance - 6))
            * Math.Pow(conditionPremium, (1 + concept) / 2)
            * Math.Exp((-0.004 * age) + (age > 80 ? 0.15 : 0))
            + (6 * bathrooms) + (10 * garage);
        price *= LogNormal(random, 1, 0.1);

        numeric[Area] = area;
        numeric[Rooms] = rooms;
        numeric[AgeYears] = age;
        numeric[DistanceCenter] = distance;
        numeric[Bathrooms] = bathrooms;
        numeric[GarageSpaces] = garage;
        categorical[Neighbourhood] = neighbourhood;
        categorical[Condition] = condition;

        label = null;
        value = Math.Round(price, 1);
    }
}
