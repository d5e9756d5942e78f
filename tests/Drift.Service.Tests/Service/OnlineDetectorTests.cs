extern alias drift;

using drift::Drift.Service.Feedback;

namespace Drift.Service.Tests.Service;

/// <summary>
/// Each online detector on seeded synthetic streams: it finds an injected change within a stated delay, and on a
/// stationary stream of the same length it raises drift on at most the stated share of seeds. The bounds are what was
/// measured over 50 seeds, with room; docs/drift-service.md lists the measured numbers.
/// </summary>
public sealed class OnlineDetectorTests
{
    private const int ChangeAt = 1000;
    private const int Length = 2000;
    private const int Seeds = 50;

    /// <summary>
    /// Detector, largest mean delay after the change (instances), most seeds that miss it, most seeds with a false
    /// alarm on the stationary stream (of 50). Measured (mean delay / missed / false alarms): DDM 54 / 0 / 19,
    /// EDDM 35 / 0 / 37, ADWIN 51 / 0 / 0, Page–Hinkley 124 / 0 / 0, KSWIN 84 / 6 / 0, HDDM_A 30 / 0 / 1. DDM and
    /// EDDM are known to be jumpy on a low, noisy error rate; ADWIN, Page–Hinkley and HDDM_A are the quiet ones.
    /// </summary>
    public static TheoryData<string, int, int, int> ErrorRateDetectors => new()
    {
        { "ddm", 150, 0, 25 },
        { "eddm", 100, 0, 42 },
        { "adwin", 100, 0, 2 },
        { "page_hinkley", 200, 0, 2 },
        { "kswin", 150, 9, 2 },
        { "hddm_a", 100, 0, 3 },
    };

    private static IOnlineDetector Create(string name) => new DetectorSetFactory().Create().Single(d => d.Name == name);

    /// <summary>Bernoulli errors: rate 0.1, then 0.5 from <see cref="ChangeAt"/> when <paramref name="change"/>.</summary>
    private static IEnumerable<double> Errors(int seed, bool change)
    {
        var random = new Random(seed);
        for (var t = 0; t < Length; t++)
        {
            var rate = change && t >= ChangeAt ? 0.5 : 0.1;
            yield return random.NextDouble() < rate ? 1 : 0;
        }
    }

    [Theory]
    [MemberData(nameof(ErrorRateDetectors))]
    public void An_error_rate_jump_is_found_within_the_stated_delay_and_stationary_streams_alarm_at_the_stated_rate(string name, int maxMeanDelay, int maxMissedSeeds, int maxFalseAlarmSeeds)
    {
        var delays = new List<int>();
        var falseAlarms = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var detector = Create(name);
            var t = 0;
            int? detectedAt = null;
            foreach (var error in Errors(seed, change: true))
            {
                var state = detector.Update(error);
                if (state == DetectorState.Drift && t >= ChangeAt && detectedAt is null)
                {
                    detectedAt = t;
                }

                t++;
            }

            delays.Add((detectedAt ?? Length) - ChangeAt);

            var quiet = Create(name);
            if (Errors(seed + 1000, change: false).Any(e => quiet.Update(e) == DetectorState.Drift))
            {
                falseAlarms++;
            }
        }

        var missed = delays.Count(d => d >= Length - ChangeAt);
        Assert.True(missed <= maxMissedSeeds, $"{name} missed the change on {missed} of {Seeds} seeds.");
        var meanDelay = delays.Where(d => d < Length - ChangeAt).DefaultIfEmpty(0).Average();
        Assert.True(meanDelay <= maxMeanDelay, $"{name}: mean delay {meanDelay:0} > {maxMeanDelay}.");
        Assert.True(falseAlarms <= maxFalseAlarmSeeds, $"{name}: false alarms on {falseAlarms} of {Seeds} stationary seeds.");
    }

    [Theory]
    [InlineData("page_hinkley")]
    [InlineData("adwin")]
    [InlineData("kswin")]
    public void A_shift_in_a_real_valued_stream_is_found(string name)
    {
        var random = new Random(3);
        var detector = Create(name);
        int? detectedAt = null;
        for (var t = 0; t < Length; t++)
        {
            var value = (t >= ChangeAt ? 3.0 : 0.0) + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            if (detector.Update(value) == DetectorState.Drift && t >= ChangeAt)
            {
                detectedAt ??= t;
            }
        }

        Assert.NotNull(detectedAt);
        Assert.True(detectedAt - ChangeAt <= 100, $"{name} found the shift after {detectedAt - ChangeAt} values.");
    }

    [Fact]
    public void Reset_returns_a_detector_to_its_initial_behaviour()
    {
        foreach (var detector in new DetectorSetFactory().Create())
        {
            var first = Errors(9, change: true).Select(detector.Update).ToList();
            detector.Reset();
            var again = Errors(9, change: true).Select(detector.Update).ToList();
            Assert.Equal(first, again);
        }
    }
}
