using System.Collections.Concurrent;
using System.Text.Json;
using Drift.Service.Detectors;
using Drift.Service.Telemetry;
using Monitoring.Data;
using Monitoring.Data.Drift;

namespace Drift.Service.Feedback;

/// <summary>
/// The online detectors of every model, fed by matched feedback and <c>POST /drift/update</c>. A change of state to
/// warning or drift is stored as a <c>drift_events</c> row and counted; the current state is a gauge.
/// </summary>
public sealed class DetectorRegistry(IServiceScopeFactory scopes, DriftMetrics metrics, TimeProvider time)
{
    /// <summary>The model <c>POST /drift/update</c> feeds when none is named.</summary>
    public const string DefaultModel = "default";

    private readonly ConcurrentDictionary<string, ModelDetectors> _models = new(StringComparer.Ordinal);

    /// <summary>
    /// Feeds one value to the model's detectors: a 0/1 error when <paramref name="errorRate"/> (the model's set then
    /// has all six detectors), else a real value such as an absolute error (ADWIN, Page–Hinkley, KSWIN). The set is
    /// chosen by the first value a model gets, and chosen again when a new version's feedback arrives (a new
    /// champion starts from a clean slate; <paramref name="version"/> 0 means "whichever version is being watched").
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DriftState>> UpdateAsync(string model, int version, double value, bool errorRate, CancellationToken cancellationToken)
    {
        var set = _models.AddOrUpdate(
            model,
            _ => new ModelDetectors(DriftDetectorFactory.CreateDefaultSet(errorRate), version),
            (_, existing) => version != 0 && existing.Version != 0 && version > existing.Version
                ? new ModelDetectors(DriftDetectorFactory.CreateDefaultSet(errorRate), version)
                : existing);
        List<(IDriftDetector Detector, DriftState State)> changes = [];
        Dictionary<string, DriftState> states;
        lock (set)
        {
            states = new Dictionary<string, DriftState>(StringComparer.Ordinal);
            foreach (var detector in set.Detectors)
            {
                if (!detector.AcceptsRealValues && value is not (0 or 1))
                {
                    continue;
                }

                var previous = detector.State;
                var state = detector.Update(value);
                states[detector.Name] = state;
                metrics.DetectorState(model, detector.Name, (int)state);
                if (state != DriftState.Stable && state != previous)
                {
                    if (state == DriftState.Drift && PolicyDetectors.Contains(detector.Name))
                    {
                        set.DriftSignal ??= detector.Name;
                    }

                    changes.Add((detector, state));
                }
            }
        }

        if (changes.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ModelDbContext>();
            foreach (var (detector, state) in changes)
            {
                var severity = state == DriftState.Drift ? DriftSeverity.Drift : DriftSeverity.Warning;
                metrics.DriftEvent(model, detector.Name, severity.ToString().ToLowerInvariant());
                database.DriftEvents.Add(new DriftEvent
                {
                    ModelName = model,
                    ModelVersion = version,
                    Detector = detector.Name,
                    Severity = severity,
                    OccurredAt = time.GetUtcNow(),
                    Details = JsonSerializer.Serialize(detector.Snapshot()),
                });
            }

            await database.SaveChangesAsync(cancellationToken);
        }

        return states;
    }

    /// <summary>The detectors whose drift triggers a retrain: the ones that stay quiet on stationary streams
    /// (DDM and EDDM alarm too often there; see docs/drift-service.md).</summary>
    public static readonly IReadOnlySet<string> PolicyDetectors = new HashSet<string>(["adwin", "page_hinkley", "hddm_a"], StringComparer.Ordinal);

    /// <summary>
    /// The policy detector that signalled drift on the model's feedback since the last call, or null; the signal is
    /// consumed. (A detector restarts on the new concept right after a drift, so its state alone would be missed by
    /// an evaluation that runs a minute later.)
    /// </summary>
    public string? TakeDriftSignal(string model)
    {
        if (!_models.TryGetValue(model, out var set))
        {
            return null;
        }

        lock (set)
        {
            var signal = set.DriftSignal;
            set.DriftSignal = null;
            return signal;
        }
    }

    public void Reset(string? model)
    {
        foreach (var (name, set) in _models)
        {
            if (model is null || name == model)
            {
                lock (set)
                {
                    foreach (var detector in set.Detectors)
                    {
                        detector.Reset();
                        metrics.DetectorState(name, detector.Name, (int)DriftState.Stable);
                    }

                    set.DriftSignal = null;
                }
            }
        }
    }

    public object Snapshot(string? model) => _models
        .Where(p => model is null || p.Key == model)
        .ToDictionary(p => p.Key, p =>
        {
            lock (p.Value)
            {
                return p.Value.Detectors.Select(d => d.Snapshot()).ToList();
            }
        });

    private sealed class ModelDetectors(IReadOnlyList<IDriftDetector> detectors, int version)
    {
        public IReadOnlyList<IDriftDetector> Detectors { get; } = detectors;

        public int Version { get; } = version;

        /// <summary>Guarded by the instance's lock.</summary>
        public string? DriftSignal { get; set; }
    }
}
