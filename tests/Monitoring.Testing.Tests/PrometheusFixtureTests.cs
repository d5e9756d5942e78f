using AppHost.Resources;

namespace Monitoring.Testing.Tests;

public sealed class PrometheusFixtureTests(PrometheusFixture prometheus) : IClassFixture<PrometheusFixture>
{
    [Fact]
    public async Task Instant_query_evaluates_an_expression()
    {
        var result = await prometheus.Server.QueryAsync("1+1", TestContext.Current.CancellationToken);

        Assert.Equal("scalar", result.ResultType);
        Assert.Equal(2, result.SingleValue);
    }

    [Fact]
    public async Task Scrapes_itself_as_an_up_target()
    {
        var ct = TestContext.Current.CancellationToken;

        var targets = await prometheus.Server.WaitForTargetsUpAsync(["prometheus"], TimeSpan.FromSeconds(20), ct);

        var self = Assert.Single(targets);
        Assert.True(self.IsUp, self.ToString());
        Assert.Equal(new Uri(prometheus.Server.BaseAddress, "metrics"), new Uri(self.ScrapeUrl));
        var up = await prometheus.Server.QueryAsync("up{job=\"prometheus\"}", ct);
        Assert.Equal("vector", up.ResultType);
        Assert.Equal(1, up.SingleValue);
        Assert.Equal("prometheus", up.Samples[0].Labels["job"]);
    }

    [Fact]
    public async Task Bad_promql_is_reported_with_Prometheus_error() =>
        await Assert.ThrowsAsync<PrometheusQueryException>(() => prometheus.Server.QueryAsync("sum(", TestContext.Current.CancellationToken));

    [Fact]
    public async Task Range_selector_comes_back_as_a_matrix_of_samples()
    {
        var ct = TestContext.Current.CancellationToken;
        await prometheus.Server.WaitForTargetsUpAsync(["prometheus"], TimeSpan.FromSeconds(20), ct);

        var result = await prometheus.Server.QueryAsync("up[1m]", ct);

        Assert.Equal("matrix", result.ResultType);
        Assert.NotEmpty(result.Samples);
        Assert.All(result.Samples, sample => Assert.Equal(1, sample.Value));
    }

    [Fact]
    public async Task Another_server_scrapes_the_given_targets()
    {
        var ct = TestContext.Current.CancellationToken;
        var target = prometheus.Server.BaseAddress.Authority;

        var other = await prometheus.StartServerAsync([new PrometheusScrapeJob("upstream", [target])], ct);

        var targets = await other.WaitForTargetsUpAsync(["upstream"], TimeSpan.FromSeconds(20), ct);
        Assert.Equal("upstream", Assert.Single(targets).Job);
    }
}
