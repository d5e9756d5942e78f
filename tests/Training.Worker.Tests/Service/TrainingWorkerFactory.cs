extern alias training;

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Training.Worker.Tests.Service;

/// <summary>The real Training.Worker host on Kestrel (port 0) over a test database, stopped gracefully on dispose.</summary>
internal sealed class TrainingWorkerFactory : WebApplicationFactory<training::Program>
{
    public const string AdminKey = "training-admin-key";

    private readonly Dictionary<string, string?> _settings;
    private IHost? _host;

    public TrainingWorkerFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:modeldb"] = connectionString,
            ["Training:AdminApiKey"] = AdminKey,
            ["Training:PollInterval"] = "00:00:00.200",
            ["Training:LeaseDuration"] = "00:00:03",
            ["Training:RetryBackoff"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Starts the worker and returns a client that presents the admin key.</summary>
    public HttpClient StartClient()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    /// <summary>Stops the host as a crash would look to the queue: the job in hand keeps its lease until it expires.</summary>
    public async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        await base.DisposeAsync();
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _host = base.CreateHost(builder);
        return _host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
