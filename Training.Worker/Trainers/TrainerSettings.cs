namespace Training.Worker.Trainers;

/// <summary>Hyperparameters of every trainer; each reads its own section. Call <see cref="Validate"/> before training.</summary>
public sealed class TrainerSettings
{
    /// <summary>Seeds every random choice (initial weights, shuffles), so equal settings and data give equal models.</summary>
    public int Seed { get; set; } = 42;

    public LinearModelSettings Linear { get; set; } = new();

    public MlpSettings Mlp { get; set; } = new();

    public GradientBoostingSettings GradientBoosting { get; set; } = new();

    public void Validate()
    {
        Linear.Validate();
        Mlp.Validate();
        GradientBoosting.Validate();
    }
}

/// <summary>Logistic, softmax and ridge regression, fitted by L-BFGS on the full batch.</summary>
public sealed class LinearModelSettings
{
    /// <summary>L2 penalty λ/2·‖w‖² added to the mean loss (intercepts are not penalized).</summary>
    public double L2 { get; set; } = 1e-3;

    public int MaxIterations { get; set; } = 200;

    /// <summary>Stop when the gradient's norm falls below this (relative to max(1, ‖w‖)).</summary>
    public double GradientTolerance { get; set; } = 1e-6;

    /// <summary>Past gradient pairs L-BFGS keeps.</summary>
    public int History { get; set; } = 10;

    internal void Validate()
    {
        Require(L2 >= 0 && double.IsFinite(L2), "Linear.L2 must be a finite number ≥ 0.");
        Require(MaxIterations > 0, "Linear.MaxIterations must be positive.");
        Require(GradientTolerance > 0, "Linear.GradientTolerance must be positive.");
        Require(History is > 0 and <= 100, "Linear.History must be in 1..100.");
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}

/// <summary>A small multilayer perceptron with ReLU hidden layers, trained by Adam on mini-batches.</summary>
public sealed class MlpSettings
{
    /// <summary>Units per hidden layer (one or two layers).</summary>
    public int[] HiddenLayers { get; set; } = [64, 32];

    public float LearningRate { get; set; } = 1e-3f;

    public int BatchSize { get; set; } = 128;

    public int MaxEpochs { get; set; } = 100;

    /// <summary>Epochs without a better validation loss before stopping; the best epoch's weights are kept.</summary>
    public int Patience { get; set; } = 8;

    /// <summary>L2 penalty on weights (not biases), applied as decoupled weight decay in Adam's update.</summary>
    public float L2 { get; set; } = 1e-5f;

    internal void Validate()
    {
        LinearModelSettings.Require(HiddenLayers is { Length: 1 or 2 } && HiddenLayers.All(units => units is > 0 and <= 4096), "Mlp.HiddenLayers must list one or two layer sizes in 1..4096.");
        LinearModelSettings.Require(LearningRate > 0 && float.IsFinite(LearningRate), "Mlp.LearningRate must be positive.");
        LinearModelSettings.Require(BatchSize > 0, "Mlp.BatchSize must be positive.");
        LinearModelSettings.Require(MaxEpochs > 0, "Mlp.MaxEpochs must be positive.");
        LinearModelSettings.Require(Patience > 0, "Mlp.Patience must be positive.");
        LinearModelSettings.Require(L2 >= 0 && float.IsFinite(L2), "Mlp.L2 must be a finite number ≥ 0.");
    }
}

/// <summary>Gradient-boosted regression trees on quantile-binned features (histogram splits).</summary>
public sealed class GradientBoostingSettings
{
    public int MaxTrees { get; set; } = 300;

    public double LearningRate { get; set; } = 0.1;

    public int MaxDepth { get; set; } = 6;

    public int MinSamplesPerLeaf { get; set; } = 20;

    /// <summary>Bins per feature (at most 256; one byte per value).</summary>
    public int MaxBins { get; set; } = 255;

    /// <summary>L2 penalty λ on leaf values: leaf = −G / (H + λ).</summary>
    public double L2 { get; set; } = 1.0;

    /// <summary>Minimum loss reduction for a split.</summary>
    public double MinSplitGain { get; set; } = 1e-6;

    /// <summary>Boosting rounds without a better validation loss before stopping (null: no early stopping).</summary>
    public int? EarlyStoppingRounds { get; set; } = 20;

    internal void Validate()
    {
        LinearModelSettings.Require(MaxTrees > 0, "GradientBoosting.MaxTrees must be positive.");
        LinearModelSettings.Require(LearningRate is > 0 and <= 1, "GradientBoosting.LearningRate must be in (0, 1].");
        LinearModelSettings.Require(MaxDepth is > 0 and <= 16, "GradientBoosting.MaxDepth must be in 1..16.");
        LinearModelSettings.Require(MinSamplesPerLeaf > 0, "GradientBoosting.MinSamplesPerLeaf must be positive.");
        LinearModelSettings.Require(MaxBins is >= 2 and <= 256, "GradientBoosting.MaxBins must be in 2..256.");
        LinearModelSettings.Require(L2 >= 0 && double.IsFinite(L2), "GradientBoosting.L2 must be a finite number ≥ 0.");
        LinearModelSettings.Require(MinSplitGain >= 0, "GradientBoosting.MinSplitGain must be ≥ 0.");
        LinearModelSettings.Require(EarlyStoppingRounds is null or > 0, "GradientBoosting.EarlyStoppingRounds must be positive when set.");
    }
}
