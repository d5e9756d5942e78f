namespace Drift.Service.Feedback;

/// <summary>The detectors every model gets, with their usual defaults (see docs/drift-service.md).</summary>
public sealed class DetectorSetFactory
{
    public IReadOnlyList<IOnlineDetector> Create() => [new Ddm(), new Eddm(), new Adwin(), new PageHinkley(), new Kswin(), new HddmA()];
}
