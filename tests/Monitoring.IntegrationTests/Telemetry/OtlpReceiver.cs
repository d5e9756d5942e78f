using System.Collections.Concurrent;
using AppHost.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Monitoring.IntegrationTests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP endpoint: accepts protobuf posts to /v1/metrics, /v1/traces and /v1/logs and counts them.
/// Enough to prove what a service exports; decoding the payloads is the OTLP exporter's business.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _posts = new(StringComparer.Ordinal);

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public int PostsTo(string path) => _posts.GetValueOrDefault(path);

    public static async Task<OtlpReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder(["--urls", $"http://127.0.0.1:{port}"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            if (body.Length > 0 && request.ContentType == "application/x-protobuf")
            {
                receiver._posts.AddOrUpdate($"/v1/{signal}", 1, (_, count) => count + 1);
            }

            return Results.Ok();
        });
        await app.StartAsync(cancellationToken);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
