using System.Globalization;
using System.Text;
using Monitoring.Data.Csv;
using Monitoring.Data.Profiles;
using Predictor.Api.Serving;

namespace Predictor.Api.Registry;

/// <summary>
/// Builds an uploaded version's reference profile from a CSV of its training data: the features' distributions, the
/// model's own outputs on those rows (run here, in ONNX Runtime) and, when a target column is named, the confidence
/// calibration the drift service estimates accuracy with.
/// </summary>
public static class ReferenceCsvProfiler
{
    /// <summary>Rows beyond this are not read: a profile's quantiles are stable long before.</summary>
    public const int MaxRows = 200_000;

    private const int BatchRows = 1000;

    public static async Task<ReferenceProfile> BuildAsync(Stream csv, ServedModel model, string? targetColumn, CancellationToken cancellationToken)
    {
        var features = model.Signature.Schema.Features;
        using var text = new StreamReader(csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var reader = new CsvRecordReader(text);
        var fields = new List<(string Value, bool Quoted)>();
        if (!await reader.ReadAsync(fields, cancellationToken))
        {
            throw new ReferenceDataException("The reference CSV is empty; it needs a header row naming the features.");
        }

        var header = fields.Select(f => f.Value.Trim()).ToList();
        var columns = features.Select(f => header.IndexOf(f.Name)).ToArray();
        var missing = features.Where((f, i) => columns[i] < 0).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            throw new ReferenceDataException($"The reference CSV has no column for feature(s) {string.Join(", ", missing)}.");
        }

        var targetIndex = string.IsNullOrWhiteSpace(targetColumn) ? -1 : header.IndexOf(targetColumn.Trim());
        if (!string.IsNullOrWhiteSpace(targetColumn) && targetIndex < 0)
        {
            throw new ReferenceDataException($"The reference CSV has no target column '{targetColumn}'.");
        }

        var numeric = features.Select(f => f.Type == FeatureType.Numeric ? new List<double>() : null).ToArray();
        var categorical = features.Select(f => f.Type == FeatureType.Categorical ? new List<string?>() : null).ToArray();
        var batch = new List<FeatureValue[]>(BatchRows);
        var targets = new List<string?>();
        var labels = new List<string>();
        var confidences = new List<double>();
        var correct = new List<(double Confidence, bool Correct)>();
        var values = new List<double>();
        var rows = 0;
        while (rows < MaxRows && await reader.ReadAsync(fields, cancellationToken))
        {
            if (fields.Count != header.Count)
            {
                throw new ReferenceDataException($"Line {reader.RecordLine} of the reference CSV has {fields.Count} fields; the header has {header.Count}.");
            }

            var row = new FeatureValue[features.Count];
            for (var f = 0; f < features.Count; f++)
            {
                var (value, quoted) = fields[columns[f]];
                var isMissing = value.Length == 0 || (!quoted && (value.Equals("NA", StringComparison.OrdinalIgnoreCase) || value.Equals("null", StringComparison.OrdinalIgnoreCase)));
                if (numeric[f] is { } numbers)
                {
                    if (isMissing)
                    {
                        numbers.Add(double.NaN);
                        row[f] = FeatureValue.Of(double.NaN);
                    }
                    else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                    {
                        numbers.Add(number);
                        row[f] = FeatureValue.Of(number);
                    }
                    else
                    {
                        throw new ReferenceDataException($"Line {reader.RecordLine}, column '{features[f].Name}': '{value}' is not a finite number.");
                    }
                }
                else
                {
                    categorical[f]!.Add(isMissing ? null : value);
                    row[f] = FeatureValue.Of(isMissing ? string.Empty : value);
                }
            }

            targets.Add(targetIndex >= 0 ? fields[targetIndex].Value : null);
            batch.Add(row);
            rows++;
            if (batch.Count == BatchRows)
            {
                RunOutputs(model, batch, targets, labels, confidences, correct, values);
            }
        }

        if (batch.Count > 0)
        {
            RunOutputs(model, batch, targets, labels, confidences, correct, values);
        }

        if (rows == 0)
        {
            throw new ReferenceDataException("The reference CSV has a header but no rows.");
        }

        List<FeatureProfile> outputs = [];
        ConfidenceCalibration? calibration = null;
        if (model.Outputs.IsClassifier)
        {
            outputs.Add(ReferenceProfileBuilder.Categorical(ReferenceProfile.LabelOutput, labels));
            if (confidences.Count > 0)
            {
                outputs.Add(ReferenceProfileBuilder.Numeric(ReferenceProfile.ConfidenceOutput, [.. confidences]));
            }

            if (correct.Count > 0)
            {
                calibration = ReferenceProfileBuilder.Calibration([.. correct.Select(c => c.Confidence)], [.. correct.Select(c => c.Correct)]);
            }
        }
        else if (values.Count > 0)
        {
            outputs.Add(ReferenceProfileBuilder.Numeric(ReferenceProfile.ValueOutput, [.. values]));
        }

        return new ReferenceProfile
        {
            Rows = rows,
            Features = [.. features.Select((f, i) => f.Type == FeatureType.Numeric
                ? ReferenceProfileBuilder.Numeric(f.Name, [.. numeric[i]!])
                : ReferenceProfileBuilder.Categorical(f.Name, categorical[i]!))],
            Outputs = outputs,
            Calibration = calibration,
        };
    }

    /// <summary>Runs the model over a batch and collects its outputs; rows it cannot score (NaN out) are left out.</summary>
    private static void RunOutputs(ServedModel model, List<FeatureValue[]> batch, List<string?> targets, List<string> labels, List<double> confidences, List<(double Confidence, bool Correct)> correct, List<double> values)
    {
        var first = targets.Count - batch.Count;
        IReadOnlyList<Prediction> predictions;
        try
        {
            predictions = model.Predict(batch);
        }
        catch (Onnx.Runtime.OnnxRuntimeException exception)
        {
            throw new ReferenceDataException($"The model failed on reference rows {first + 1}–{first + batch.Count}: {exception.OrtMessage}");
        }

        for (var i = 0; i < predictions.Count; i++)
        {
            var prediction = predictions[i];
            if (prediction.Label is { } label && prediction.Confidence is { } confidence && double.IsFinite(confidence))
            {
                labels.Add(label);
                confidences.Add(confidence);
                if (targets[first + i] is { Length: > 0 } actual)
                {
                    correct.Add((confidence, string.Equals(actual, label, StringComparison.Ordinal)));
                }
            }
            else if (prediction.Value is { } value && double.IsFinite(value))
            {
                values.Add(value);
            }
        }

        batch.Clear();
    }
}

/// <summary>The reference CSV cannot be profiled; the message says why in the user's terms.</summary>
public sealed class ReferenceDataException(string message) : Exception(message);
