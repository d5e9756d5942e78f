using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>How to read a CSV into a <see cref="TabularDataset"/>.</summary>
public sealed record CsvReadOptions
{
    /// <summary>The header name of the column holding the label (classification) or value (regression).</summary>
    public required string TargetColumn { get; init; }

    public required ModelTask Task { get; init; }

    /// <summary>The features to read, in model order. Null: every column but the target, numeric when all its
    /// non-missing values parse as finite invariant-culture numbers, otherwise categorical.</summary>
    public FeatureSchema? Schema { get; init; }

    /// <summary>With a schema, whether columns it does not name are ignored (true) or an error (false).</summary>
    public bool IgnoreUnknownColumns { get; init; } = true;

    public char Delimiter { get; init; } = ',';

    /// <summary>The classes in model order, when the model fixes them; otherwise the sorted labels found.</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }
}
