using Monitoring.Data.Profiles;
using Onnx.Export;
using Training.Worker.Data;

namespace Training.Worker.Trainers;

/// <summary>A dense row-major float matrix: <see cref="Rows"/> × <see cref="Columns"/>.</summary>
public sealed class EncodedMatrix
{
    public EncodedMatrix(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        if ((long)rows * columns != values.Length)
        {
            throw new ArgumentException($"{values.Length} values do not make {rows} × {columns}.", nameof(values));
        }

        Values = values;
        Rows = rows;
        Columns = columns;
    }

    public float[] Values { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);
}

/// <summary>
/// Turns raw features into the dense matrix the trainers see, with statistics fitted on the training set. Numeric
/// features: <c>(x − mean) / std</c> in float32 (population std; 1 when it is 0), missing (NaN) → 0, i.e. the training
/// mean. Categorical features: one-hot over the categories seen in training, ordinally sorted; missing (null or empty)
/// and unseen values encode as all zeros. Columns: numeric features in schema order, then each categorical block in
/// schema order — the layout of <see cref="FeaturePreprocessing"/>, so the exported front computes the same floats.
/// </summary>
public sealed class FeatureEncoder
{
    private readonly NumericRawFeature?[] _numeric;
    private readonly Dictionary<string, int>?[] _categoryIndex;
    private readonly int[] _columnOffset;

    private FeatureEncoder(FeatureSchema schema, NumericRawFeature?[] numeric, CategoricalRawFeature?[] categorical)
    {
        Schema = schema;
        _numeric = numeric;
        _categoryIndex = [.. categorical.Select(c => c?.Categories.Select((category, i) => (category, i)).ToDictionary(p => p.category, p => p.i, StringComparer.Ordinal))];
        _columnOffset = new int[numeric.Length];
        var names = new List<string>();
        var column = 0;
        for (var i = 0; i < numeric.Length; i++)
        {
            if (numeric[i] is { } feature)
            {
                _columnOffset[i] = column++;
                names.Add(feature.Name);
            }
        }

        for (var i = 0; i < categorical.Length; i++)
        {
            if (categorical[i] is { } feature)
            {
                _columnOffset[i] = column;
                column += feature.Categories.Count;
                names.AddRange(feature.Categories.Select(category => $"{feature.Name}={category}"));
            }
        }

        Width = column;
        ColumnNames = names;
        Preprocessing = new FeaturePreprocessing([.. schema.Features.Select((_, i) => (RawFeature?)numeric[i] ?? categorical[i]!)]);
    }

    public FeatureSchema Schema { get; }

    /// <summary>Columns of the encoded matrix.</summary>
    public int Width { get; }

    /// <summary>One name per encoded column: the feature name, or <c>feature=category</c> for one-hot columns.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>The same encoding as an ONNX front (<see cref="ModelExporter.WithFeaturePreprocessing"/>).</summary>
    public FeaturePreprocessing Preprocessing { get; }

    public static FeatureEncoder Fit(TabularDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var features = train.Schema.Features;
        var numeric = new NumericRawFeature?[features.Count];
        var categorical = new CategoricalRawFeature?[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].Type == FeatureType.Numeric)
            {
                var (mean, std) = MeanAndStd(train.NumericColumns[i]!);
                numeric[i] = new NumericRawFeature(features[i].Name, (float)mean, std > 0 && (float)std > 0 ? (float)std : 1f);
            }
            else
            {
                var categories = train.CategoricalColumns[i]!
                    .Where(value => !string.IsNullOrEmpty(value))
                    .Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal)
                    .ToArray();
                categorical[i] = new CategoricalRawFeature(features[i].Name, categories!);
            }
        }

        var encoder = new FeatureEncoder(train.Schema, numeric, categorical);
        if (encoder.Width == 0)
        {
            throw new ArgumentException("The training set encodes to no columns: every categorical feature is always missing.", nameof(train));
        }

        return encoder;
    }

    /// <summary>
    /// The encoder a model was exported with, from its stored statistics: <paramref name="numeric"/> and
    /// <paramref name="categorical"/> hold, per schema feature, its statistics or null (one of the two per feature).
    /// </summary>
    internal static FeatureEncoder FromStatistics(FeatureSchema schema, NumericRawFeature?[] numeric, CategoricalRawFeature?[] categorical)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (numeric.Length != schema.Features.Count || categorical.Length != schema.Features.Count)
        {
            throw new ArgumentException($"One entry per feature is needed ({schema.Features.Count}).");
        }

        for (var i = 0; i < schema.Features.Count; i++)
        {
            var expected = schema.Features[i].Type == FeatureType.Numeric ? (RawFeature?)numeric[i] : categorical[i];
            if (expected is null || expected.Name != schema.Features[i].Name || (numeric[i] is not null && categorical[i] is not null))
            {
                throw new ArgumentException($"Feature '{schema.Features[i].Name}' needs exactly its {schema.Features[i].Type} statistics.");
            }
        }

        var encoder = new FeatureEncoder(schema, numeric, categorical);
        return encoder.Width > 0 ? encoder : throw new ArgumentException("The statistics encode to no columns.");
    }

    public EncodedMatrix Encode(TabularDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireSameSchema(data.Schema);
        var rows = data.RowCount;
        var values = new float[(long)rows * Width];
        for (var i = 0; i < _numeric.Length; i++)
        {
            var offset = _columnOffset[i];
            if (_numeric[i] is { } numeric)
            {
                var column = data.NumericColumns[i]!;
                for (var r = 0; r < rows; r++)
                {
                    values[(r * Width) + offset] = EncodeNumber((float)column[r], numeric.Mean, numeric.Scale);
                }
            }
            else
            {
                var index = _categoryIndex[i]!;
                var column = data.CategoricalColumns[i]!;
                for (var r = 0; r < rows; r++)
                {
                    if (column[r] is { Length: > 0 } value && index.TryGetValue(value, out var category))
                    {
                        values[(r * Width) + offset + category] = 1f;
                    }
                }
            }
        }

        return new EncodedMatrix(values, rows, Width);
    }

    /// <summary>Float32 steps in the order the ONNX front runs them (Sub, Div, then NaN → 0), so both give the same bits.</summary>
    internal static float EncodeNumber(float value, float mean, float scale)
    {
        var standardized = (value - mean) / scale;
        return float.IsNaN(value) ? 0f : standardized;
    }

    internal void RequireSameSchema(FeatureSchema schema)
    {
        if (!schema.Features.SequenceEqual(Schema.Features))
        {
            throw new ArgumentException(
                $"The data's features [{string.Join(", ", schema.Features.Select(f => f.Name))}] differ from the model's [{string.Join(", ", Schema.Features.Select(f => f.Name))}].");
        }
    }

    private static (double Mean, double Std) MeanAndStd(double[] column)
    {
        double sum = 0;
        var count = 0;
        foreach (var value in column)
        {
            if (!double.IsNaN(value))
            {
                sum += value;
                count++;
            }
        }

        if (count == 0)
        {
            return (0, 1);
        }

        var mean = sum / count;
        double squares = 0;
        foreach (var value in column)
        {
            if (!double.IsNaN(value))
            {
                squares += (value - mean) * (value - mean);
            }
        }

        return (mean, Math.Sqrt(squares / count));
    }
}
