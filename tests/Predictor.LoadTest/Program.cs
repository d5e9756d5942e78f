// Load benchmark of POST /predict with wrk: a 20-feature logistic model served by the real Predictor.Api (Release
// build) on a throw-away PostgreSQL, once with monitoring on (OpenTelemetry metrics and prediction logging) and once
// with it off, alternating over several rounds because run-to-run noise on a small machine is larger than the effect.
// Usage: dotnet run -c Release --project tests/Predictor.LoadTest [-- <seconds> <connections> <rounds> [split] [pinned] [baseline=<dll>]]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using AppHost;
using AppHost.Resources;
using Onnx.Export;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var wrk = Executables.FindOnPath("wrk") ?? throw new InvalidOperationException("wrk was not found: apt-get install -y wrk");
var root = RepositoryLayout.FindRoot();
var assembly = RepositoryLayout.ProjectAssemblyPath(root, "Predictor.Api", "Release");
if (!File.Exists(assembly))
{
    throw new FileNotFoundException($"Build the predictor first: dotnet build Predictor.Api -c Release ({assembly} is missing).");
}

await using var postgres = new PostgresServer();
await postgres.StartAsync();
const string adminKey = "load-test";
var weights = Enumerable.Range(0, 20).Select(i => (i % 5 - 2) * 0.1f).ToArray();
var model = ModelExporter.LogisticRegression(weights, 0.1f, ClassLabels.Of(0, 1)).ToByteArray();

var results = new List<(string Scenario, string Summary, double RequestsPerSecond, double PredictorMicrosecondsPerRequest)>();
// "split": also run telemetry only and logging only, to see which part costs what.
var split = args.Skip(3).Contains("split");
// "pinned": the predictor gets the last core to itself; wrk and PostgreSQL share the others, as when the database and
// the load generator are other machines. The predictor's throughput then measures its own CPU per request only.
var pinned = args.Skip(3).Contains("pinned");
// "baseline=<path of another build's Predictor.Api.dll>": every round also runs that build, on and off, so a change is
// compared with the code before it under the same conditions (the machine's speed drifts between runs minutes apart).
var baseline = args.Skip(3).FirstOrDefault(a => a.StartsWith("baseline=", StringComparison.Ordinal))?["baseline=".Length..];
if (baseline is not null && !File.Exists(baseline))
{
    throw new FileNotFoundException($"The baseline build {baseline} is missing.");
}

// The CPU lists taskset is given, or null when nothing is pinned.
string? predictorCpus = null, otherCpus = null;
if (pinned)
{
    if (Environment.ProcessorCount < 2)
    {
        throw new InvalidOperationException("'pinned' needs at least 2 cores.");
    }

    var last = Environment.ProcessorCount - 1;
    predictorCpus = $"{last}";
    otherCpus = last == 1 ? "0" : $"0-{last - 1}";
    foreach (var pid in PostgresProcessIds())
    {
        // Backends fork from the postmaster and inherit its affinity.
        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-cp", otherCpus, $"{pid}"]) { RedirectStandardOutput = true })!;
        await taskset.WaitForExitAsync();
    }
}

(string Name, bool Telemetry, bool Logging, string Assembly)[] modes = split
    ? [("monitoring on", true, true, assembly), ("monitoring off", false, false, assembly), ("telemetry only", true, false, assembly), ("logging only", false, true, assembly)]
    : [("monitoring on", true, true, assembly), ("monitoring off", false, false, assembly)];
(string Name, bool Telemetry, bool Logging, string Assembly)[] baselineModes = baseline is null
    ? []
    : [("baseline on", true, true, baseline), ("baseline off", false, false, baseline)];
// Which build goes first alternates between rounds, so neither gains from its place (a warmer database, say).
var scenarios = Enumerable.Range(0, rounds).SelectMany(round => round % 2 == 0 ? modes.Concat(baselineModes) : baselineModes.Concat(modes));
foreach (var (scenario, telemetry, logging, predictorAssembly) in scenarios)
{
    var port = FreePort.Next();
    var environment = new Dictionary<string, string?>
    {
        ["ConnectionStrings__modeldb"] = postgres.ConnectionString,
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["Predictor__AdminApiKey"] = adminKey,
        ["Logging__LogLevel__Default"] = "Warning",
        ["OTEL_SDK_DISABLED"] = telemetry ? null : "true",
        ["PredictionLogging__Enabled"] = logging ? "true" : "false",
    };
    // The predictor inherits the load test's environment, these settings aside: runtime knobs (DOTNET_gcServer,
    // DOTNET_PerfMapEnabled=1 with DOTNET_EnableWriteXorExecute=0 for perf, …), PredictionLogging__BatchSize and the
    // like, and OTEL_TRACES_SAMPLER reach it as given.
    var (predictorFile, predictorArguments) = OnCpus(predictorCpus, "dotnet", [predictorAssembly]);
    await using var predictor = ManagedProcess.Start(new ManagedProcessOptions
    {
        Name = "predictor",
        FileName = predictorFile,
        Arguments = predictorArguments,
        WorkingDirectory = Path.GetDirectoryName(predictorAssembly),
        Environment = environment,
    });
    using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    await WaitAsync(async () => (await client.GetAsync("/alive")).IsSuccessStatusCode);
    await WaitAsync(async () => !(await client.GetStringAsync("/health")).Contains("Loading the champions", StringComparison.Ordinal));
    if (!(await client.GetStringAsync("/models")).Contains("\"load\"", StringComparison.Ordinal))
    {
        using var upload = new MultipartFormDataContent { { new ByteArrayContent(model), "model", "load.onnx" } };
        (await client.PostAsync("/models/load/versions", upload)).EnsureSuccessStatusCode();
        (await client.PostAsync("/models/load/versions/1/promote", null)).EnsureSuccessStatusCode();
    }

    await WaitAsync(async () => (await client.GetAsync("/v2/models/load/ready")).IsSuccessStatusCode);
    var script = Path.Combine(AppContext.BaseDirectory, "predict.lua");
    var url = $"http://127.0.0.1:{port}/predict";
    await RunWrkAsync(["-t2", $"-c{connections}", "-d5s", "-s", script, url]);
    var predictorCpu = CpuSeconds(predictor.Id);
    var postgresCpu = PostgresCpuSeconds();
    // With telemetry on, the runtime's own counters say what each request allocates and how often gen0 is collected.
    var gcBefore = telemetry ? GcCounters(await client.GetStringAsync("/metrics")) : default;
    var output = await RunWrkAsync(["-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", script, url]);
    if (predictor.HasExited)
    {
        // A run whose server died is not a slow run: stop and show why.
        throw new InvalidOperationException($"The predictor exited (code {predictor.ExitCode}) during the '{scenario}' run:\n{string.Join('\n', predictor.RecentOutput)}\n{output}");
    }

    predictorCpu = CpuSeconds(predictor.Id) - predictorCpu;
    postgresCpu = PostgresCpuSeconds() - postgresCpu;
    var requests = long.Parse(Regex.Match(output, @"(\d+) requests in").Groups[1].Value, CultureInfo.InvariantCulture);
    // CPU per request splits the cost: the predictor's own work and PostgreSQL's ingest of the logged rows.
    var cpu = $"predictor {predictorCpu * 1e6 / requests:0.0} µs CPU/request, postgres {postgresCpu * 1e6 / requests:0.0} µs CPU/request";
    if (telemetry)
    {
        var gcAfter = GcCounters(await client.GetStringAsync("/metrics"));
        cpu += $", {(gcAfter.AllocatedBytes - gcBefore.AllocatedBytes) / requests:0} B allocated/request, GCs gen0 {gcAfter.Gen0 - gcBefore.Gen0:0} gen1 {gcAfter.Gen1 - gcBefore.Gen1:0} gen2 {gcAfter.Gen2 - gcBefore.Gen2:0}, paused {(gcAfter.PauseSeconds - gcBefore.PauseSeconds) * 1e6 / requests:0.00} µs/request";
    }

    if (logging && telemetry)
    {
        // A run whose queue overflowed wrote rows to the spill on the request path: a different cost, so say so.
        cpu += ", log rows " + string.Join(' ', Regex.Matches(await client.GetStringAsync("/metrics"), @"^ml_prediction_log_rows_total\{[^}]*outcome=""(\w+)""[^}]*\} (\d+)", RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}"));
    }

    results.Add((scenario, Summarize(output) + ", " + cpu, double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture), predictorCpu * 1e6 / requests));
    Console.WriteLine($"--- {scenario}\n{output}");
    await predictor.StopAsync(TimeSpan.FromSeconds(10));
}

Console.WriteLine(pinned
    ? $"\n{seconds} s per run, {connections} connections, the predictor alone on core {predictorCpus}, wrk and PostgreSQL on {otherCpus}:"
    : $"\n{seconds} s per run, {connections} connections, wrk, PostgreSQL and the predictor on this machine's {Environment.ProcessorCount} cores:");
foreach (var (scenario, summary, _, _) in results)
{
    Console.WriteLine($"  {scenario,-16} {summary}");
}

Compare("monitoring on", "monitoring off", "this build");
if (baseline is not null)
{
    Compare("baseline on", "baseline off", "baseline");
    // The two builds ran back to back in every round too: the change of each build's own cost, round by round.
    var ours = RoundCosts("monitoring on", "monitoring off");
    var theirs = RoundCosts("baseline on", "baseline off");
    var differences = ours.Zip(theirs, (a, b) => a - b).ToList();
    Console.WriteLine($"  this build's cost minus the baseline's, per round: {string.Join(", ", differences.Select(d => $"{d:+0.0;-0.0}"))} points; median {MedianOf(differences):+0.0;-0.0}, mean {differences.Average():+0.0;-0.0}");
}

void Compare(string on, string off, string build)
{
    var onRate = MedianOf(RunsOf(on, r => r.RequestsPerSecond));
    var offRate = MedianOf(RunsOf(off, r => r.RequestsPerSecond));
    Console.WriteLine($"  {build}, median: on {onRate:0} req/s, off {offRate:0} req/s; monitoring costs {(1 - (onRate / offRate)) * 100:0.0}% of throughput");
    // Each round's on and off ran back to back, so their ratio cancels slow drift of the machine's speed between rounds.
    var roundCosts = RoundCosts(on, off);
    Console.WriteLine($"  {build}, per round: {string.Join(", ", roundCosts.Select(c => $"{c:0.0}%"))}; median {MedianOf(roundCosts):0.0}%, mean {roundCosts.Average():0.0}%");
    // The predictor's CPU per request is the same cost seen from the server alone: it does not move when the load
    // generator or the database, sharing a core, leaves the predictor waiting for work.
    var onCpu = RunsOf(on, r => r.PredictorMicrosecondsPerRequest);
    var offCpu = RunsOf(off, r => r.PredictorMicrosecondsPerRequest);
    var cpuCosts = onCpu.Zip(offCpu, (a, b) => (1 - (b / a)) * 100).ToList();
    Console.WriteLine($"  {build}, predictor CPU per request: on {MedianOf(onCpu):0.0} µs, off {MedianOf(offCpu):0.0} µs; per round {string.Join(", ", cpuCosts.Select(c => $"{c:0.0}%"))}; median {MedianOf(cpuCosts):0.0}% of throughput at full CPU");
}

List<double> RoundCosts(string on, string off) =>
    RunsOf(on, r => r.RequestsPerSecond).Zip(RunsOf(off, r => r.RequestsPerSecond), (a, b) => (1 - (a / b)) * 100).ToList();

// One figure of every run of a scenario, in run order (rounds line up across scenarios).
List<double> RunsOf(string scenario, Func<(string Scenario, string Summary, double RequestsPerSecond, double PredictorMicrosecondsPerRequest), double> figure) =>
    results.Where(r => r.Scenario == scenario).Select(figure).ToList();

static double MedianOf(IReadOnlyCollection<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

return 0;

async Task<string> RunWrkAsync(string[] arguments)
{
    var (file, onCpus) = OnCpus(otherCpus, wrk, arguments);
    using var process = Process.Start(new ProcessStartInfo(file, onCpus) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return output + await process.StandardError.ReadToEndAsync();
}

// A command line, run through taskset on the given CPUs when there are any.
static (string File, string[] Arguments) OnCpus(string? cpus, string file, string[] arguments) =>
    cpus is null ? (file, arguments) : ("taskset", ["-c", cpus, file, .. arguments]);

static string Summarize(string wrkOutput)
{
    string Find(string pattern) => Regex.Match(wrkOutput, pattern, RegexOptions.Multiline) is { Success: true } match ? match.Groups[1].Value : "?";
    return $"{Find(@"^Requests/sec:\s+([\d.]+)")} req/s, p50 {Find(@"^\s+50%\s+(\S+)")}, p99 {Find(@"^\s+99%\s+(\S+)")}, {Find(@"non-200 responses: (\d+)")} non-200";
}

// The runtime's GC counters in a Prometheus exposition: bytes allocated, collections by generation, time paused.
static (double AllocatedBytes, double Gen0, double Gen1, double Gen2, double PauseSeconds) GcCounters(string exposition)
{
    double Find(string pattern) => Regex.Match(exposition, pattern, RegexOptions.Multiline) is { Success: true } match
        ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
        : 0;
    double Collections(string generation) => Find($@"^dotnet_gc_collections_total\{{[^}}]*gc_heap_generation=""{generation}""[^}}]*\}} (\S+)");
    return (Find(@"^dotnet_gc_heap_total_allocated_bytes_total(?:\{[^}]*\})? (\S+)"), Collections("gen0"), Collections("gen1"), Collections("gen2"), Find(@"^dotnet_gc_pause_time_seconds_total(?:\{[^}]*\})? (\S+)"));
}

// utime + stime of a process, from /proc (Linux), in seconds.
static double CpuSeconds(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
    catch (IOException)
    {
        return 0;
    }
}

// CPU seconds of every postgres process (server and backends) on the machine.
static double PostgresCpuSeconds() => PostgresProcessIds().Sum(CpuSeconds);

static IEnumerable<int> PostgresProcessIds() => Directory.EnumerateDirectories("/proc")
    .Select(Path.GetFileName)
    .Where(name => int.TryParse(name, out _))
    .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
    .Where(pid => File.Exists($"/proc/{pid}/comm") && SafeRead($"/proc/{pid}/comm").StartsWith("postgres", StringComparison.Ordinal));

static string SafeRead(string path)
{
    try
    {
        return File.ReadAllText(path);
    }
    catch (IOException)
    {
        return string.Empty;
    }
}

static async Task WaitAsync(Func<Task<bool>> condition)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        try
        {
            if (await condition())
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(200);
    }

    throw new TimeoutException("The predictor did not get ready within 60 s.");
}
