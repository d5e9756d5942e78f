extern alias training;

using System.Diagnostics;
using System.Globalization;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;
using training::Training.Worker.Export;
using training::Training.Worker.Trainers;

// Manual benchmark: training time and memory per trainer on 100,000 rows × 20 features (16 numeric with 5% missing,
// 4 categorical). Each trainer runs in its own child process so peak working set is its own.
//   dotnet run -c Release --project tests/Training.Benchmarks              (all trainers)
//   dotnet run -c Release --project tests/Training.Benchmarks -- mlp binary [rows]      (binary | multiclass | regression)
const int DefaultRows = 100_000;
const int ValidationRows = 20_000;

if (args.Length >= 2)
{
    var rows = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : DefaultRows;
    RunOne(args[0], args[1], rows);
    return;
}

(string Algorithm, string Task)[] runs =
[
    (TrainerCatalog.LogisticRegression, "binary"),
    (TrainerCatalog.SoftmaxRegression, "multiclass"),
    (TrainerCatalog.LinearRegression, "regression"),
    (TrainerCatalog.Mlp, "binary"),
    (TrainerCatalog.Mlp, "multiclass"),
    (TrainerCatalog.Mlp, "regression"),
    (TrainerCatalog.GradientBoostedTrees, "binary"),
    (TrainerCatalog.GradientBoostedTrees, "multiclass"),
    (TrainerCatalog.GradientBoostedTrees, "regression"),
];

Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {DefaultRows:N0} training rows + {ValidationRows:N0} validation rows, 20 features");
Console.WriteLine("| trainer | task | steps | train s | train loss | validation loss | quality | allocated MB | peak working set MB | ONNX KB | parity max diff |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var (algorithm, task) in runs)
{
    using var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [algorithm, task, DefaultRows.ToString(CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
        UseShellExecute = false,
    })!;
    var output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    Console.Write(output);
}

static void RunOne(string algorithm, string task, int rows)
{
    var train = BenchmarkData.Create(task, rows, seed: 1);
    var validation = BenchmarkData.Create(task, ValidationRows, seed: 2);
    var trainer = TrainerCatalog.Get(algorithm);
    var settings = new TrainerSettings();

    GC.Collect();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var stopwatch = Stopwatch.StartNew();
    var model = trainer.Train(train, validation, settings);
    stopwatch.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    using var process = Process.GetCurrentProcess();
    process.Refresh();
    var peak = process.PeakWorkingSet64;

    var predictions = model.Predict(validation);
    var quality = model.Task == ModelTask.Classification
        ? $"accuracy {Enumerable.Range(0, validation.RowCount).Count(r => predictions.Label(r) == validation.Labels![r]) / (double)validation.RowCount:F3}"
        : $"R² {RSquared(predictions.Values!, validation.Values!):F3}";
    var onnx = model.ExportOnnx();
    var parity = OnnxParityCheck.Verify(onnx, model, validation);
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {algorithm} | {task} | {model.Iterations} | {stopwatch.Elapsed.TotalSeconds:F2} | {model.TrainLoss:G4} | {model.ValidationLoss:G4} | {quality} | {allocated / 1e6:F0} | {peak / 1e6:F0} | {onnx.Length / 1e3:F0} | {parity:G2} |"));
}

static double RSquared(double[] predicted, double[] actual)
{
    var mean = actual.Average();
    double residual = 0, total = 0;
    for (var i = 0; i < actual.Length; i++)
    {
        residual += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
        total += (actual[i] - mean) * (actual[i] - mean);
    }

    return 1 - (residual / total);
}

/// <summary>20 features: 16 numeric (5% missing), 4 categorical with 3–9 levels; classes or a value from a non-linear score.</summary>
internal static class BenchmarkData
{
    private const int Numeric = 16;
    private const int Categorical = 4;

    /// <summary><paramref name="task"/>: binary, multiclass or regression.</summary>
    public static TabularDataset Create(string task, int rows, int seed)
    {
        var random = new Random(seed);
        var schema = new FeatureSchema(
        [
            .. Enumerable.Range(0, Numeric).Select(i => new FeatureDefinition($"n{i}", FeatureType.Numeric)),
            .. Enumerable.Range(0, Categorical).Select(i => new FeatureDefinition($"c{i}", FeatureType.Categorical)),
        ]);
        var numeric = Enumerable.Range(0, Numeric).Select(_ => new double[rows]).ToArray();
        var categorical = Enumerable.Range(0, Categorical).Select(_ => new string?[rows]).ToArray();
        var labels = new string[rows];
        var values = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double score = 0;
            for (var f = 0; f < Numeric; f++)
            {
                var x = (2 * random.NextDouble()) - 1;
                numeric[f][r] = random.NextDouble() < 0.05 ? double.NaN : x;
                score += f < 8 ? (f % 2 == 0 ? 1 : -1) * x / (1 + (f / 2)) : 0;
            }

            score += numeric[0][r] is var first && !double.IsNaN(first) ? Math.Sin(3 * first) : 0;
            for (var c = 0; c < Categorical; c++)
            {
                var level = random.Next(3 + c + c);
                categorical[c][r] = random.NextDouble() < 0.02 ? null : $"level{level}";
                score += c == 0 ? (level - 1) * 0.4 : 0;
            }

            score += 0.3 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            labels[r] = task == "binary" ? (score > 0.2 ? "yes" : "no") : score > 0.6 ? "high" : score > -0.4 ? "medium" : "low";
            values[r] = 100 + (25 * score);
        }

        IReadOnlyList<double[]?> numericColumns = [.. numeric, .. Enumerable.Repeat<double[]?>(null, Categorical)];
        IReadOnlyList<string?[]?> categoricalColumns = [.. Enumerable.Repeat<string?[]?>(null, Numeric), .. categorical];
        return task == "regression"
            ? new TabularDataset(schema, numericColumns, categoricalColumns, ModelTask.Regression, null, values)
            : new TabularDataset(schema, numericColumns, categoricalColumns, ModelTask.Classification, labels, null);
    }
}
