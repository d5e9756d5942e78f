using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Monitoring.Data.Feedback;
using Monitoring.Data.Predictions;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Testing;

namespace Drift.Service.Tests.Service;

/// <summary>The exact raw-row path for small windows, data quality, and regression performance from feedback.</summary>
public sealed class EvaluationPathTests(PostgresFixture postgres)
{
    private static readonly string[] s_features = ["f0", "f1", "f2", "f3", "f4"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static double[] Normal(Random random, int count, double shift) =>
        [.. Enumerable.Range(0, count).Select(_ => shift + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];

    /// <summary>The two-sample KS statistic by its definition: the largest gap between the two empirical CDFs.</summary>
    private static double TwoSampleKs(double[] a, double[] b)
    {
        var x = a.Order().ToArray();
        var y = b.Order().ToArray();
        int i = 0, j = 0;
        var d = 0.0;
        while (i < x.Length && j < y.Length)
        {
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] == v)
            {
                i++;
            }

            while (j < y.Length && y[j] == v)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs(((double)i / x.Length) - ((double)j / y.Length)));
        }

        return d;
    }

    [Fact]
    public async Task A_small_window_is_tested_on_the_logged_raw_values_and_finds_drift_on_exactly_the_shifted_features()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "rawpath");
        using var client = drift.StartClient();
        var random = new Random(3);
        var reference = s_features.ToDictionary(f => f, _ => Normal(random, 20_000, 0));
        var profile = new ReferenceProfile { Rows = 20_000, Features = [.. s_features.Select(f => ReferenceProfileBuilder.Numeric(f, reference[f]))] };
        var live = s_features.ToDictionary(f => f, f => Normal(random, 400, f is "f1" or "f3" ? 1.0 : 0.0));
        var now = DateTimeOffset.UtcNow;
        await using (var database = drift.OpenDatabase())
        {
            await Seed.ChampionAsync(database, "credit", ModelTask.Classification, new FeatureSchema([.. s_features.Select(f => new FeatureDefinition(f, FeatureType.Numeric))]), profile, now.AddDays(-1));
            for (var row = 0; row < 400; row++)
            {
                // f0 is missing in row 0 and not a number in row 1: both count as missing.
                var values = s_features.Select(f => f == "f0" && row < 2
                    ? $"\"{f}\":{(row == 0 ? "null" : "\"abc\"")}"
                    : $"\"{f}\":{live[f][row].ToString("R", CultureInfo.InvariantCulture)}");
                database.PredictionLogs.Add(new PredictionLog
                {
                    Id = Guid.CreateVersion7(),
                    ModelName = "credit",
                    ModelVersion = 1,
                    CreatedAt = now.AddMinutes(-10).AddSeconds(row),
                    Features = "{" + string.Join(',', values) + "}",
                    Label = "yes",
                    Confidence = 0.8,
                });
            }

            await database.SaveChangesAsync(Cancellation);
        }

        // No bins were written (the predictor stores a minute's counts after it ends): a small window is read raw.
        using var response = await client.PostAsync("/drift/evaluate?model=credit&window=1h", null, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);

        Assert.Equal("raw", report.GetProperty("path").GetString());
        Assert.Equal(400, report.GetProperty("samples").GetInt64());
        var features = report.GetProperty("drift").GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("feature").GetString()!);
        Assert.All(features.Values, f => Assert.Equal("ks_raw", f.GetProperty("method").GetString()));
        Assert.Equal(["f1", "f3"], features.Values.Where(f => f.GetProperty("drift").GetBoolean()).Select(f => f.GetProperty("feature").GetString()).Order());
        foreach (var name in s_features)
        {
            // Against the reference's bins (each at most 1/200 of it) the statistic stays within 0.01 of the exact one.
            var present = name == "f0" ? live[name][2..] : live[name];
            Assert.Equal(TwoSampleKs(present, reference[name]), features[name].GetProperty("score").GetDouble(), 0.01);
        }

        // Quality: mean over features of completeness x (1 - share of values outside the reference's range).
        var expected = s_features.Average(f =>
        {
            var present = f == "f0" ? live[f][2..] : live[f];
            var (min, max) = (reference[f].Min(), reference[f].Max());
            var outside = present.Count(v => v < min || v > max);
            return ((double)present.Length / 400) * (1 - ((double)outside / present.Length));
        });
        var quality = report.GetProperty("quality");
        Assert.Equal(expected, quality.GetProperty("score").GetDouble(), 12);
        Assert.Equal(398.0 / 400, quality.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "f0").GetProperty("completeness").GetDouble(), 12);

        // Asking for the bins instead: none were stored, so nothing is tested.
        using var binned = await client.PostAsync("/drift/evaluate?model=credit&window=1h&path=bins", null, Cancellation);
        var binnedReport = await binned.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal("bins", binnedReport.GetProperty("path").GetString());
        Assert.Equal(0, binnedReport.GetProperty("samples").GetInt64());
        using var badPath = await client.PostAsync("/drift/evaluate?model=credit&path=fast", null, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPath.StatusCode);
    }

    [Fact]
    public async Task Regression_performance_over_the_windows_feedback_matches_a_direct_computation()
    {
        await using var drift = await DriftServiceFactory.CreateAsync(postgres, "regperf");
        using var client = drift.StartClient();
        var profile = new ReferenceProfile { Rows = 100, Features = [ReferenceProfileBuilder.Numeric("size", [.. Enumerable.Range(0, 100).Select(i => (double)i)])] };
        var now = DateTimeOffset.UtcNow;
        var predicted = Enumerable.Range(0, 20).Select(i => 100.0 + (5 * i)).ToArray();
        var actual = predicted.Select((p, i) => p + ((i % 3) - 1) * (i + 1)).ToArray();
        await using (var database = drift.OpenDatabase())
        {
            await Seed.ChampionAsync(database, "price", ModelTask.Regression, new FeatureSchema([new FeatureDefinition("size", FeatureType.Numeric)]), profile, now.AddDays(-1));
            for (var i = 0; i < predicted.Length; i++)
            {
                var prediction = Seed.Prediction("price", now.AddMinutes(-5).AddSeconds(i), value: predicted[i]);
                database.PredictionLogs.Add(prediction);
                database.Feedback.Add(new GroundTruthFeedback { PredictionId = prediction.Id, ModelName = "price", ModelVersion = 1, ActualValue = actual[i], ReceivedAt = now.AddMinutes(-1) });
            }

            // Feedback received before the window does not count.
            var old = Seed.Prediction("price", now.AddHours(-3), value: 0);
            database.PredictionLogs.Add(old);
            database.Feedback.Add(new GroundTruthFeedback { PredictionId = old.Id, ModelName = "price", ModelVersion = 1, ActualValue = 1000, ReceivedAt = now.AddHours(-2) });
            await database.SaveChangesAsync(Cancellation);
        }

        using var response = await client.PostAsync("/drift/evaluate?model=price&window=1h", null, Cancellation);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);

        var errors = predicted.Zip(actual, (p, a) => a - p).ToArray();
        var mean = actual.Average();
        var mae = errors.Average(Math.Abs);
        var rmse = Math.Sqrt(errors.Average(e => e * e));
        var r2 = 1 - (errors.Sum(e => e * e) / actual.Sum(a => (a - mean) * (a - mean)));
        var performance = report.GetProperty("performance");
        Assert.Equal(20, report.GetProperty("feedback_count").GetInt64());
        Assert.Equal(mae, performance.GetProperty("mae").GetDouble(), 9);
        Assert.Equal(rmse, performance.GetProperty("rmse").GetDouble(), 9);
        Assert.Equal(r2, performance.GetProperty("r2").GetDouble(), 9);

        using var live = await client.GetAsync("/performance?model=price", Cancellation);
        var body = await live.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(mae, body[0].GetProperty("real").GetProperty("mae").GetDouble(), 9);
    }
}
