using System.ComponentModel.DataAnnotations;

namespace Training.Worker;

/// <summary>Settings of the training worker, section <c>Training</c>.</summary>
public sealed class TrainingWorkerOptions
{
    public const string Section = "Training";

    /// <summary>Bearer key for admin routes (queue a job). Unset: admin routes are closed.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>This worker's name in job leases; defaults to host name and process id.</summary>
    public string? WorkerId { get; set; }

    /// <summary>How long a claimed job stays this worker's without a renewal.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the queue is looked at when it was empty.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait before the first retry of a failed attempt; doubles with each attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts a job gets before it fails for good.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>False: this instance serves the API but claims no jobs.</summary>
    public bool ProcessJobs { get; set; } = true;

    /// <summary>Logged predictions with feedback from this far back join the reference data for a retrain.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan FeedbackWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How much the candidate must beat the champion's primary metric by to be promoted.</summary>
    [Range(0.0, 1.0)]
    public double PromotionMargin { get; set; } = 0.0;

    /// <summary>
    /// The gate compares candidate and champion on the logged traffic's share of the holdout (the data the model
    /// will see next) once it holds at least this many rows, else on the whole holdout. 0 always uses the whole holdout.
    /// </summary>
    [Range(0, 1_000_000)]
    public int RecentHoldoutMinRows { get; set; } = 100;

    /// <summary>Seed of the train/validation/holdout split and of the trainers.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Retrain every model with a champion this often (trigger <c>schedule</c>); unset: no schedule.</summary>
    public TimeSpan? ScheduleInterval { get; set; }

    /// <summary>Models trained at start from a built-in or CSV dataset when they have no champion.</summary>
    public List<BootstrapModelOptions> Bootstrap { get; set; } = [];

    /// <summary>Online SGD updates of logistic and softmax regression champions, section <c>Training:Online</c>.</summary>
    public OnlineUpdateOptions Online { get; set; } = new();
}

/// <summary>
/// Online updates: matched feedback applied as SGD steps to a copy of a logistic or softmax regression champion, the
/// copy gated as a candidate every <see cref="UpdatesPerCandidate"/> steps. Checked at start by
/// <see cref="Validate"/>, whose messages name the setting.
/// </summary>
public sealed class OnlineUpdateOptions
{
    public const string Section = TrainingWorkerOptions.Section + ":Online";

    /// <summary>False: no online updates (retrains still run).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>SGD steps (one per feedback row of the train part) between two candidates.</summary>
    public int UpdatesPerCandidate { get; set; } = 1000;

    /// <summary>Step size η of <c>w ← w − η·(∇loss + L2·w)</c>, on standardized features.</summary>
    public double LearningRate { get; set; } = 0.02;

    /// <summary>How often new feedback is looked for.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Feedback is read only once it is this old (by its <c>received_at</c>), so rows a slower transaction commits
    /// late with an earlier time are not passed over by the watermark.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most feedback rows per model read ahead and held in memory, waiting for their step.</summary>
    public int MaxBuffer { get; set; } = 10_000;

    /// <summary>The problems of these settings, each naming its setting; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> problems = [];
        if (UpdatesPerCandidate is < 1 or > 10_000_000)
        {
            problems.Add($"{Section}:{nameof(UpdatesPerCandidate)} must be in 1..10000000 (was {UpdatesPerCandidate}).");
        }

        if (!(LearningRate > 0 && LearningRate <= 10))
        {
            problems.Add($"{Section}:{nameof(LearningRate)} must be greater than 0 and at most 10 (was {LearningRate}).");
        }

        if (PollInterval < TimeSpan.FromMilliseconds(50) || PollInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:{nameof(PollInterval)} must be between 00:00:00.050 and 01:00:00 (was {PollInterval}).");
        }

        if (SettleDelay < TimeSpan.Zero || SettleDelay > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:{nameof(SettleDelay)} must be between 00:00:00 and 01:00:00 (was {SettleDelay}).");
        }

        if (MaxBuffer is < 1 or > 10_000_000)
        {
            problems.Add($"{Section}:{nameof(MaxBuffer)} must be in 1..10000000 (was {MaxBuffer}).");
        }

        return problems;
    }
}

/// <summary>A model the worker makes sure exists: trained from <see cref="Dataset"/> when it has no champion.</summary>
public sealed class BootstrapModelOptions
{
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary><c>credit-risk</c> or <c>house-prices</c> (built-in synthetic data), or <c>csv</c> with <see cref="CsvPath"/>.</summary>
    [Required]
    public string Dataset { get; set; } = DemoDatasets.CreditRiskName;

    /// <summary>Rows generated for a built-in dataset.</summary>
    [Range(100, 10_000_000)]
    public int Rows { get; set; } = 20_000;

    /// <summary>A user's CSV file (header row) for <c>Dataset = csv</c>.</summary>
    public string? CsvPath { get; set; }

    /// <summary>The target column of the CSV.</summary>
    public string? Target { get; set; }

    /// <summary><c>classification</c> or <c>regression</c> for a CSV (built-in datasets know theirs).</summary>
    public string? Task { get; set; }

    /// <summary>Trainer; empty for the task's default.</summary>
    public string? Algorithm { get; set; }
}
