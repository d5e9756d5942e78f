extern alias training;

using training::Training.Worker.Trainers;

namespace Training.Worker.Tests.Trainers;

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<TrainingProgress>
{
    public List<TrainingProgress> Reports { get; } = [];

    public void Report(TrainingProgress value) => Reports.Add(value);
}
