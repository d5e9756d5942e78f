namespace Training.Worker.Trainers;

/// <summary>
/// One step of a trainer: an L-BFGS iteration, an MLP epoch or a boosting round. Losses are mean log loss for
/// classifiers and mean squared error (in target units) for regressors, without penalty terms; the validation
/// loss is null when no validation set was given.
/// </summary>
public readonly record struct TrainingProgress(string Algorithm, int Iteration, int MaxIterations, double TrainLoss, double? ValidationLoss);
