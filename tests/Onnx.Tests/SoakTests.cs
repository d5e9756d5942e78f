using System.Diagnostics;
using Onnx.Runtime;

namespace Onnx.Tests;

/// <summary>Tests that measure process memory run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(MemoryMeasuringTests), DisableParallelization = true)]
public sealed class MemoryMeasuringTests;

[Collection(nameof(MemoryMeasuringTests))]
public sealed class SoakTests
{
    private const int Threads = 4;
    private const int TotalRuns = 200_000;
    private const int WarmUpRunsPerThread = 5_000;

    /// <summary>Growth of process private memory allowed between warm-up and the end of the soak.</summary>
    private const long MemoryBoundBytes = 32L * 1024 * 1024;

    [Fact]
    public void Two_hundred_thousand_runs_from_four_threads_keep_memory_bounded()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier(), new SessionOptions { IntraOpThreads = 1 });
        int runsPerThread = TotalRuns / Threads;
        using var warmedUp = new Barrier(Threads + 1);
        using var measured = new Barrier(Threads + 1);
        long completed = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var workers = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            try
            {
                using RunContext context = session.CreateRunContext(batchSize: 1);
                for (int run = 0; run < runsPerThread; run++)
                {
                    if (run == WarmUpRunsPerThread)
                    {
                        warmedUp.SignalAndWait();
                        measured.SignalAndWait();
                    }

                    float value = (thread * runsPerThread + run) % 1000 * 0.001f;
                    float sum;
                    if (run % 16 == 0)
                    {
                        // Every 16th run goes through the general, marshalling path.
                        float[] x = new float[20];
                        Array.Fill(x, value);
                        sum = session.Run(("input", OnnxTensor.Create(x, 1, 20))).GetTensor("probabilities").GetArray<float>().Sum();
                    }
                    else
                    {
                        context.GetInput<float>(0).Fill(value);
                        context.Run();
                        sum = 0;
                        foreach (float p in context.GetOutput<float>(1))
                        {
                            sum += p;
                        }
                    }

                    if (Math.Abs(sum - 1) > 1e-5)
                    {
                        throw new InvalidOperationException($"Probabilities sum to {sum}.");
                    }

                    Interlocked.Increment(ref completed);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
                warmedUp.RemoveParticipant();
                measured.RemoveParticipant();
            }
        })).ToArray();

        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        CancellationToken cancellation = TestContext.Current.CancellationToken;
        warmedUp.SignalAndWait(cancellation);
        long afterWarmUp = PrivateMemory();
        measured.SignalAndWait(cancellation);

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        long atEnd = PrivateMemory();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Private memory after warm-up {afterWarmUp / 1024} KiB, at end {atEnd / 1024} KiB, growth {(atEnd - afterWarmUp) / 1024} KiB.");
        Assert.Empty(failures);
        Assert.Equal(TotalRuns, Interlocked.Read(ref completed));
        Assert.True(
            atEnd - afterWarmUp < MemoryBoundBytes,
            $"Private memory grew by {(atEnd - afterWarmUp) / 1024 / 1024} MiB after warm-up (bound {MemoryBoundBytes / 1024 / 1024} MiB).");
    }

    private static long PrivateMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.PrivateMemorySize64;
    }
}

[Collection(nameof(MemoryMeasuringTests))]
public sealed class ErrorPathTests
{
    private const long MemoryBoundBytes = 16L * 1024 * 1024;

    [Fact]
    public void Rejected_runs_and_failed_loads_release_what_they_created()
    {
        using var session = new InferenceSession(TestModels.IdentityModel(TensorElementType.Float, TensorElementType.String));
        byte[] garbage = [0x0a, 0xff, 0xff, 0xff, 0x0f];
        FailAll(session, garbage, 500);
        long before = PrivateMemory();

        FailAll(session, garbage, 10_000);

        long growth = PrivateMemory() - before;
        Assert.True(growth < MemoryBoundBytes, $"Private memory grew by {growth / 1024} KiB over 10,000 failing calls.");
    }

    private static void FailAll(InferenceSession session, byte[] garbage, int count)
    {
        for (int i = 0; i < count; i++)
        {
            // Input values (including a string tensor) are created, then the run is rejected.
            Assert.Throws<OnnxRuntimeException>(() => session.Run(
                [new("in_Float", OnnxTensor.Create(new float[64], 8, 8)), new("in_String", OnnxTensor.CreateString(["x", "y"], 2)), new("bogus", OnnxTensor.Create(new float[1], 1))]));
            if (i % 20 == 0)
            {
                Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(garbage));
            }
        }
    }

    private static long PrivateMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.PrivateMemorySize64;
    }
}
