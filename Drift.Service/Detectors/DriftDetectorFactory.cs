namespace Drift.Service.Detectors;

/// <summary>Builds the default detector set for a model, each with its usual (River) defaults.</summary>
public static class DriftDetectorFactory
{
    /// <summary>Every detector's name, in the order the sets list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ddm", "eddm", "hddm_a", "adwin", "page_hinkley", "kswin"];

    /// <summary>
    /// Classifiers (a 0/1 error stream): DDM, EDDM, HDDM_A, ADWIN, Page–Hinkley and KSWIN. Regressors (a real-valued
    /// stream such as the absolute error, best scaled to about [0, 1]): ADWIN, Page–Hinkley and KSWIN.
    /// <paramref name="seed"/> makes KSWIN's sampling repeatable.
    /// </summary>
    public static IReadOnlyList<IDriftDetector> CreateDefaultSet(bool errorRate, int seed = 42) => errorRate
        ? [new Ddm(), new Eddm(), new HddmA(), new Adwin(), new PageHinkley(), new Kswin(seed: seed)]
        : [new Adwin(), new PageHinkley(), new Kswin(seed: seed)];

    /// <summary>One detector by name with its defaults; null for an unknown name.</summary>
    public static IDriftDetector? Create(string name, int seed = 42) => name switch
    {
        "ddm" => new Ddm(),
        "eddm" => new Eddm(),
        "hddm_a" => new HddmA(),
        "adwin" => new Adwin(),
        "page_hinkley" => new PageHinkley(),
        "kswin" => new Kswin(seed: seed),
        _ => null,
    };
}
