using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>
/// Rows of named features with their targets, stored by column. Numeric columns hold <see cref="double.NaN"/> for a
/// missing value; categorical columns hold null. Classifiers' targets are class labels (strings, in
/// <see cref="ClassLabels"/> order of first appearance unless given); regressors' targets are numbers.
/// </summary>
public sealed class TabularDataset
{
    private readonly Dictionary<string, int> _columnIndex;

    public TabularDataset(
        FeatureSchema schema,
        IReadOnlyList<double[]?> numericColumns,
        IReadOnlyList<string?[]?> categoricalColumns,
        ModelTask task,
        string[]? labels,
        double[]? values,
        IReadOnlyList<string>? classLabels = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var features = schema.Features;
        if (numericColumns.Count != features.Count || categoricalColumns.Count != features.Count)
        {
            throw new ArgumentException("Give one column slot per feature in schema order (null where the type does not apply).");
        }

        var rows = task == ModelTask.Classification
            ? labels?.Length ?? throw new ArgumentException("A classification dataset needs labels.", nameof(labels))
            : values?.Length ?? throw new ArgumentException("A regression dataset needs target values.", nameof(values));

        _columnIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < features.Count; i++)
        {
            var length = features[i].Type == FeatureType.Numeric
                ? numericColumns[i]?.Length ?? throw new ArgumentException($"Feature '{features[i].Name}' is numeric but has no numeric column.")
                : categoricalColumns[i]?.Length ?? throw new ArgumentException($"Feature '{features[i].Name}' is categorical but has no categorical column.");
            if (length != rows)
            {
                throw new ArgumentException($"Feature '{features[i].Name}' has {length} values for {rows} targets.");
            }

            _columnIndex[features[i].Name] = i;
        }

        if (values is not null && task == ModelTask.Regression && Array.Exists(values, v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Regression targets must be finite numbers.", nameof(values));
        }

        if (labels is not null && task == ModelTask.Classification && Array.Exists(labels, string.IsNullOrEmpty))
        {
            throw new ArgumentException("Every row needs a class label.", nameof(labels));
        }

        Schema = schema;
        NumericColumns = numericColumns;
        CategoricalColumns = categoricalColumns;
        Task = task;
        Labels = labels;
        Values = values;
        RowCount = rows;
        ClassLabels = task == ModelTask.Classification
            ? classLabels ?? [.. labels!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]
            : [];
    }

    public FeatureSchema Schema { get; }

    public ModelTask Task { get; }

    public int RowCount { get; }

    /// <summary>Per feature in schema order: the values of a numeric feature, else null.</summary>
    public IReadOnlyList<double[]?> NumericColumns { get; }

    /// <summary>Per feature in schema order: the values of a categorical feature, else null.</summary>
    public IReadOnlyList<string?[]?> CategoricalColumns { get; }

    /// <summary>Class label per row (classification).</summary>
    public string[]? Labels { get; }

    /// <summary>Target per row (regression).</summary>
    public double[]? Values { get; }

    /// <summary>The classes, sorted ordinally unless given; a model's class index refers to this order.</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    public int IndexOf(string feature) =>
        _columnIndex.TryGetValue(feature, out var index) ? index : throw new KeyNotFoundException($"No feature '{feature}'.");

    /// <summary>The rows at <paramref name="indices"/>, in that order, with the same schema and classes.</summary>
    public TabularDataset Select(ReadOnlySpan<int> indices)
    {
        var picked = indices.ToArray();
        return new TabularDataset(
            Schema,
            [.. NumericColumns.Select(column => column is null ? null : Pick(column, picked))],
            [.. CategoricalColumns.Select(column => column is null ? null : Pick(column, picked))],
            Task,
            Labels is null ? null : Pick(Labels, picked),
            Values is null ? null : Pick(Values, picked),
            ClassLabels.Count > 0 ? ClassLabels : null);
    }

    /// <summary>The rows of <paramref name="first"/> followed by those of <paramref name="second"/> (same schema and task); classes are united.</summary>
    public static TabularDataset Concat(TabularDataset first, TabularDataset second)
    {
        if (first.Task != second.Task || !first.Schema.Features.SequenceEqual(second.Schema.Features))
        {
            throw new ArgumentException("Only datasets with the same task and feature schema can be joined.");
        }

        return new TabularDataset(
            first.Schema,
            [.. first.NumericColumns.Zip(second.NumericColumns, (a, b) => a is null ? null : (double[])[.. a, .. b!])],
            [.. first.CategoricalColumns.Zip(second.CategoricalColumns, (a, b) => a is null ? null : (string?[])[.. a, .. b!])],
            first.Task,
            first.Labels is null ? null : [.. first.Labels, .. second.Labels!],
            first.Values is null ? null : [.. first.Values, .. second.Values!],
            first.Task == ModelTask.Classification ? [.. first.ClassLabels.Union(second.ClassLabels, StringComparer.Ordinal).Order(StringComparer.Ordinal)] : null);
    }

    private static T[] Pick<T>(T[] source, int[] indices)
    {
        var result = new T[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            result[i] = source[indices[i]];
        }

        return result;
    }
}
