namespace Monitoring.IntegrationTests.Telemetry;

/// <summary>
/// Tests whose hosts record spans. Activity listeners are process-wide, and one host that records makes every host's
/// spans recorded, so these run one at a time; every other test host records none (no OTLP endpoint, no sampler set).
/// </summary>
[CollectionDefinition(nameof(RecordingTracerProviders))]
public sealed class RecordingTracerProviders;
