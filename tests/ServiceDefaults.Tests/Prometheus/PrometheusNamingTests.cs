using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests.Prometheus;

public class PrometheusNamingTests
{
    [Theory]
    [InlineData("http.server.request.duration", "http_server_request_duration")]
    [InlineData("ml.prediction_log.rows", "ml_prediction_log_rows")]
    [InlineData("a..b--c", "a_b_c")]
    [InlineData("9lives", "_9lives")]
    [InlineData("ns:metric", "ns:metric")]
    [InlineData("température", "temp_rature")]
    public void Metric_names_keep_letters_digits_colons_and_collapse_everything_else(string instrument, string expected) =>
        Assert.Equal(expected, PrometheusNaming.SanitizeMetricName(instrument));

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("ns:key", "ns_key")]
    [InlineData("1st", "_1st")]
    [InlineData("", "_")]
    [InlineData("a/b c", "a_b_c")]
    public void Label_names_keep_letters_digits_and_underscores(string key, string expected) =>
        Assert.Equal(expected, PrometheusNaming.SanitizeLabelName(key));

    [Theory]
    [InlineData("s", "seconds")]
    [InlineData("ms", "milliseconds")]
    [InlineData("By", "bytes")]
    [InlineData("KiBy", "kibibytes")]
    [InlineData("By/s", "bytes_per_second")]
    [InlineData("m/s", "meters_per_second")]
    [InlineData("{request}/s", "per_second")]
    [InlineData("1/h", "per_hour")]
    [InlineData("{request}", "")]
    [InlineData("1", "")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("%", "percent")]
    [InlineData("Cel", "celsius")]
    [InlineData("widgets", "widgets")]
    public void Units_become_suffix_words(string? unit, string expected) =>
        Assert.Equal(expected, PrometheusNaming.UnitSuffix(unit));

    [Fact]
    public void Counters_end_in_total_and_the_unit_precedes_it()
    {
        var names = PrometheusNaming.ForInstrument("ml.training.time", "s", isCounter: true);

        Assert.Equal("ml_training_time_seconds_total", names.SampleName);
        Assert.Equal("ml_training_time_seconds", names.FamilyName);
        Assert.Equal("seconds", names.Unit);
    }

    [Fact]
    public void A_counter_already_named_total_is_not_suffixed_twice()
    {
        var names = PrometheusNaming.ForInstrument("requests_total", null, isCounter: true);

        Assert.Equal("requests_total", names.SampleName);
        Assert.Equal("requests", names.FamilyName);
    }

    [Fact]
    public void A_name_that_already_ends_with_its_unit_does_not_repeat_it()
    {
        var names = PrometheusNaming.ForInstrument("ml.model.size_bytes", "By", isCounter: false);

        Assert.Equal("ml_model_size_bytes", names.SampleName);
    }

    [Fact]
    public void Dimensionless_gauges_get_no_suffix()
    {
        var names = PrometheusNaming.ForInstrument("ml.drift.share", "1", isCounter: false);

        Assert.Equal("ml_drift_share", names.SampleName);
        Assert.Equal(string.Empty, names.Unit);
    }
}
