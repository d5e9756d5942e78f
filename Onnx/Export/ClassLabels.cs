namespace Onnx.Export;

/// <summary>The class labels of a classifier, in score order: all int64 or all strings.</summary>
public sealed class ClassLabels
{
    private ClassLabels(IReadOnlyList<long>? int64Labels, IReadOnlyList<string>? stringLabels)
    {
        Int64Labels = int64Labels;
        StringLabels = stringLabels;
        int count = int64Labels?.Count ?? stringLabels!.Count;
        if (count < 2)
        {
            throw new ArgumentException("A classifier needs at least two classes.");
        }

        Count = count;
    }

    public IReadOnlyList<long>? Int64Labels { get; }

    public IReadOnlyList<string>? StringLabels { get; }

    public int Count { get; }

    public bool IsString => StringLabels is not null;

    public static ClassLabels Of(params long[] labels) => new([.. labels], null);

    public static ClassLabels Of(params string[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (string label in labels)
        {
            ArgumentNullException.ThrowIfNull(label, nameof(labels));
        }

        return new(null, [.. labels]);
    }

    /// <summary>Labels 0, 1, …, <paramref name="count"/> − 1.</summary>
    public static ClassLabels Range(int count) => new([.. Enumerable.Range(0, count).Select(i => (long)i)], null);
}
