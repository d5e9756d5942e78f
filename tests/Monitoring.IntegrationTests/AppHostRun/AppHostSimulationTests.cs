using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using AppHost.Resources;
using Monitoring.IntegrationTests.Infrastructure;

namespace Monitoring.IntegrationTests.AppHostRun;

/// <summary>
/// The README's main command as a user runs it: the AppHost with <c>--simulate</c> (timings shortened), every
/// resource healthy, every Prometheus target up, the whole drift story (drift reported, a retraining job, a
/// promotion, the new version answering), and after Ctrl+C no process it started left behind.
/// </summary>
public sealed class AppHostSimulationTests
{
    private const string Model = "credit-risk";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Simulate_runs_the_drift_story_to_a_promotion_and_a_stop_leaves_no_process_behind()
    {
        var root = RepositoryLayout.FindRoot();
        var appHost = RepositoryLayout.ProjectAssemblyPath(root, "AppHost", RepositoryLayout.BuildConfiguration);
        Assert.True(File.Exists(appHost), $"{appHost} is missing: build the solution first.");
        // Not CreateTempSubdirectory: its mode 700 would keep the postgres user out of the cluster folder below it.
        var state = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"apphost-simulate-{Guid.NewGuid():N}")).FullName;
        var ports = new { Predictor = FreePort.Next(), Drift = FreePort.Next(), Training = FreePort.Next(), Prometheus = FreePort.Next(), Alertmanager = FreePort.Next() };
        string[] arguments =
        [
            appHost, "--simulate",
            "--StateDirectory", state,
            "--Predictor:Port", Text(ports.Predictor), "--Drift:Port", Text(ports.Drift), "--Training:Port", Text(ports.Training),
            "--Prometheus:Port", Text(ports.Prometheus), "--Prometheus:ScrapeInterval", "00:00:02",
            "--Alertmanager:Port", Text(ports.Alertmanager),
            "--Grafana:Enabled", "false",
            "--Simulate:RequestsPerSecond", "25",
            "--Simulate:DriftAfter", "00:00:20",
            "--Simulate:FeedbackDelay", "00:00:01",
            "--Simulate:EvaluationInterval", "00:00:05",
            "--Simulate:Cooldown", "00:00:30",
            "--Simulate:ReportInterval", "00:00:05",
        ];

        var appHostProcess = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = "apphost",
            FileName = "dotnet",
            Arguments = arguments,
            WorkingDirectory = root,
            RecentLineCount = 400,
            // Not a session of its own: like a terminal's Ctrl+C, only the AppHost gets the signal; it stops the rest.
        });
        var descendants = new HashSet<(int Pid, string StartTime)>();
        int? exitCode;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Uri Url(int port, string path) => new($"http://127.0.0.1:{port}{path}");
            async Task<JsonElement?> GetJsonAsync(Uri url)
            {
                using var reply = await http.GetAsync(url, Cancellation);
                return reply.IsSuccessStatusCode ? await reply.Content.ReadFromJsonAsync<JsonElement>(Cancellation) : null;
            }

            string Diagnostics() => string.Join('\n', appHostProcess.RecentOutput.TakeLast(120));
            async Task<T> WaitFor<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
                where T : class
            {
                var deadline = DateTime.UtcNow + timeout;
                Exception? last = null;
                while (DateTime.UtcNow < deadline)
                {
                    if (appHostProcess.HasExited)
                    {
                        throw new Xunit.Sdk.XunitException($"The AppHost exited with {appHostProcess.ExitCode} while waiting for {what}.\nAppHost output:\n{Diagnostics()}");
                    }

                    try
                    {
                        if (await probe() is { } value)
                        {
                            return value;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                        || (ex is TaskCanceledException && !Cancellation.IsCancellationRequested))
                    {
                        last = ex;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);
                }

                throw new Xunit.Sdk.XunitException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}{(last is null ? "" : $" (last: {last.Message})")}.\nAppHost output:\n{Diagnostics()}");
            }

            // Every resource healthy: the three services' readiness, Prometheus and Alertmanager ready.
            foreach (var port in new[] { ports.Predictor, ports.Drift, ports.Training })
            {
                await WaitFor(async () => (await http.GetAsync(Url(port, "/health"), Cancellation)).IsSuccessStatusCode ? "healthy" : null, TimeSpan.FromMinutes(3), $"/health on {port}");
            }

            await WaitFor(async () => (await http.GetAsync(Url(ports.Prometheus, "/-/ready"), Cancellation)).IsSuccessStatusCode ? "ready" : null, TimeSpan.FromSeconds(30), "Prometheus ready");
            await WaitFor(async () => (await http.GetAsync(Url(ports.Alertmanager, "/-/ready"), Cancellation)).IsSuccessStatusCode ? "ready" : null, TimeSpan.FromSeconds(30), "Alertmanager ready");

            // Every target Prometheus scrapes is up: the three services, itself and Alertmanager.
            var targets = await WaitFor(
                async () => await GetJsonAsync(Url(ports.Prometheus, "/api/v1/targets?state=active")) is { } t
                    && t.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToArray() is { Length: >= 5 } active
                    && active.All(target => target.GetProperty("health").GetString() == "up")
                        ? active.Select(target => target.GetProperty("labels").GetProperty("job").GetString()!).Order().ToArray()
                        : null,
                TimeSpan.FromSeconds(60),
                "every Prometheus target up");
            Assert.Equal(["alertmanager", "drift", "predictor", "prometheus", "training"], targets);

            descendants.UnionWith(ProcessTree.Descendants(appHostProcess.Id));

            // The story: drift reported, a drift-triggered job that promoted, the new version answering.
            var driftReport = await WaitFor(
                async () => await GetJsonAsync(Url(ports.Drift, $"/drift/reports?model={Model}&limit=50")) is { } reports
                    ? reports.EnumerateArray().Where(r => r.GetProperty("dataset_drift").GetBoolean()).Select(r => (JsonElement?)r).FirstOrDefault() is { } drifted ? new Box<JsonElement>(drifted) : null
                    : null,
                TimeSpan.FromMinutes(3),
                "a drift report with dataset drift");
            Assert.True(driftReport.Value.GetProperty("drift_share").GetDouble() >= 0.5);

            var promotedJob = await WaitFor(
                async () => await GetJsonAsync(Url(ports.Training, $"/training/jobs?model={Model}&limit=50")) is { } jobs
                    ? jobs.EnumerateArray().FirstOrDefault(j => j.GetProperty("trigger").GetString() == "drift" && j.GetProperty("status").GetString() == "succeeded"
                        && j.GetProperty("details").GetProperty("decision").GetProperty("promote").GetBoolean()) is { ValueKind: JsonValueKind.Object } job ? new Box<JsonElement>(job) : null
                    : null,
                TimeSpan.FromMinutes(4),
                "a drift-triggered training job that promoted its candidate");
            var newVersion = promotedJob.Value.GetProperty("result_version").GetInt32();
            Assert.True(newVersion >= 2);

            var answeredBy = await WaitFor(
                async () =>
                {
                    using var reply = await http.PostAsJsonAsync(Url(ports.Predictor, "/predict"), new { model = Model, features = DemoRow() }, Cancellation);
                    var answer = await reply.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
                    return reply.IsSuccessStatusCode && answer.GetProperty("model_version").GetInt32() >= newVersion ? new Box<int>(answer.GetProperty("model_version").GetInt32()) : null;
                },
                TimeSpan.FromSeconds(30),
                $"predictions answered by version {newVersion}");
            Assert.True(answeredBy.Value >= newVersion);
            Assert.Contains(appHostProcess.RecentOutput, line => line.StartsWith("simulator", StringComparison.Ordinal) && line.Contains("promoted", StringComparison.Ordinal));
            // The demo rows have missing numbers and categories (null); every one of them was answered.
            Assert.DoesNotContain(appHostProcess.RecentOutput, line => line.StartsWith("simulator", StringComparison.Ordinal) && line.Contains("failed", StringComparison.Ordinal));

            descendants.UnionWith(ProcessTree.Descendants(appHostProcess.Id));

            // The terminal monitor against the running system: the state and exit 0, then 1 naming the stopped predictor.
            string[] monitorArguments =
            [
                "snapshot",
                "--predictor", $"http://127.0.0.1:{ports.Predictor}", "--drift", $"http://127.0.0.1:{ports.Drift}", "--training", $"http://127.0.0.1:{ports.Training}",
                "--prometheus", $"http://127.0.0.1:{ports.Prometheus}", "--alertmanager", $"http://127.0.0.1:{ports.Alertmanager}",
            ];
            var healthy = await RunMonitorAsync(root, monitorArguments);
            Assert.True(healthy.ExitCode == 0, healthy.Output);
            Assert.Contains("all healthy", healthy.Output, StringComparison.Ordinal);
            Assert.Contains(Model, healthy.Output, StringComparison.Ordinal);
            Assert.Contains("promoted", healthy.Output, StringComparison.Ordinal);

            var predictorPid = descendants.Single(p => ProcessTree.CommandLine(p.Pid).Contains("Predictor.Api.dll", StringComparison.Ordinal)).Pid;
            System.Diagnostics.Process.GetProcessById(predictorPid).Kill();
            var unhealthy = await WaitFor(async () => await RunMonitorAsync(root, monitorArguments) is { ExitCode: 1 } stopped ? stopped : null, TimeSpan.FromSeconds(30), "monitor snapshot to exit 1");
            Assert.Contains("predictor unreachable", unhealthy.Output, StringComparison.Ordinal);
        }
        finally
        {
            // Ctrl+C's signal, to the AppHost alone.
            await appHostProcess.StopAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            exitCode = appHostProcess.ExitCode;
            await appHostProcess.DisposeAsync();
        }

        Assert.Equal(0, exitCode);
        Assert.NotEmpty(descendants);
        var survivors = descendants.Where(p => ProcessTree.IsAlive(p.Pid, p.StartTime)).ToArray();
        Assert.True(survivors.Length == 0, $"Left running after the AppHost stopped: {string.Join(", ", survivors.Select(p => ProcessTree.CommandLine(p.Pid)))}");
        Directory.Delete(state, recursive: true);
    }

    /// <summary>Runs the built <c>monitor</c> as a user's script would and returns its exit code and output.</summary>
    private static async Task<MonitorRun> RunMonitorAsync(string root, IReadOnlyList<string> arguments)
    {
        var monitor = Path.Combine(root, "artifacts", "bin", "Monitor.Cli", RepositoryLayout.BuildConfiguration.ToLowerInvariant(), "monitor.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(monitor);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Cancellation);
        var error = process.StandardError.ReadToEndAsync(Cancellation);
        await process.WaitForExitAsync(Cancellation);
        return new MonitorRun(process.ExitCode, await output + await error);
    }

    private sealed record MonitorRun(int ExitCode, string Output);

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, object?> DemoRow() => Monitoring.DemoData.DemoDatasets.Stream(Monitoring.DemoData.SyntheticDataset.CreditRisk, seed: 99)
        .First(row => row.Features.All(value => value is not null)).ToDictionary();

    private sealed record Box<T>(T Value);
}
