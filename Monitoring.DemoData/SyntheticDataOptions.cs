namespace Monitoring.DemoData;

public enum SyntheticDataset
{
    /// <summary>Binary classifier: "good" / "bad" credit risk.</summary>
    CreditRisk,

    /// <summary>Regressor: house price in thousands.</summary>
    HousePrices,
}

/// <summary>Which demo dataset to generate, how many rows and from which seed.</summary>
public sealed class SyntheticDataOptions
{
    public SyntheticDataset Dataset { get; set; } = SyntheticDataset.CreditRisk;

    public int Rows { get; set; } = 5_000;

    public int Seed { get; set; } = 42;

    /// <summary>Problems with the settings, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Dataset))
        {
            errors.Add($"{nameof(Dataset)} must be one of {string.Join(", ", Enum.GetNames<SyntheticDataset>())}.");
        }

        if (Rows < 1)
        {
            errors.Add($"{nameof(Rows)} must be at least 1 (was {Rows}).");
        }

        return errors;
    }
}
