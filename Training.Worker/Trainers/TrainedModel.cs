using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Protobuf;
using Training.Worker.Data;

namespace Training.Worker.Trainers;

/// <summary>
/// A fitted model with its feature encoder: predicts on raw datasets and exports to ONNX with one input per raw
/// feature (see <see cref="ModelExporter.WithFeaturePreprocessing"/>) and the repository's output convention.
/// </summary>
public abstract class TrainedModel
{
    /// <summary>Metadata key naming the trainer that produced an exported model.</summary>
    public const string AlgorithmMetadataKey = "mlmonitoring.algorithm";

    private protected TrainedModel(string algorithm, ModelTask task, IReadOnlyList<string> classLabels, FeatureEncoder encoder)
    {
        Algorithm = algorithm;
        Task = task;
        ClassLabels = classLabels;
        Encoder = encoder;
    }

    public string Algorithm { get; }

    public ModelTask Task { get; }

    /// <summary>Classifiers: the classes in probability-column order (empty for regressors).</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    public FeatureEncoder Encoder { get; }

    public FeatureSchema Schema => Encoder.Schema;

    /// <summary>Final mean log loss (classifiers) or mean squared error (regressors) on the training set.</summary>
    public double TrainLoss { get; private set; }

    /// <summary>The same on the validation set of the kept model, or null without one.</summary>
    public double? ValidationLoss { get; private set; }

    /// <summary>Steps taken: L-BFGS iterations, epochs or boosting rounds (of the kept model).</summary>
    public int Iterations { get; private set; }

    /// <summary>Hyperparameters and model size, as JSON-friendly values (numbers, strings, arrays).</summary>
    public abstract IReadOnlyDictionary<string, object> Parameters { get; }

    public Predictions Predict(TabularDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return PredictEncoded(Encoder.Encode(data));
    }

    /// <summary>Predicts rows already encoded by <see cref="Encoder"/>.</summary>
    public abstract Predictions PredictEncoded(EncodedMatrix features);

    /// <summary>The ONNX model: raw named inputs, the encoding front, then the model graph.</summary>
    public ModelProto ToOnnxModel(ModelExportOptions? options = null)
    {
        var model = ModelExporter.WithFeaturePreprocessing(ExportEncoded(options), Encoder.Preprocessing);
        if (!model.MetadataProps.Exists(entry => entry.Key == AlgorithmMetadataKey))
        {
            model.MetadataProps.Add(new(AlgorithmMetadataKey, Algorithm));
        }

        return model;
    }

    public byte[] ExportOnnx(ModelExportOptions? options = null) => ToOnnxModel(options).ToByteArray();

    /// <summary>Scores the finished model on its training (and validation) split; trainers call it last.</summary>
    private protected void Complete(TrainingData data, int iterations)
    {
        TrainLoss = Losses.Of(PredictEncoded(data.Train.Features), data.Train);
        ValidationLoss = data.Validation is { } validation ? Losses.Of(PredictEncoded(validation.Features), validation) : null;
        Iterations = iterations;
    }

    /// <summary>The model graph over the encoded matrix (input <c>input</c> [N, <see cref="FeatureEncoder.Width"/>]).</summary>
    private protected abstract ModelProto ExportEncoded(ModelExportOptions? options);

    private protected Onnx.Export.ClassLabels OnnxLabels() => Onnx.Export.ClassLabels.Of([.. ClassLabels]);
}
