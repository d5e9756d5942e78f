using System.Globalization;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Runtime;
using Training.Worker.Data;
using Training.Worker.Trainers;

namespace Training.Worker.Export;

/// <summary>
/// Runs an exported model in ONNX Runtime on a dataset through its named raw-feature inputs, the way the predictor
/// feeds it (numbers as float32 with NaN for missing; strings with "" for missing), and compares the outputs with
/// the trainer's own predictions.
/// </summary>
public static class OnnxParityCheck
{
    public const double DefaultTolerance = 1e-4;

    private const int BatchRows = 4096;

    /// <summary>
    /// Returns the largest difference found. Classifiers: absolute difference of class probabilities, and ORT's label
    /// must equal the trainer's (rows whose top two probabilities are within twice the tolerance of each other are
    /// exempt, as float rounding may pick either). Regressors: <c>|onnx − trainer| / max(1, RMS of the trainer's
    /// predictions)</c> — absolute for targets of magnitude up to 1, relative to the target's scale above, since float32
    /// sums of terms of that scale cannot agree to 1e-4 absolutely (prices in currency units, for instance).
    /// Throws <see cref="OnnxParityException"/> when a difference exceeds <paramref name="tolerance"/> or a label differs.
    /// </summary>
    public static double Verify(ReadOnlySpan<byte> onnxModel, TrainedModel model, TabularDataset data, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var expected = model.Predict(data);
        using var session = new InferenceSession(onnxModel, new Onnx.Runtime.SessionOptions { IntraOpThreads = 1 });
        var features = data.Schema.Features;
        var worst = new Difference(0, 0, 0, 0, 0);
        var scale = model.Task == ModelTask.Regression ? RegressionScale(expected.Values!) : 1;
        LabelMismatch? firstMismatch = null;
        var mismatches = 0;
        for (var start = 0; start < data.RowCount; start += BatchRows)
        {
            var rows = Math.Min(BatchRows, data.RowCount - start);
            var inputs = new List<KeyValuePair<string, OnnxValue>>(features.Count);
            for (var f = 0; f < features.Count; f++)
            {
                inputs.Add(new(features[f].Name, InputTensor(data, f, start, rows)));
            }

            var result = session.Run(inputs);
            if (model.Task == ModelTask.Classification)
            {
                mismatches += CompareClassifier(result, expected, start, rows, tolerance, ref worst, ref firstMismatch);
            }
            else
            {
                CompareRegressor(result, expected, start, rows, scale, ref worst);
            }
        }

        if (worst.Value > tolerance)
        {
            throw new OnnxParityException(
                $"The ONNX model differs from the trainer's {model.Algorithm} predictions by {worst.Value.ToString("G6", CultureInfo.InvariantCulture)} " +
                $"(tolerance {tolerance.ToString("G3", CultureInfo.InvariantCulture)}) at row {worst.Row}, column {worst.Column}: " +
                $"trainer {worst.Expected.ToString("G9", CultureInfo.InvariantCulture)}, ONNX {worst.Actual.ToString("G9", CultureInfo.InvariantCulture)}" +
                (mismatches > 0 ? $"; {mismatches} row(s) also get another label." : "."),
                worst.Value,
                worst.Row,
                worst.Column);
        }

        if (firstMismatch is { } mismatch)
        {
            throw new OnnxParityException(
                $"The ONNX model labels {mismatches} row(s) differently from the trainer although probabilities agree within " +
                $"{worst.Value.ToString("G3", CultureInfo.InvariantCulture)}; first at row {mismatch.Row}: ONNX '{mismatch.Actual}', trainer '{mismatch.Expected}'.",
                worst.Value,
                mismatch.Row,
                -1);
        }

        return worst.Value;
    }

    internal static OnnxTensor InputTensor(TabularDataset data, int feature, int start, int rows)
    {
        if (data.Schema.Features[feature].Type == FeatureType.Numeric)
        {
            var column = data.NumericColumns[feature]!;
            var values = new float[rows];
            for (var r = 0; r < rows; r++)
            {
                values[r] = (float)column[start + r];
            }

            return OnnxTensor.Create(values, rows, 1);
        }

        var strings = new string[rows];
        var categories = data.CategoricalColumns[feature]!;
        for (var r = 0; r < rows; r++)
        {
            strings[r] = categories[start + r] ?? string.Empty;
        }

        return OnnxTensor.CreateString(strings, rows, 1);
    }

    /// <summary>Updates the worst probability difference and the first label mismatch; returns this batch's label mismatches.</summary>
    private static int CompareClassifier(RunResult result, Predictions expected, int start, int rows, double tolerance, ref Difference worst, ref LabelMismatch? firstMismatch)
    {
        var mismatches = 0;
        var classes = expected.ClassLabels.Count;
        var probabilities = result.GetTensor(ModelExporter.ProbabilitiesOutput);
        if (probabilities.Shape is not [var n, var c] || n != rows || c != classes)
        {
            throw new OnnxParityException($"The ONNX model's probabilities have shape [{string.Join(", ", probabilities.Shape.ToArray())}], not [{rows}, {classes}].", double.PositiveInfinity, start, 0);
        }

        var actual = probabilities.GetArray<float>();
        var labels = result.GetTensor(ModelExporter.LabelOutput).GetStrings();
        for (var r = 0; r < rows; r++)
        {
            var row = start + r;
            var expectedRow = expected.ProbabilitiesOf(row);
            for (var k = 0; k < classes; k++)
            {
                var difference = Math.Abs(actual[(r * classes) + k] - expectedRow[k]);
                if (!(difference <= worst.Value))
                {
                    worst = new Difference(double.IsNaN(difference) ? double.PositiveInfinity : difference, row, k, expectedRow[k], actual[(r * classes) + k]);
                }
            }

            if (!string.Equals(labels[r], expected.Label(row), StringComparison.Ordinal) && !NearTie(expectedRow, tolerance))
            {
                firstMismatch ??= new LabelMismatch(row, expected.Label(row), labels[r]);
                mismatches++;
            }
        }

        return mismatches;
    }

    private static double RegressionScale(double[] values)
    {
        double squares = 0;
        foreach (var value in values)
        {
            squares += value * value;
        }

        return Math.Max(1, Math.Sqrt(squares / Math.Max(1, values.Length)));
    }

    private static void CompareRegressor(RunResult result, Predictions expected, int start, int rows, double scale, ref Difference worst)
    {
        var variable = result.GetTensor(ModelExporter.RegressionOutput);
        if (variable.Shape is not [var n, 1] || n != rows)
        {
            throw new OnnxParityException($"The ONNX model's output has shape [{string.Join(", ", variable.Shape.ToArray())}], not [{rows}, 1].", double.PositiveInfinity, start, 0);
        }

        var actual = variable.GetArray<float>();
        for (var r = 0; r < rows; r++)
        {
            var reference = expected.Values![start + r];
            var difference = Math.Abs(actual[r] - reference) / scale;
            if (!(difference <= worst.Value))
            {
                worst = new Difference(double.IsNaN(difference) ? double.PositiveInfinity : difference, start + r, 0, reference, actual[r]);
            }
        }
    }

    private static bool NearTie(ReadOnlySpan<double> probabilities, double tolerance)
    {
        double first = double.NegativeInfinity, second = double.NegativeInfinity;
        foreach (var p in probabilities)
        {
            if (p > first)
            {
                (first, second) = (p, first);
            }
            else if (p > second)
            {
                second = p;
            }
        }

        return first - second <= 2 * tolerance;
    }

    private readonly record struct Difference(double Value, int Row, int Column, double Expected, double Actual);

    private readonly record struct LabelMismatch(int Row, string Expected, string Actual);
}

/// <summary>An exported model does not reproduce the trainer's predictions.</summary>
public sealed class OnnxParityException(string message, double maxDifference, int row, int column) : Exception(message)
{
    /// <summary>The largest difference found before failing (infinity for a shape mismatch).</summary>
    public double MaxDifference { get; } = maxDifference;

    /// <summary>The dataset row of the failure.</summary>
    public int Row { get; } = row;

    /// <summary>The class column (classifiers; −1 for a label mismatch) or 0 (regressors).</summary>
    public int Column { get; } = column;
}
