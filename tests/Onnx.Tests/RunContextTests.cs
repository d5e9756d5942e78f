using Onnx.Runtime;

namespace Onnx.Tests;

public sealed class RunContextTests
{
    [Fact]
    public void Hot_path_matches_the_general_run()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());
        using RunContext context = session.CreateRunContext(batchSize: 4);
        float[] x = [.. Enumerable.Range(0, 80).Select(i => MathF.Sin(i))];

        x.CopyTo(context.GetInput<float>("input"));
        context.Run();

        RunResult expected = session.Run(("input", OnnxTensor.Create(x, 4, 20)));
        Assert.Equal(expected.GetTensor("probabilities").GetArray<float>(), context.GetOutput<float>("probabilities").ToArray());
        Assert.Equal(expected.GetTensor("label").GetArray<long>(), context.GetOutput<long>("label").ToArray());
    }

    [Fact]
    public void Hot_path_allocates_nothing_managed_per_run()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier(), new SessionOptions { IntraOpThreads = 1 });
        using RunContext context = session.CreateRunContext(batchSize: 1);
        for (int i = 0; i < 100; i++)
        {
            RunOnce(context, i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        float checksum = 0;
        for (int i = 0; i < 2_000; i++)
        {
            checksum += RunOnce(context, i);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(2_000, checksum, 0.01f);
    }

    private static float RunOnce(RunContext context, int i)
    {
        Span<float> input = context.GetInput<float>(0);
        input.Fill(i * 0.001f);
        context.Run();
        ReadOnlySpan<float> probabilities = context.GetOutput<float>(1);
        float sum = 0;
        foreach (float p in probabilities)
        {
            sum += p;
        }

        return sum + context.GetOutput<long>(0)[0] * 0;
    }

    [Fact]
    public void Outputs_ort_allocates_such_as_zipmap_are_readable_after_each_run()
    {
        string path = TestModels.TabularModel("skl_logreg_iris_zipmap");
        InferenceSessionTests.SkipIfMissing(path);
        using var session = new InferenceSession(path);
        using RunContext context = session.CreateRunContext(batchSize: 2);
        float[][] batches = [[5.4f, 3.3f, 6.5f, 2.8f], [6.6f, 2.6f, 5f, 3.4f]];

        foreach (float[] batch in batches)
        {
            batch.CopyTo(context.GetInput<float>(0));
            context.Run();

            RunResult expected = session.Run((session.Inputs[0].Name, OnnxTensor.Create(batch, 2, 2)));
            Assert.Equal(expected.GetTensor("output_label").GetArray<long>(), context.GetOutput<long>("output_label").ToArray());
            var zipMap = Assert.IsType<OnnxSequence>(context.GetOutputValue(1));
            TensorAssert.Equal(expected["output_probability"], zipMap, 0, 0, "output_probability");
            Assert.Equal(3, zipMap.ToDictionaries<long, float>()[0].Count);
        }
    }

    [Fact]
    public void Without_preallocated_outputs_ort_allocates_them_each_run()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());
        using RunContext context = session.CreateRunContext(batchSize: 3, preallocateOutputs: false);
        Assert.Throws<InvalidOperationException>(() => context.GetOutput<float>(1).Length);

        for (int run = 0; run < 3; run++)
        {
            context.GetInput<float>(0).Fill(run);
            context.Run();
            RunResult expected = session.Run(("input", OnnxTensor.Create(Enumerable.Repeat((float)run, 60).ToArray(), 3, 20)));
            Assert.Equal(expected.GetTensor("probabilities").GetArray<float>(), context.GetOutput<float>(1).ToArray());
            TensorAssert.Equal(expected[0], context.GetOutputValue(0), 0, 0, "label");
        }
    }

    [Fact]
    public void Reading_an_output_as_the_wrong_type_throws()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());
        using RunContext context = session.CreateRunContext(batchSize: 1);
        context.Run();

        Assert.Throws<InvalidOperationException>(() => context.GetOutput<double>("probabilities").Length);
        Assert.Throws<InvalidOperationException>(() => context.GetInput<int>(0).Length);
        Assert.Throws<ArgumentException>(() => context.GetInput<float>("nope").Length);
    }

    [Fact]
    public void String_inputs_are_not_supported_on_the_hot_path()
    {
        using var session = new InferenceSession(TestModels.IdentityModel(TensorElementType.String));
        Assert.Throws<NotSupportedException>(() => session.CreateRunContext(1));
    }

    [Fact]
    public void Pool_hands_out_contexts_to_concurrent_callers()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());
        using var pool = new RunContextPool(session, batchSize: 1);
        float[] reference = session.Run(("input", OnnxTensor.Create(Enumerable.Repeat(0.25f, 20).ToArray(), 1, 20))).GetTensor("probabilities").GetArray<float>();

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            RunContext context = pool.Rent();
            try
            {
                context.GetInput<float>(0).Fill(0.25f);
                context.Run();
                Assert.Equal(reference, context.GetOutput<float>(1).ToArray());
            }
            finally
            {
                pool.Return(context);
            }
        });
    }
}
