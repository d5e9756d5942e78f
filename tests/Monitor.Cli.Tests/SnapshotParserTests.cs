using System.Text.Json;
using MonitorCli.Snapshot;

namespace Monitor.Cli.Tests;

/// <summary>The sources' replies, in the shapes the services, Prometheus and Alertmanager give them, read into the snapshot.</summary>
public sealed class SnapshotParserTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void A_health_reply_gives_its_status_and_names_the_checks_that_are_not_healthy()
    {
        var (status, detail) = SnapshotParser.Health(Json("""
            {"status":"Degraded","checks":[
              {"name":"postgres","status":"Healthy","description":"PostgreSQL answered."},
              {"name":"models","status":"Degraded","description":"No model has a champion yet."}]}
            """));

        Assert.Equal(ComponentStatus.Degraded, status);
        Assert.Equal("models: No model has a champion yet.", detail);
    }

    [Theory]
    [InlineData("Healthy", ComponentStatus.Healthy)]
    [InlineData("Degraded", ComponentStatus.Degraded)]
    [InlineData("Unhealthy", ComponentStatus.Unhealthy)]
    [InlineData("something else", ComponentStatus.Unhealthy)]
    public void Health_statuses_map_and_anything_unknown_counts_as_unhealthy(string text, ComponentStatus expected) =>
        Assert.Equal(expected, SnapshotParser.ParseStatus(text));

    [Fact]
    public void The_model_list_gives_name_task_champion_and_version_count()
    {
        var models = SnapshotParser.Models(Json("""
            [{"name":"credit-risk","task":"classification","championVersion":2,"versionCount":3,"createdAt":"2026-11-23T03:10:49Z"},
             {"name":"houses","task":"regression","championVersion":null,"versionCount":1}]
            """));

        Assert.Equal([("credit-risk", "classification", (int?)2, 3), ("houses", "regression", null, 1)], models);
    }

    [Fact]
    public void A_prometheus_vector_gives_labels_and_values_and_an_error_reply_throws()
    {
        var vector = SnapshotParser.Vector(Json("""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"model":"credit-risk","class":"good"},"value":[1795403545.096,"881.5"]},
              {"metric":{"model":"credit-risk","class":"bad"},"value":[1795403545.096,"NaN"]}]}}
            """));

        Assert.Equal("good", vector[0].Labels["class"]);
        Assert.Equal(881.5, vector[0].Value);
        Assert.True(double.IsNaN(vector[1].Value));
        Assert.Throws<JsonException>(() => SnapshotParser.Vector(Json("""{"status":"error","error":"parse error"}""")));
    }

    [Fact]
    public void Drift_status_joins_each_models_last_report_with_its_detectors_states()
    {
        var drift = SnapshotParser.Drift(Json("""
            {"detectors":{"credit-risk":[
                {"name":"ddm","state":"drift","seen":548},{"name":"eddm","state":"warning","seen":548},{"name":"adwin","state":"stable","seen":548}],
              "other":[{"name":"adwin","state":"stable","seen":3}]},
             "last_reports":[{"model":"credit-risk","model_version":1,"created_at":"2026-11-23T03:12:18.005989+00:00","dataset_drift":true,"drift_share":0.857,"prediction_drift":false,"samples":592}]}
            """));

        var credit = Assert.Single(drift, d => d.Model == "credit-risk");
        Assert.Equal((1, true, 0.857, false, 592L), (credit.Version!.Value, credit.DatasetDrift!.Value, credit.DriftShare!.Value, credit.PredictionDrift!.Value, credit.Samples!.Value));
        Assert.Equal(["ddm"], credit.DetectorsInDrift);
        Assert.Equal(["eddm"], credit.DetectorsInWarning);
        var other = Assert.Single(drift, d => d.Model == "other");
        Assert.Null(other.EvaluatedAt);
    }

    [Fact]
    public void Training_keeps_the_newest_job_of_each_model_with_its_decision_or_error()
    {
        var training = SnapshotParser.Training(Json("""
            [{"id":"01a20663-0000-7000-8000-000000000002","model":"credit-risk","trigger":"drift","status":"succeeded","created_at":"2026-11-23T03:12:30Z","finished_at":"2026-11-23T03:12:32Z","result_version":2,"error":null,
              "details":{"decision":{"promote":true,"reason":"Logged-traffic holdout (124 rows) roc_auc: candidate 0.81 beats champion version 1 0.73 by more than 0."}}},
             {"id":"01a20662-0000-7000-8000-000000000001","model":"credit-risk","trigger":"bootstrap","status":"succeeded","created_at":"2026-11-23T03:10:48Z","finished_at":"2026-11-23T03:10:49Z","result_version":1,"error":null,"details":{"decision":{"promote":true,"reason":"No champion yet."}}},
             {"id":"01a20662-0000-7000-8000-000000000003","model":"houses","trigger":"manual","status":"failed","created_at":"2026-11-23T03:11:00Z","finished_at":"2026-11-23T03:11:01Z","result_version":null,"error":"Model 'houses' has 12 labelled rows; at least 200 are needed.","details":null}]
            """));

        Assert.Equal(2, training.Count);
        Assert.Equal(("drift", 2, true), (training[0].Trigger, training[0].ResultVersion!.Value, training[0].Promoted!.Value));
        Assert.Equal(("failed", null, "Model 'houses' has 12 labelled rows; at least 200 are needed."), (training[1].Status, training[1].ResultVersion, training[1].Note));
    }

    [Fact]
    public void Alerts_list_critical_ones_first_with_their_model_and_summary()
    {
        var alerts = SnapshotParser.Alerts(Json("""
            [{"labels":{"alertname":"MlDataDrift","severity":"warning","model":"credit-risk"},"annotations":{"summary":"Drift on credit-risk"},"startsAt":"2026-11-23T03:00:00Z","status":{"state":"active"}},
             {"labels":{"alertname":"MlServiceDown","severity":"critical"},"annotations":{},"startsAt":"2026-11-23T03:05:00Z","status":{"state":"active"}}]
            """));

        Assert.Equal(["MlServiceDown", "MlDataDrift"], alerts.Select(a => a.Name));
        Assert.Equal(("credit-risk", "Drift on credit-risk"), (alerts[1].Model, alerts[1].Summary));
    }
}
