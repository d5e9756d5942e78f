using System.Security.Cryptography;
using Monitoring.Data.Profiles;
using Onnx.Runtime;
using Predictor.Api.Models;

namespace Predictor.Api.Registry;

/// <summary>An upload that loaded and ran in ONNX Runtime, with what the registry stores about it.</summary>
public sealed record ValidatedModel(byte[] Onnx, string Sha256, ModelSignature Signature, Monitoring.Data.Registry.ModelTask Task, string Algorithm);

/// <summary>
/// Accepts an uploaded model only if ONNX Runtime loads it, its inputs can be fed from features, and a one-row
/// test run succeeds. Everything else is refused with the reason, at upload rather than at prediction time.
/// </summary>
public static class ModelUploadValidator
{
    public static ValidatedModel Validate(byte[] onnx, FeatureSchema? declaredSchema, Monitoring.Data.Registry.ModelTask? declaredTask, string? algorithm)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(onnx);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new UnservableModelException($"ONNX Runtime cannot load the model ({exception.ErrorCode}): {exception.OrtMessage}");
        }

        using (session)
        {
            var signature = ModelSignature.Resolve(session, declaredSchema);
            try
            {
                _ = session.Run(signature.SampleInputs(session));
            }
            catch (OnnxRuntimeException exception)
            {
                throw new UnservableModelException($"The model loaded but a one-row test run failed ({exception.ErrorCode}): {exception.OrtMessage}");
            }

            var task = declaredTask ?? InferTask(session);
            var producer = session.ModelMetadata.ProducerName;
            return new ValidatedModel(
                onnx,
                Convert.ToHexStringLower(SHA256.HashData(onnx)),
                signature,
                task,
                string.IsNullOrWhiteSpace(algorithm) ? (string.IsNullOrWhiteSpace(producer) ? "onnx" : producer) : algorithm.Trim());
        }
    }

    /// <summary>Classifiers put out labels (integers or strings) or scikit-learn's ZipMap; anything else is a regressor.</summary>
    private static Monitoring.Data.Registry.ModelTask InferTask(InferenceSession session) =>
        session.Outputs.Any(output => output.Type.ValueType == OnnxValueType.Sequence
            || (output.Type.ValueType == OnnxValueType.Tensor && output.Type.ElementType is TensorElementType.String or TensorElementType.Int64))
            ? Monitoring.Data.Registry.ModelTask.Classification
            : Monitoring.Data.Registry.ModelTask.Regression;
}
