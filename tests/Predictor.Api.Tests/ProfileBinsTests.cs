extern alias predictor;

using Monitoring.Data.Profiles;
using predictor::Predictor.Api.FeatureHistograms;

namespace Predictor.Api.Tests;

/// <summary>The request path's copy of a profile's bins answers exactly as the profile itself.</summary>
public sealed class ProfileBinsTests
{
    [Fact]
    public void Numeric_slots_and_the_out_of_distribution_rule_match_the_profile()
    {
        var random = new Random(11);
        var skewed = Enumerable.Range(0, 5000).Select(_ => Math.Exp(random.NextDouble() * 4)).ToArray();
        var profiles = new[]
        {
            ReferenceProfileBuilder.Numeric("skewed", skewed),
            ReferenceProfileBuilder.Numeric("few", [1, 2, 2, 3]),
            ReferenceProfileBuilder.Numeric("constant", Enumerable.Repeat(7.0, 100).ToArray()),
            ReferenceProfileBuilder.Numeric("rare", Enumerable.Repeat(0.0, 999).Append(100.0).ToArray()),
        };

        foreach (var profile in profiles)
        {
            var bins = new ProfileBins(profile);
            var values = profile.Edges
                .Concat([profile.Min, profile.Max, profile.Mean, profile.Min - 1, profile.Max + 1, double.MaxValue, double.MinValue, 0, -0.0, double.NaN])
                .Concat(profile.Edges.Select(e => Math.BitIncrement(e)))
                .Concat(profile.Edges.Select(e => Math.BitDecrement(e)))
                .Concat(Enumerable.Range(0, 2000).Select(_ => (random.NextDouble() * (profile.Max - profile.Min + 20)) + profile.Min - 10));
            foreach (var value in values)
            {
                Assert.Equal(profile.SlotOf(value), bins.SlotOf(value));
                Assert.Equal(profile.IsOutOfDistribution(value), bins.IsOutOfDistribution(value));
            }
        }
    }

    [Fact]
    public void Category_slots_match_the_profile_with_few_and_with_many_categories()
    {
        var few = ReferenceProfileBuilder.Categorical("plan", ["basic", "pro", "basic", ""]);
        var many = ReferenceProfileBuilder.Categorical("city", Enumerable.Range(0, 40).Select(i => $"city-{i % 25}"));
        foreach (var profile in new[] { few, many })
        {
            var bins = new ProfileBins(profile);
            foreach (var category in profile.Categories.Concat(["unseen", "", "BASIC", "city-99"]))
            {
                var slot = bins.SlotOf(category);
                Assert.Equal(profile.SlotOf(category), slot);
                Assert.Equal(profile.IsOutOfRangeSlot(slot), bins.IsUnseenCategory(slot));
            }
        }
    }
}
