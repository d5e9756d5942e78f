using Monitoring.Data.Registry;
using Training.Worker.Trainers.GradientBoosting;
using Training.Worker.Trainers.Linear;
using Training.Worker.Trainers.NeuralNetwork;

namespace Training.Worker.Trainers;

/// <summary>The trainers by catalog name, and the default per task.</summary>
public static class TrainerCatalog
{
    public const string LogisticRegression = "logistic_regression";
    public const string SoftmaxRegression = "softmax_regression";
    public const string LinearRegression = "linear_regression";
    public const string Mlp = "mlp";
    public const string GradientBoostedTrees = "gradient_boosted_trees";

    private static readonly Dictionary<string, ITrainer> s_trainers = new ITrainer[]
    {
        new LinearTrainer(LinearLoss.Logistic),
        new LinearTrainer(LinearLoss.Softmax),
        new LinearTrainer(LinearLoss.Squared),
        new MlpTrainer(),
        new GradientBoostedTreesTrainer(),
    }.ToDictionary(t => t.Algorithm, StringComparer.Ordinal);

    /// <summary>Every catalog name.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = [LogisticRegression, SoftmaxRegression, LinearRegression, Mlp, GradientBoostedTrees];

    /// <summary>The trainer named <paramref name="algorithm"/>; throws <see cref="ArgumentException"/> listing the names when unknown.</summary>
    public static ITrainer Get(string algorithm) =>
        TryGet(algorithm, out var trainer)
            ? trainer
            : throw new ArgumentException($"Unknown algorithm '{algorithm}'; use one of {string.Join(", ", Algorithms)}.", nameof(algorithm));

    public static bool TryGet(string? algorithm, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ITrainer? trainer)
    {
        trainer = null;
        return algorithm is not null && s_trainers.TryGetValue(algorithm, out trainer);
    }

    /// <summary>The trainer used when a job names none: gradient-boosted trees for both tasks.</summary>
    public static ITrainer Default(ModelTask task) => task switch
    {
        ModelTask.Classification or ModelTask.Regression => s_trainers[GradientBoostedTrees],
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown model task."),
    };

    /// <summary>The trainers that can fit this task and class count (0 for regression).</summary>
    public static IEnumerable<ITrainer> For(ModelTask task, int classCount) =>
        Algorithms.Select(name => s_trainers[name]).Where(t => t.Unsupported(task, classCount) is null);
}
