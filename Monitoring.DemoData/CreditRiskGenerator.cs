using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Monitoring.DemoData;

/// <summary>Loan applicants and whether they turned out "bad"; see docs/datasets.md.</summary>
internal sealed class CreditRiskGenerator : SyntheticGenerator
{
    public const string Good = "good";
    public const string Bad = "bad";

    private const int Age = 0;
    private const int Income = 1;
    private const int DebtToIncome = 2;
    private const int CreditHistoryMonths = 3;
    private const int OpenAccounts = 4;
    private const int LoanAmount = 5;
    private const int LatePayments = 6;
    private const int Employment = 7;
    private const int HomeOwnership = 8;
    private const int Purpose = 9;

    // Tuned so that about 27% of reference applicants are bad, and about as many under full concept drift.
    private const double Intercept = -1.55;
    private const double EffectScale = 1.6;

    // Reversing the skewed effects lowers the bad rate; this offset (at full strength) restores it, so concept drift
    // changes who is bad, not how many.
    private const double ConceptCompensation = 0.8;

    public static readonly FeatureSchema FeatureSchema = new(
    [
        new("age", FeatureType.Numeric),
        new("income", FeatureType.Numeric),
        new("debt_to_income", FeatureType.Numeric),
        new("credit_history_months", FeatureType.Numeric),
        new("open_accounts", FeatureType.Numeric),
        new("loan_amount", FeatureType.Numeric),
        new("late_payments_2y", FeatureType.Numeric),
        new("employment", FeatureType.Categorical),
        new("home_ownership", FeatureType.Categorical),
        new("purpose", FeatureType.Categorical),
    ]);

    private static readonly double[] s_missingRates = [0, 0.03, 0, 0.02, 0, 0, 0.04, 0, 0.03, 0];

    private static readonly string[] s_employment = ["salaried", "self_employed", "unemployed", "retired"];
    private static readonly double[] s_employmentWorkingAge = [0.70, 0.18, 0.10, 0.02];
    private static readonly double[] s_employmentOlder = [0.22, 0.08, 0.02, 0.68];

    private static readonly string[] s_homeOwnership = ["rent", "mortgage", "own"];

    private static readonly string[] s_purpose = ["car", "home_improvement", "debt_consolidation", "education", "business", "other"];
    private static readonly double[] s_purposeWeights = [0.22, 0.18, 0.30, 0.10, 0.08, 0.12];

    private static readonly Lazy<double[]> s_referenceStdDevs = new(() => ReferenceStdDevs(new CreditRiskGenerator(DriftScenario.None)));

    public CreditRiskGenerator(DriftScenario scenario)
        : base(FeatureSchema, s_missingRates, scenario, () => s_referenceStdDevs.Value)
    {
    }

    public override ModelTask Task => ModelTask.Classification;

    /// <summary>The true probability of "bad" behind the last drawn row: the best any model can score.</summary>
    internal double LastBadProbability { get; private set; }

    private protected override bool IsPositive(string? label, double value) => label == Bad;

    private protected override void Draw(Random random, double[] numeric, string?[] categorical, out string? label, out double value)
    {
        var age = Math.Round(Shifted(Age, Math.Clamp(42 + (13 * Gaussian(random)), 18, 85)));
        age = Math.Max(age, 18);

        var employment = Pick(random, Employment, s_employment, age >= 62 ? s_employmentOlder : s_employmentWorkingAge);

        var incomeMedian = employment switch
        {
            "unemployed" => 14.0,
            "retired" => 30.0,
            "self_employed" => 52.0,
            _ => 48.0,
        } * Math.Exp(0.012 * (Math.Min(age, 55) - 40));
        var income = Math.Round(Shifted(Income, Math.Clamp(LogNormal(random, incomeMedian, 0.45), 5, 400)), 1);
        income = Math.Max(income, 1);

        var debtToIncome = Math.Round(Shifted(DebtToIncome, Math.Clamp(LogNormal(random, 0.28, 0.55), 0.01, 1.5)), 3);
        debtToIncome = Math.Max(debtToIncome, 0);

        var creditHistory = Math.Round(Shifted(CreditHistoryMonths, (age - 18) * 12 * (0.3 + (0.7 * random.NextDouble()))));
        creditHistory = Math.Max(creditHistory, 0);

        var openAccounts = Math.Max(0, Math.Round(Shifted(OpenAccounts, Math.Min(25, Poisson(random, 1 + (creditHistory / 60))))));

        var loanAmount = Math.Round(Shifted(LoanAmount, Math.Clamp(LogNormal(random, 0.3 * income, 0.6), 1, 200)), 1);
        loanAmount = Math.Max(loanAmount, 0.5);

        var latePayments = Math.Max(0, Math.Round(Shifted(LatePayments, Poisson(random, 0.35 + (0.8 * Math.Max(0, debtToIncome - 0.4))))));

        var ownShare = 0.05 + (0.5 * Math.Clamp((age - 18) / 67, 0, 1));
        var homeOwnership = Pick(random, HomeOwnership, s_homeOwnership, [0.95 - 0.35 - ownShare, 0.35, ownShare]);

        var purpose = Pick(random, Purpose, s_purpose, s_purposeWeights);

        // A nonlinear logit (the true model's ROC AUC is about 0.89): U-shaped in age, log income, loan-to-income ratio, an unemployment interaction.
        var concept = ConceptFactor;
        var z = Intercept + ((1 - concept) * ConceptCompensation / 2) + (EffectScale * (
            (concept * 3.0 * (debtToIncome - 0.3))
            + (0.75 * latePayments)
            - (concept * 0.7 * Math.Log(income / 45))
            + (2.0 * ((loanAmount / income) - 0.3))
            + (0.0008 * (age - 45) * (age - 45))
            - (0.4 * Math.Log(1 + (creditHistory / 12)))
            + employment switch
            {
                "unemployed" => 1.3 + (1.0 * debtToIncome),
                "self_employed" => 0.35,
                "retired" => 0.2,
                _ => 0,
            }
            + homeOwnership switch
            {
                "rent" => 0.3,
                "own" => -0.3,
                _ => 0,
            }
            + (concept * purpose switch
            {
                "business" => 0.6,
                "debt_consolidation" => 0.35,
                "education" => 0.25,
                "car" => -0.1,
                "home_improvement" => -0.2,
                _ => 0,
            })));

        numeric[Age] = age;
        numeric[Income] = income;
        numeric[DebtToIncome] = debtToIncome;
        numeric[CreditHistoryMonths] = creditHistory;
        numeric[OpenAccounts] = openAccounts;
        numeric[LoanAmount] = loanAmount;
        numeric[LatePayments] = latePayments;
        categorical[Employment] = employment;
        categorical[HomeOwnership] = homeOwnership;
        categorical[Purpose] = purpose;

        LastBadProbability = Sigmoid(z);
        label = random.NextDouble() < LastBadProbability ? Bad : Good;
        value = double.NaN;
    }
}
