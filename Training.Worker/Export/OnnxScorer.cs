using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Runtime;
using Training.Worker.Data;
using Training.Worker.Trainers;

namespace Training.Worker.Export;

/// <summary>
/// Runs a stored model (one of this worker's exports: one input per feature, <c>probabilities</c> and <c>label</c> or
/// <c>variable</c> out, class labels in metadata) over a dataset, so the champion is scored on the candidate's holdout
/// by the same ONNX Runtime that serves it.
/// </summary>
public static class OnnxScorer
{
    private const int BatchRows = 4096;

    public static Predictions Score(byte[] onnx, TabularDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var session = new InferenceSession(onnx, new Onnx.Runtime.SessionOptions { IntraOpThreads = 1 });
        var features = data.Schema.Features;
        var inputNames = session.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        if (!features.All(f => inputNames.Contains(f.Name)) || inputNames.Count != features.Count)
        {
            throw new OnnxScoringException($"The model's inputs [{string.Join(", ", inputNames)}] are not one per feature [{string.Join(", ", features.Select(f => f.Name))}].");
        }

        string[]? classLabels = null;
        if (data.Task == ModelTask.Classification)
        {
            classLabels = session.ModelMetadata.CustomMetadata.TryGetValue(ModelExporter.LabelsMetadataKey, out var joined) ? joined.Split(',') : null;
            if (classLabels is null || session.Outputs.All(o => o.Name != ModelExporter.ProbabilitiesOutput))
            {
                throw new OnnxScoringException("The classifier has no 'probabilities' output or no class labels in its metadata.");
            }
        }
        else if (session.Outputs.All(o => o.Name != ModelExporter.RegressionOutput))
        {
            throw new OnnxScoringException("The regressor has no 'variable' output.");
        }

        var probabilities = classLabels is null ? null : new double[data.RowCount * classLabels.Length];
        var values = classLabels is null ? new double[data.RowCount] : null;
        for (var start = 0; start < data.RowCount; start += BatchRows)
        {
            var rows = Math.Min(BatchRows, data.RowCount - start);
            var inputs = new List<KeyValuePair<string, OnnxValue>>(features.Count);
            for (var f = 0; f < features.Count; f++)
            {
                inputs.Add(new(features[f].Name, OnnxParityCheck.InputTensor(data, f, start, rows)));
            }

            var result = session.Run(inputs);
            if (probabilities is not null)
            {
                var output = result.GetTensor(ModelExporter.ProbabilitiesOutput).GetArray<float>();
                for (var i = 0; i < output.Length; i++)
                {
                    probabilities[(start * classLabels!.Length) + i] = output[i];
                }
            }
            else
            {
                var output = result.GetTensor(ModelExporter.RegressionOutput).GetArray<float>();
                for (var i = 0; i < rows; i++)
                {
                    values![start + i] = output[i];
                }
            }
        }

        return probabilities is not null ? Predictions.ForClassifier(probabilities, classLabels!) : Predictions.ForRegressor(values!);
    }
}

/// <summary>The stored model is not one <see cref="OnnxScorer"/> can run over a dataset.</summary>
public sealed class OnnxScoringException(string message) : Exception(message);
