extern alias drift;
extern alias training;

using drift::Drift.Service.Estimation;
using drift::Drift.Service.Statistics;
using Monitoring.Data.Profiles;
using training::Training.Worker.Data;
using training::Training.Worker.Profiling;
using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Estimation;

/// <summary>
/// How closely the drift service's label-free accuracy estimate (calibrated confidence, in the manner of CBPE) tracks
/// the real accuracy of a trained credit-risk model on the demo drift scenarios. Measured gaps are in
/// docs/drift-service.md. Confidence-based estimation cannot see concept drift (the inputs, and so the confidences,
/// do not change while the labels do): that test pins the limitation.
/// </summary>
public sealed class EstimatedAccuracyTests
{
    private static readonly Lazy<(TrainedModel Model, ReferenceProfile Profile)> s_model = new(() =>
    {
        var data = SyntheticData.CreditRisk(6000, seed: 21);
        var (train, validation, _) = DatasetSplit.Split(data, seed: 21);
        var model = TrainerCatalog.Get(TrainerCatalog.LogisticRegression).Train(train, validation, new TrainerSettings { Seed = 21 });
        var profile = ProfileFactory.Build(train, Outputs(model.Predict(train)), validation, Outputs(model.Predict(validation)));
        return (model, profile);
    });

    private static ModelOutputs Outputs(Predictions p) => ModelOutputs.Classifier(p.Probabilities!, p.ClassLabels);

    private static (double Real, double Estimated) Measure(DriftScenario scenario)
    {
        var (model, profile) = s_model.Value;
        var live = SyntheticData.CreditRisk(5000, seed: 77, scenario);
        var predictions = model.Predict(live);
        var confidence = profile.Find(ReferenceProfile.ConfidenceOutput)!;
        var counts = new long[confidence.SlotCount];
        var right = 0;
        for (var r = 0; r < live.RowCount; r++)
        {
            counts[confidence.SlotOf(predictions.Probabilities!.AsSpan(r * 2, 2).ToArray().Max())]++;
            right += predictions.Label(r) == live.Labels![r] ? 1 : 0;
        }

        return ((double)right / live.RowCount, ConfidenceBasedEstimator.Estimate(profile, new WindowCounts(counts))!.ExpectedAccuracy);
    }

    public static TheoryData<string, double> TrackedScenarios => new()
    {
        { "none", 0.03 },
        { "covariate", 0.04 },
        { "label", 0.06 },
    };

    [Theory]
    [MemberData(nameof(TrackedScenarios))]
    public void The_estimate_tracks_real_accuracy_when_inputs_or_priors_shift(string scenario, double tolerance)
    {
        var (real, estimated) = Measure(scenario switch
        {
            "covariate" => DriftScenario.Covariate(1.0, "income", "debt_to_income"),
            "label" => DriftScenario.Label(0.5),
            _ => DriftScenario.None,
        });

        Assert.True(Math.Abs(real - estimated) <= tolerance, $"{scenario}: real accuracy {real:0.000}, estimated {estimated:0.000}.");
    }

    [Fact]
    public void Concept_drift_lowers_real_accuracy_while_the_estimate_cannot_see_it()
    {
        var (baseline, _) = Measure(DriftScenario.None);
        var (real, estimated) = Measure(DriftScenario.Concept(1.0));

        Assert.True(real < baseline - 0.05, $"concept drift should hurt: {baseline:0.000} -> {real:0.000}");
        Assert.True(estimated - real > 0.05, $"the estimate ({estimated:0.000}) stays near the old accuracy while the real one is {real:0.000}.");
    }
}
