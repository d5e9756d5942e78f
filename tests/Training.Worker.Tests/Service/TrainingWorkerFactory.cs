extern alias training;

using Monitoring.Testing;

namespace Training.Worker.Tests.Service;

/// <summary>The real Training.Worker host on Kestrel (port 0) over a test database, stopped gracefully on dispose.</summary>
internal sealed class TrainingWorkerFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    : KestrelServiceFactory<training::Program>(
        new Dictionary<string, string?>
        {
            ["ConnectionStrings:modeldb"] = connectionString,
            ["Training:AdminApiKey"] = AdminKey,
            ["Training:PollInterval"] = "00:00:00.200",
            ["Training:LeaseDuration"] = "00:00:03",
            ["Training:RetryBackoff"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        },
        settings)
{
    public const string AdminKey = "training-admin-key";

    /// <summary>Starts the worker and returns a client that presents the admin key.</summary>
    public HttpClient StartClient() => StartClient(AdminKey);

    /// <summary>Stops the host as a crash would look to the queue: the job in hand keeps its lease until it expires.</summary>
    public Task StopAsync() => StopHostAsync();
}
