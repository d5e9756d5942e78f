using System.Collections.Concurrent;
using System.Text.Json;
using Drift.Service.Telemetry;
using Monitoring.Data;
using Monitoring.Data.Drift;

namespace Drift.Service.Feedback;

/// <summary>One online concept-drift detector as the registry drives it.</summary>
public interface IOnlineDetector
{
    string Name { get; }

    /// <summary>Feeds one value (an error 0/1 or an absolute error); returns 0 stable, 1 warning, 2 drift.</summary>
    int Update(double value);

    void Reset();

    /// <summary>State for <c>GET /drift/status</c>: counts and key statistics.</summary>
    object Snapshot();
}

/// <summary>
/// The online detectors of every model, fed by matched feedback and <c>POST /drift/update</c>. A change of state to
/// warning or drift is stored as a <c>drift_events</c> row and counted; the current state is a gauge.
/// </summary>
public sealed class DetectorRegistry(DetectorSetFactory factory, IServiceScopeFactory scopes, DriftMetrics metrics, TimeProvider time)
{
    /// <summary>The model <c>POST /drift/update</c> feeds when none is named.</summary>
    public const string DefaultModel = "default";

    private readonly ConcurrentDictionary<string, ModelDetectors> _models = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, int>> UpdateAsync(string model, int version, double value, CancellationToken cancellationToken)
    {
        var set = _models.GetOrAdd(model, _ => new ModelDetectors(factory.Create()));
        List<(IOnlineDetector Detector, int State)> changes = [];
        Dictionary<string, int> states;
        lock (set)
        {
            states = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var detector in set.Detectors)
            {
                var state = detector.Update(value);
                var previous = set.States.GetValueOrDefault(detector.Name);
                set.States[detector.Name] = state;
                states[detector.Name] = state;
                metrics.DetectorState(model, detector.Name, state);
                if (state > 0 && state != previous)
                {
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
                var severity = state == 2 ? DriftSeverity.Drift : DriftSeverity.Warning;
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

    /// <summary>True when one of the model's policy detectors signalled drift on its latest value.</summary>
    public bool InDrift(string model) =>
        _models.TryGetValue(model, out var set) && set.States.Any(s => s.Value == DetectorState.Drift && PolicyDetectors.Contains(s.Key));

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
                        set.States[detector.Name] = 0;
                        metrics.DetectorState(name, detector.Name, 0);
                    }
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
                return p.Value.Detectors.Select(d => new { name = d.Name, state = p.Value.States.GetValueOrDefault(d.Name), details = d.Snapshot() }).ToList();
            }
        });

    private sealed class ModelDetectors(IReadOnlyList<IOnlineDetector> detectors)
    {
        public IReadOnlyList<IOnlineDetector> Detectors { get; } = detectors;

        public Dictionary<string, int> States { get; } = new(StringComparer.Ordinal);
    }
}
