using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests.Info;

public class SettingsRedactionTests
{
    [Fact]
    public void Secret_looking_settings_are_replaced_by_whether_they_are_set()
    {
        var settings = JsonNode.Parse("""
            {"adminApiKey":"s3cr3t","nested":{"password":"p","batchSize":5},"connectionString":"","token":null,"items":[{"clientSecret":"x"}]}
            """);

        var redacted = SettingsRedaction.Redact(settings)!.ToJsonString();

        Assert.DoesNotContain("s3cr3t", redacted);
        Assert.DoesNotContain("\"p\"", redacted);
        Assert.DoesNotContain("\"x\"", redacted);
        Assert.Equal(
            """{"adminApiKey":"(set, hidden)","nested":{"password":"(set, hidden)","batchSize":5},"connectionString":null,"token":null,"items":[{"clientSecret":"(set, hidden)"}]}""",
            redacted);
    }

    [Theory]
    [InlineData("http://user:pass@collector:4317/v1?token=abc", "http://collector:4317/v1")]
    [InlineData("http://collector:4318", "http://collector:4318/")]
    [InlineData("not a uri", "(invalid)")]
    [InlineData("", null)]
    public void Endpoints_lose_credentials_and_query(string endpoint, string? expected) =>
        Assert.Equal(expected, SettingsRedaction.EndpointWithoutCredentials(endpoint));
}
