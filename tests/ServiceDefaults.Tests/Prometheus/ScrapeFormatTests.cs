using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests.Prometheus;

public class ScrapeFormatTests
{
    // The Accept header Prometheus 2.42 sends on every scrape.
    private const string PrometheusScrapeAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public void Prometheus_scrapes_get_OpenMetrics_1_0()
    {
        var format = ScrapeFormat.Negotiate(PrometheusScrapeAccept);

        Assert.True(format.IsOpenMetrics);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", format.ContentType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*/*")]
    [InlineData("text/plain")]
    [InlineData("text/plain;version=0.0.4")]
    [InlineData("application/json")]
    [InlineData("not a media type at all ;;;")]
    [InlineData("application/openmetrics-text;version=9.9.9")]
    public void Anything_else_gets_the_text_format_0_0_4(string accept)
    {
        var format = ScrapeFormat.Negotiate(accept);

        Assert.False(format.IsOpenMetrics);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", format.ContentType);
    }

    [Fact]
    public void The_higher_quality_wins_over_the_order_of_listing()
    {
        var format = ScrapeFormat.Negotiate("application/openmetrics-text;q=0.2, text/plain;version=0.0.4;q=0.9");

        Assert.False(format.IsOpenMetrics);
    }

    [Fact]
    public void OpenMetrics_0_0_1_is_served_with_its_version()
    {
        var format = ScrapeFormat.Negotiate("application/openmetrics-text; version=0.0.1");

        Assert.Equal("application/openmetrics-text; version=0.0.1; charset=utf-8", format.ContentType);
    }
}
