using Monitoring.Data.Registry;
using Training.Worker.Data;

namespace Training.Worker.Trainers;

/// <summary>
/// Fits one kind of model on a training set. Implementations are stateless and thread-safe; a run is
/// deterministic for equal data and settings (including <see cref="TrainerSettings.Seed"/>).
/// </summary>
public interface ITrainer
{
    /// <summary>The catalog name, e.g. <c>gradient_boosted_trees</c>.</summary>
    string Algorithm { get; }

    /// <summary>Null when the trainer can fit this task and number of classes (0 for regression), else why not.</summary>
    string? Unsupported(ModelTask task, int classCount);

    /// <summary>
    /// Fits a model. <paramref name="validation"/> (same schema and task; may be null) is scored every step and drives
    /// early stopping where the trainer has it. Throws <see cref="ArgumentException"/> for data or settings it cannot
    /// use and <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    TrainedModel Train(
        TabularDataset train,
        TabularDataset? validation,
        TrainerSettings settings,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
