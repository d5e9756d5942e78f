// `monitor snapshot` prints the system's state once; `monitor live` redraws it every few seconds until Ctrl+C.
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MonitorCli;
using MonitorCli.Rendering;
using MonitorCli.Snapshot;

// Ctrl+C and SIGTERM are ours from the first line: System.CommandLine registers its handler only once the command's
// action has started, and a signal before that ended the process at once, with 130 but without a word. A second
// signal is left to the runtime, which ends the process.
using var interrupted = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

var predictor = EndpointOption("--predictor", "predictor", MonitorEndpoints.DefaultPredictor, "Predictor.Api");
var drift = EndpointOption("--drift", "drift", MonitorEndpoints.DefaultDrift, "Drift.Service");
var training = EndpointOption("--training", "training", MonitorEndpoints.DefaultTraining, "Training.Worker");
var prometheus = EndpointOption("--prometheus", "prometheus", MonitorEndpoints.DefaultPrometheus, "Prometheus");
var alertmanager = EndpointOption("--alertmanager", "alertmanager", MonitorEndpoints.DefaultAlertmanager, "Alertmanager");
Option<string>[] endpointOptions = [predictor, drift, training, prometheus, alertmanager];
var timeout = SecondsOption("--timeout", "Seconds each source may take to answer.", 5, 0.1, MonitorSettings.MaxTimeoutSeconds);
timeout.Recursive = true;
var json = new Option<bool>("--json") { Description = "Print the snapshot as JSON (snake_case, with exit_code and problems) for scripts." };
var interval = SecondsOption("--interval", "Seconds between redraws.", 5, 1, MonitorSettings.MaxIntervalSeconds);

var root = new RootCommand(
    "The ML monitoring suite's state in the terminal: services' health, models and the versions served, the last hour's\n" +
    "predictions, class distribution and mean confidence, drift, the last training job, active alerts.\n\n" +
    ExitCodes.Help);
foreach (var option in endpointOptions)
{
    root.Options.Add(option);
}

root.Options.Add(timeout);

var snapshot = new Command("snapshot", "Print the state once and exit with its code (0 healthy, 1 not, 2 usage).") { json };
snapshot.SetAction(async (result, cancellationToken) =>
{
    var settings = Settings(result);
    using var http = Http(settings.Timeout);
    SystemSnapshot state;
    try
    {
        state = await new SnapshotReader(http, settings.Endpoints, TimeProvider.System).ReadAsync(cancellationToken);
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
        // Ctrl+C before every source answered: nothing was judged, so neither 0 nor 1.
        await Console.Error.WriteLineAsync("monitor: interrupted before the snapshot was complete.");
        return ExitCodes.Interrupted;
    }

    if (result.GetValue(json))
    {
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(state, MonitorJson.Options).AsMemory(), cancellationToken);
    }
    else
    {
        Terminal.Create(Console.Out, Terminal.IsPlain).Write(SnapshotView.Build(state, Terminal.IsPlain));
    }

    return state.ExitCode;
});

var live = new Command("live", "Redraw the state every --interval seconds until Ctrl+C (then exit 0).") { interval };
live.SetAction(async (result, cancellationToken) =>
{
    var settings = Settings(result);
    using var http = Http(settings.Timeout);
    var reader = new SnapshotReader(http, settings.Endpoints, TimeProvider.System);
    await LiveView.RunAsync(reader, TimeSpan.FromSeconds(result.GetValue(interval)), Terminal.Create(Console.Out, Terminal.IsPlain), Terminal.IsPlain, cancellationToken);
    return ExitCodes.Healthy;
});

root.Subcommands.Add(snapshot);
root.Subcommands.Add(live);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync(error.Message);
    }

    await Console.Error.WriteLineAsync("See: monitor --help");
    return ExitCodes.Usage;
}

return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupted.Token);

void Interrupt(PosixSignalContext signal)
{
    if (!interrupted.IsCancellationRequested)
    {
        signal.Cancel = true;
        interrupted.Cancel();
    }
}

static Option<string> EndpointOption(string name, string service, Uri fallback, string what)
{
    var option = new Option<string>(name)
    {
        Description = $"Base URL of {what} (else {MonitorEndpoints.EnvironmentVariable(service)} from the environment, else {fallback.ToString().TrimEnd('/')}).",
        DefaultValueFactory = _ => MonitorEndpoints.FromEnvironment(service, fallback),
        HelpName = "url",
        Recursive = true,
    };
    option.Validators.Add(result =>
    {
        var source = result.Implicit ? $"{name} (from {MonitorEndpoints.EnvironmentVariable(service)})" : name;
        if (MonitorSettings.CheckUrl(source, result.GetValueOrDefault<string>()) is { } error)
        {
            result.AddError(error);
        }
    });
    return option;
}

static Option<double> SecondsOption(string name, string description, double fallback, double min, double max) => new(name)
{
    Description = description,
    DefaultValueFactory = _ => fallback,
    HelpName = "seconds",
    // Parsed here rather than checked in a validator: a validator cannot read a value that failed to convert.
    CustomParser = result =>
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            result.AddError($"{name} is a number of seconds from {min} to {max} (was '{text}').");
            return fallback;
        }

        if (MonitorSettings.CheckSeconds(name, seconds, min, max) is { } error)
        {
            result.AddError(error);
        }

        return seconds;
    },
};

// Only called after parsing succeeded, so every value has passed its validator.
MonitorSettings Settings(ParseResult result) => new(
    new MonitorEndpoints(
        new Uri(result.GetValue(predictor)!),
        new Uri(result.GetValue(drift)!),
        new Uri(result.GetValue(training)!),
        new Uri(result.GetValue(prometheus)!),
        new Uri(result.GetValue(alertmanager)!)),
    TimeSpan.FromSeconds(result.GetValue(timeout)));

static HttpClient Http(TimeSpan timeout) => new() { Timeout = timeout };
