using System.Text.Json;
using Monitoring.Data.Evaluation;
using Monitoring.Data.Registry;

namespace Training.Worker.Tests.Evaluation;

public sealed class EvaluationMetricsTests
{
    [Fact]
    public void Metrics_serialize_to_a_flat_object_with_snake_case_names_and_no_nulls()
    {
        var metrics = new EvaluationMetrics { Count = 10, Accuracy = 0.9, F1Score = 0.5, RocAuc = 0.75 };

        using var document = JsonDocument.Parse(metrics.ToJson());

        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["count", "accuracy", "f1_score", "roc_auc"], names);
        Assert.All(document.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
        Assert.Equal(0.75, document.RootElement.GetProperty("roc_auc").GetDouble());
    }

    [Fact]
    public void Stored_metrics_read_back_and_ignore_unknown_keys()
    {
        var read = EvaluationMetrics.FromJson("""{"count":3,"rmse":1.5,"r2":0.25,"something_else":7}""");

        Assert.Equal(new EvaluationMetrics { Count = 3, Rmse = 1.5, R2 = 0.25 }, read);
        Assert.Null(EvaluationMetrics.FromJson(" "));
    }

    [Fact]
    public void Dictionary_and_indexer_use_the_json_names()
    {
        var metrics = new EvaluationMetrics { Count = 2, Mae = 1, Rmse = 2 };

        Assert.Equal(2.0, metrics["rmse"]);
        Assert.Null(metrics["roc_auc"]);
        Assert.Equal(["count", "mae", "rmse"], metrics.ToDictionary().Keys);
    }

    [Fact]
    public void Primary_metric_defaults_to_roc_auc_for_classifiers_and_rmse_for_regressors()
    {
        Assert.Equal(new PrimaryMetric("roc_auc", HigherIsBetter: true), PrimaryMetric.For(ModelTask.Classification));
        Assert.Equal(new PrimaryMetric("rmse", HigherIsBetter: false), PrimaryMetric.For(ModelTask.Regression));
    }

    [Theory]
    [InlineData(0.86, 0.85, 0.0, true)]
    [InlineData(0.86, 0.85, 0.01, false)]
    [InlineData(0.87, 0.85, 0.01, true)]
    [InlineData(0.85, 0.85, 0.0, false)]
    [InlineData(0.80, 0.85, 0.0, false)]
    public void Higher_is_better_metrics_need_to_beat_the_champion_by_more_than_the_margin(double candidate, double champion, double margin, bool better)
    {
        Assert.Equal(better, PrimaryMetric.RocAuc.IsBetter(candidate, champion, margin));
    }

    [Theory]
    [InlineData(9.0, 10.0, 0.5, true)]
    [InlineData(9.6, 10.0, 0.5, false)]
    [InlineData(11.0, 10.0, 0.0, false)]
    public void Lower_is_better_metrics_need_to_undercut_the_champion_by_more_than_the_margin(double candidate, double champion, double margin, bool better)
    {
        Assert.Equal(better, PrimaryMetric.Rmse.IsBetter(candidate, champion, margin));
    }

    [Fact]
    public void A_missing_value_never_wins_and_a_champion_without_one_always_loses()
    {
        Assert.False(PrimaryMetric.RocAuc.IsBetter(null, 0.5));
        Assert.False(PrimaryMetric.RocAuc.IsBetter(double.NaN, 0.5));
        Assert.True(PrimaryMetric.RocAuc.IsBetter(0.5, null));
        Assert.True(PrimaryMetric.RocAuc.IsBetter(new EvaluationMetrics { RocAuc = 0.6 }, new EvaluationMetrics { Accuracy = 0.9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PrimaryMetric.Rmse.IsBetter(1, 2, -1));
    }

    [Fact]
    public void Primary_metric_parses_json_names()
    {
        Assert.True(PrimaryMetric.TryParse("accuracy", out var accuracy));
        Assert.Equal(PrimaryMetric.Accuracy, accuracy);
        Assert.False(PrimaryMetric.TryParse("count", out _));
    }
}
