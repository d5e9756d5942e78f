extern alias drift;

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Monitoring.Data;
using Monitoring.Testing;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace Drift.Service.Tests.Service;

/// <summary>The real Drift.Service host on Kestrel (port 0) over a migrated test database of its own.</summary>
internal sealed class DriftServiceFactory : WebApplicationFactory<drift::Program>
{
    public const string AdminKey = "drift-admin-key";

    private readonly Dictionary<string, string?> _settings;
    private IHost? _host;

    private DriftServiceFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings)
    {
        ConnectionString = connectionString;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:modeldb"] = connectionString,
            ["Drift:AdminApiKey"] = AdminKey,
            // Evaluations in these tests are asked for explicitly.
            ["Drift:EvaluationInterval"] = "1.00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public string ConnectionString { get; }

    public static async Task<DriftServiceFactory> CreateAsync(PostgresFixture postgres, string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 21, 40)], TestContext.Current.CancellationToken);
        await using var database = Open(connectionString);
        await database.Database.MigrateAsync(TestContext.Current.CancellationToken);
        return new DriftServiceFactory(connectionString, settings);
    }

    public static ModelDbContext Open(string connectionString) => new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options);

    public ModelDbContext OpenDatabase() => Open(ConnectionString);

    public HttpClient StartClient()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
        }

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
