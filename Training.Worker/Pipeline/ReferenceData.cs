using Monitoring.Data.Csv;
using Monitoring.Data.Registry;
using Training.Worker.Data;

namespace Training.Worker.Pipeline;

/// <summary>The reference dataset of a configured model: a built-in demo dataset or the user's CSV.</summary>
internal static class ReferenceData
{
    public const string Csv = "csv";

    /// <summary>A built-in dataset's name, or <see cref="Csv"/> with a path and a target.</summary>
    public static bool IsValid(BootstrapModelOptions model) =>
        DemoDatasets.FromName(model.Dataset) is not null
        || (model.Dataset == Csv && !string.IsNullOrWhiteSpace(model.CsvPath) && !string.IsNullOrWhiteSpace(model.Target));

    public static async Task<TabularDataset> LoadAsync(BootstrapModelOptions model, int seed, CancellationToken cancellationToken) =>
        DemoDatasets.FromName(model.Dataset) is { } demo
            ? await Task.Run(() => SyntheticData.Create(demo, model.Rows, seed), cancellationToken)
            : model.Dataset == Csv
                ? await LoadCsvAsync(model, cancellationToken)
                : throw new TrainingRejectedException($"Unknown dataset '{model.Dataset}' for model '{model.Name}'; use {DemoDatasets.CreditRiskName}, {DemoDatasets.HousePricesName} or {Csv}.");

    private static async Task<TabularDataset> LoadCsvAsync(BootstrapModelOptions model, CancellationToken cancellationToken)
    {
        if (!File.Exists(model.CsvPath))
        {
            throw new TrainingRejectedException($"The CSV of model '{model.Name}' was not found at '{model.CsvPath}'.");
        }

        if (!Enum.TryParse<ModelTask>(model.Task, ignoreCase: true, out var task))
        {
            throw new TrainingRejectedException($"Model '{model.Name}' reads a CSV: set its Task to classification or regression.");
        }

        try
        {
            return await CsvDataset.ReadAsync(model.CsvPath!, new CsvReadOptions { TargetColumn = model.Target!, Task = task }, cancellationToken);
        }
        catch (CsvFormatException exception)
        {
            throw new TrainingRejectedException($"The CSV of model '{model.Name}' cannot be read: {exception.Message}");
        }
    }
}
