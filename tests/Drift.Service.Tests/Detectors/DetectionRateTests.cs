extern alias drift;

using drift::Drift.Service.Detectors;

namespace Drift.Service.Tests.Detectors;

/// <summary>
/// Each detector with its defaults on 100 seeded streams of 2,000 values with a change at value 1,000, and on 100
/// stationary streams of the same length. Error streams: Bernoulli errors at rate 0.1, then 0.5. Real-valued streams:
/// normal with sd 0.1 and mean 0.3, then 0.6. The bounds are the measured values (docs/drift.md) with some margin.
/// </summary>
public sealed class DetectionRateTests
{
    private const int Seeds = 100;
    private const int Length = 2000;
    private const int ChangeAt = 1000;

    public static TheoryData<string, bool, int, int, int> Expectations => new()
    {
        // name, real-valued, largest delay after the change (all seeds must detect), stationary streams with any
        // drift (at most), drifts raised over all stationary streams (at most).
        { "ddm", false, 400, 60, 120 },
        { "eddm", false, 150, 95, 250 },
        { "hddm_a", false, 120, 3, 3 },
        { "adwin", false, 120, 2, 2 },
        { "adwin", true, 100, 2, 2 },
        { "page_hinkley", false, 250, 2, 2 },
        { "page_hinkley", true, 250, 2, 2 },
        { "kswin", true, 100, Seeds, 400 },
    };

    [Theory]
    [MemberData(nameof(Expectations))]
    public void Detector_finds_the_injected_change_within_its_delay_and_stays_within_its_false_alarm_bound(
        string name, bool realValued, int maximumDelay, int maximumAlarmedStreams, int maximumAlarms)
    {
        var run = Run(name, realValued);

        Assert.True(run.Missed == 0, $"{name}: {run.Missed} of {Seeds} streams never flagged the change.");
        Assert.True(run.MaximumDelay <= maximumDelay, $"{name}: largest delay {run.MaximumDelay} > {maximumDelay}.");
        Assert.True(run.AlarmedStreams <= maximumAlarmedStreams, $"{name}: {run.AlarmedStreams} stationary streams alarmed (bound {maximumAlarmedStreams}).");
        Assert.True(run.Alarms <= maximumAlarms, $"{name}: {run.Alarms} drifts on stationary streams (bound {maximumAlarms}).");
    }

    [Fact]
    public void Kswin_on_binary_errors_is_quiet_but_misses_some_changes()
    {
        // A KS test on 0/1 values sees only the share of ones, so it is conservative: no false alarms, some misses.
        var run = Run("kswin", realValued: false);

        Assert.Equal(0, run.AlarmedStreams);
        Assert.InRange(run.Missed, 0, 30);
    }

    internal static DetectionRun Run(string name, bool realValued)
    {
        var delays = new List<int>();
        int missed = 0, alarmedStreams = 0, alarms = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var detector = DriftDetectorFactory.Create(name, seed)!;
            var random = new Random(seed);
            int? delay = null;
            for (var t = 0; t < Length; t++)
            {
                var state = detector.Update(Value(random, realValued, changed: t >= ChangeAt));
                if (state == DriftState.Drift && t >= ChangeAt)
                {
                    delay ??= t - ChangeAt;
                }
            }

            if (delay is { } found)
            {
                delays.Add(found);
            }
            else
            {
                missed++;
            }

            var stationary = DriftDetectorFactory.Create(name, seed)!;
            random = new Random(seed + 100_000);
            var streamAlarms = 0;
            for (var t = 0; t < Length; t++)
            {
                streamAlarms += stationary.Update(Value(random, realValued, changed: false)) == DriftState.Drift ? 1 : 0;
            }

            alarms += streamAlarms;
            alarmedStreams += streamAlarms > 0 ? 1 : 0;
        }

        return new DetectionRun(missed, delays.Count == 0 ? int.MaxValue : delays.Max(), alarmedStreams, alarms);
    }

    internal static double Value(Random random, bool realValued, bool changed)
    {
        if (!realValued)
        {
            return random.NextDouble() < (changed ? 0.5 : 0.1) ? 1 : 0;
        }

        var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return (changed ? 0.6 : 0.3) + (0.1 * gaussian);
    }

    internal sealed record DetectionRun(int Missed, int MaximumDelay, int AlarmedStreams, int Alarms);
}
