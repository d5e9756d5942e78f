namespace AppHost.Resources;

public enum StopSignal
{
    /// <summary>SIGTERM: the usual request to shut down.</summary>
    Terminate,

    /// <summary>SIGINT: PostgreSQL's "fast" shutdown, the same as <c>pg_ctl stop -m fast</c>.</summary>
    Interrupt,
}

public sealed record ManagedProcessOptions
{
    /// <summary>Resource name used to prefix output and in error messages.</summary>
    public required string Name { get; init; }

    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (a null value removes from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Run as this OS user via <c>setpriv</c>; only possible when running as root.</summary>
    public string? RunAsUser { get; init; }

    /// <summary>
    /// Start in a session of its own (<c>setsid</c>) so a Ctrl+C in the terminal reaches only the
    /// parent, which then stops its children in order.
    /// </summary>
    public bool NewSession { get; init; } = true;

    public StopSignal StopSignal { get; init; } = StopSignal.Terminate;

    /// <summary>Called for every output line, on a thread-pool thread.</summary>
    public Action<OutputLine>? OutputLine { get; init; }

    /// <summary>How many of the last output lines to keep for error messages.</summary>
    public int RecentLineCount { get; init; } = 40;
}
