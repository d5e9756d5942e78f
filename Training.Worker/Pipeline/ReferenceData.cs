using Monitoring.Data.Csv;
using Monitoring.Data.Registry;
using Training.Worker.Data;

namespace Training.Worker.Pipeline;

/// <summary>The reference dataset of a configured model: a built-in demo dataset or the user's CSV.</summary>
internal static class ReferenceData
{
    public const string CreditRisk = "credit-risk";
    public const string HousePrices = "house-prices";
    public const string Csv = "csv";

    public static async Task<TabularDataset> LoadAsync(BootstrapModelOptions model, int seed, CancellationToken cancellationToken) => model.Dataset switch
    {
        CreditRisk => await Task.Run(() => SyntheticData.Create(SyntheticDataset.CreditRisk, model.Rows, seed), cancellationToken),
        HousePrices => await Task.Run(() => SyntheticData.Create(SyntheticDataset.HousePrices, model.Rows, seed), cancellationToken),
        Csv => await LoadCsvAsync(model, cancellationToken),
        _ => throw new TrainingRejectedException($"Unknown dataset '{model.Dataset}' for model '{model.Name}'; use {CreditRisk}, {HousePrices} or {Csv}."),
    };

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
