using BenchmarkDotNet.Running;

namespace Predictor.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/Predictor.Benchmarks</c> runs the per-step BenchmarkDotNet benchmarks
/// (BenchmarkDotNet arguments such as <c>--filter *Inspection*</c> pass through). Two measurements that need a real
/// PostgreSQL and CPU time rather than wall time have their own modes:
/// <c>-- copy [rows]</c> (client CPU per row of one binary COPY, before and after) and
/// <c>-- pipeline [seconds] [rows/s] [rounds]</c> (writer-side CPU per row of the whole logging pipeline at a paced rate).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "copy":
                await CopyMeasurement.RunAsync(
                    args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
                    args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000);
                return 0;
            case "pipeline":
                await PipelineMeasurement.RunAsync(args.Skip(1).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length > 0 ? args : ["--filter", "*"]);
                return 0;
        }
    }
}
