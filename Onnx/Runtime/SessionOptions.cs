namespace Onnx.Runtime;

/// <summary>How much graph rewriting ORT does when it loads a model (<c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    Layout = 3,
    All = 99,
}

/// <summary>Whether ORT runs a graph's nodes one after another or independent branches in parallel.</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}

/// <summary>Options used to create an <see cref="InferenceSession"/>.</summary>
public sealed class SessionOptions
{
    /// <summary>Threads used inside one operator; 0 lets ORT choose, 1 runs single-threaded.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads used to run independent nodes (with <see cref="ExecutionMode.Parallel"/>); 0 lets ORT choose.</summary>
    public int InterOpThreads { get; set; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.All;

    public ExecutionMode ExecutionMode { get; set; } = ExecutionMode.Sequential;

    /// <summary>Minimum severity ORT logs for this session: 0 verbose … 4 fatal. Default 3 (errors).</summary>
    public int LogSeverityLevel { get; set; } = 3;

    /// <summary>Extra session configuration entries (for example <c>session.intra_op.allow_spinning</c>).</summary>
    public IDictionary<string, string> ConfigEntries { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
