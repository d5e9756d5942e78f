using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests;

public sealed class InferenceSessionTests
{
    [Fact]
    public void Loads_from_file_and_from_bytes_with_the_same_signature()
    {
        string path = TestModels.TabularModel("torch_mlp_iris");
        SkipIfMissing(path);

        using var fromFile = new InferenceSession(path);
        using var fromBytes = new InferenceSession(File.ReadAllBytes(path));

        Assert.Equal(fromFile.Inputs.Select(i => i.ToString()), fromBytes.Inputs.Select(i => i.ToString()));
        Assert.Equal(fromFile.Outputs.Select(i => i.ToString()), fromBytes.Outputs.Select(i => i.ToString()));
    }

    [Fact]
    public void Reports_symbolic_dimensions_and_element_types()
    {
        string path = TestModels.TabularModel("torch_mlp_iris");
        SkipIfMissing(path);
        using var session = new InferenceSession(path);

        NodeMetadata input = Assert.Single(session.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxValueType.Tensor, input.Type.ValueType);
        Assert.Equal(TensorElementType.Float, input.Type.ElementType);
        Assert.Equal([-1L, 4L], input.Type.Shape);
        Assert.Equal(["batch_size", ""], input.Type.SymbolicDimensions);
        Assert.Equal([-1L, 3L], Assert.Single(session.Outputs).Type.Shape);
    }

    [Fact]
    public void Reports_zipmap_outputs_as_sequences_of_maps()
    {
        string path = TestModels.TabularModel("skl_decisiontree_strlabels_9in");
        SkipIfMissing(path);
        using var session = new InferenceSession(path);

        Assert.Equal(9, session.Inputs.Count);
        NodeMetadata label = session.Outputs[0];
        Assert.Equal(TensorElementType.String, label.Type.ElementType);
        OnnxTypeInfo zipMap = session.Outputs[1].Type;
        Assert.Equal(OnnxValueType.Sequence, zipMap.ValueType);
        Assert.Equal(OnnxValueType.Map, zipMap.ElementOrValueType!.ValueType);
        Assert.Equal(TensorElementType.String, zipMap.ElementOrValueType.MapKeyType);
        Assert.Equal(TensorElementType.Float, zipMap.ElementOrValueType.ElementOrValueType!.ElementType);
        Assert.Equal("seq(map(String,tensor(Float)[]))", zipMap.ToString());
    }

    [Fact]
    public void Reads_model_metadata()
    {
        string path = TestModels.TabularModel("skl_linear_regressor");
        SkipIfMissing(path);
        using var session = new InferenceSession(path);

        Assert.Equal("skl2onnx", session.ModelMetadata.ProducerName);
        Assert.Equal("ai.onnx", session.ModelMetadata.Domain);
        Assert.NotNull(session.ModelMetadata.CustomMetadata);
    }

    [Fact]
    public void Model_without_custom_metadata_has_an_empty_map()
    {
        var model = new ModelProto();
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        model.Graph.Nodes.Add(new NodeProto("Identity", ["x"], ["y"]));
        model.Graph.Inputs.Add(new ValueInfoProto("x", TypeProto.Tensor(TensorElementType.Float, 1)));
        model.Graph.Outputs.Add(new ValueInfoProto("y", TypeProto.Tensor(TensorElementType.Float, 1)));
        using var session = new InferenceSession(model.ToByteArray());

        Assert.Empty(session.ModelMetadata.CustomMetadata);
        Assert.Equal(string.Empty, session.ModelMetadata.Description);
    }

    [Theory]
    [InlineData(1, 1, GraphOptimizationLevel.DisableAll, ExecutionMode.Sequential)]
    [InlineData(2, 2, GraphOptimizationLevel.Basic, ExecutionMode.Parallel)]
    [InlineData(0, 0, GraphOptimizationLevel.Extended, ExecutionMode.Sequential)]
    [InlineData(1, 0, GraphOptimizationLevel.All, ExecutionMode.Parallel)]
    public void Session_options_are_accepted_and_results_do_not_change(int intraOp, int interOp, GraphOptimizationLevel level, ExecutionMode mode)
    {
        var options = new SessionOptions { IntraOpThreads = intraOp, InterOpThreads = interOp, GraphOptimizationLevel = level, ExecutionMode = mode };
        options.ConfigEntries["session.intra_op.allow_spinning"] = "0";
        byte[] model = TestModels.SoftmaxClassifier();
        float[] x = [.. Enumerable.Range(0, 40).Select(i => i * 0.05f)];

        using var reference = new InferenceSession(model);
        using var configured = new InferenceSession(model, options);
        float[] expected = reference.Run(("input", OnnxTensor.Create(x, 2, 20))).GetTensor("probabilities").GetArray<float>();
        float[] actual = configured.Run(("input", OnnxTensor.Create(x, 2, 20))).GetTensor("probabilities").GetArray<float>();

        Assert.Equal(expected, actual);
    }

    public static TheoryData<long[]> Shapes() => new() { Array.Empty<long>(), new long[] { 0 }, new long[] { 7 }, new long[] { 2, 3 }, new long[] { 2, 1, 3, 1, 2 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tensors_of_every_supported_type_and_rank_round_trip(long[] shape)
    {
        using var session = new InferenceSession(TestModels.IdentityModel());
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var inputs = new Dictionary<string, OnnxValue>
        {
            ["in_Float"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => i * 1.5f - 3)], shape),
            ["in_Double"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => Math.PI * i)], shape),
            ["in_Int32"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => int.MinValue + i)], shape),
            ["in_Int64"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => long.MaxValue - i)], shape),
            ["in_Int8"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => (sbyte)(-128 + i))], shape),
            ["in_UInt8"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => (byte)(255 - i))], shape),
            ["in_Bool"] = OnnxTensor.Create([.. Enumerable.Range(0, count).Select(i => i % 3 == 0)], shape),
            ["in_String"] = OnnxTensor.CreateString([.. Enumerable.Range(0, count).Select(i => i % 2 == 0 ? $"héllo {i} ü" : "")], shape),
        };

        RunResult result = session.Run(inputs);

        Assert.Equal(TestModels.IdentityTypes.Length, result.Count);
        foreach (TensorElementType type in TestModels.IdentityTypes)
        {
            var expected = (OnnxTensor)inputs[$"in_{type}"];
            OnnxTensor actual = result.GetTensor($"out_{type}");
            Assert.Equal(type, actual.ElementType);
            TensorAssert.TensorEqual(expected, actual, 0, 0, type.ToString());
        }
    }

    [Fact]
    public void Requested_outputs_come_back_in_the_requested_order()
    {
        using var session = new InferenceSession(TestModels.IdentityModel());
        var inputs = TestModels.IdentityTypes.ToDictionary(
            t => $"in_{t}",
            t => t == TensorElementType.String ? OnnxTensor.CreateString(["a"], 1) : (OnnxValue)OnnxTensor.FromArray(t, NewArray(t), 1));

        RunResult result = session.Run(inputs, ["out_String", "out_Float"]);

        Assert.Equal(["out_String", "out_Float"], result.Names);
        Assert.Equal(["a"], result.GetTensor("out_String").GetStrings());
    }

    [Fact]
    public void Missing_model_file_throws_with_ort_code()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession("/nonexistent/model.onnx"));
        Assert.Equal(OrtErrorCode.NoSuchFile, error.ErrorCode);
        Assert.Contains("nonexistent", error.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_model_bytes_throw_invalid_protobuf()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession([0xff, 0xff, 0xff, 0x01, 0x02]));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, error.ErrorCode);
        Assert.False(string.IsNullOrEmpty(error.OrtMessage));
    }

    [Fact]
    public void Run_errors_carry_ort_code_and_leave_the_session_usable()
    {
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());

        var unknownInput = Assert.Throws<OnnxRuntimeException>(() => session.Run(("no_such_input", OnnxTensor.Create(new float[20], 1, 20))));
        Assert.Equal(OrtErrorCode.InvalidArgument, unknownInput.ErrorCode);
        Assert.Contains("no_such_input", unknownInput.OrtMessage, StringComparison.Ordinal);

        var wrongShape = Assert.Throws<OnnxRuntimeException>(() => session.Run(("input", OnnxTensor.Create(new float[19], 1, 19))));
        Assert.Equal(OrtErrorCode.InvalidArgument, wrongShape.ErrorCode);

        var wrongType = Assert.Throws<OnnxRuntimeException>(() => session.Run(("input", OnnxTensor.Create(new double[20], 1, 20))));
        Assert.Equal(OrtErrorCode.InvalidArgument, wrongType.ErrorCode);

        var unknownOutput = Assert.Throws<OnnxRuntimeException>(() => session.Run([new("input", OnnxTensor.Create(new float[20], 1, 20))], ["nope"]));
        Assert.Equal(OrtErrorCode.InvalidArgument, unknownOutput.ErrorCode);

        RunResult ok = session.Run(("input", OnnxTensor.Create(new float[20], 1, 20)));
        Assert.Equal(1f, ok.GetTensor("probabilities").GetArray<float>().Sum(), 1e-6f);
    }

    [Fact]
    public void Kernel_errors_during_run_carry_ort_code_and_message()
    {
        // Reshape to a shape given at run time: 6 elements cannot become [4].
        var model = new ModelProto();
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        model.Graph.Nodes.Add(new NodeProto("Reshape", ["x", "shape"], ["y"]));
        model.Graph.Inputs.Add(new ValueInfoProto("x", TypeProto.Tensor(TensorElementType.Float, 2, 3)));
        model.Graph.Inputs.Add(new ValueInfoProto("shape", TypeProto.Tensor(TensorElementType.Int64, 1)));
        model.Graph.Outputs.Add(new ValueInfoProto("y", TypeProto.Tensor(TensorElementType.Float, shape: null)));
        using var session = new InferenceSession(model.ToByteArray());

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(("x", OnnxTensor.Create(new float[6], 2, 3)), ("shape", OnnxTensor.Create([4L], 1))));

        Assert.NotEqual(OrtErrorCode.Ok, error.ErrorCode);
        Assert.Contains("Reshape", error.OrtMessage, StringComparison.Ordinal);
        float[] ok = session.Run(("x", OnnxTensor.Create([1f, 2f, 3f, 4f, 5f, 6f], 2, 3)), ("shape", OnnxTensor.Create([6L], 1))).GetTensor("y").GetArray<float>();
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], ok);
    }

    [Fact]
    public void Kernel_failures_at_load_surface_as_exceptions()
    {
        // LinearClassifier without intercepts: ORT rejects it when creating the kernel.
        var model = new ModelProto();
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        model.OpsetImports.Add(new OperatorSetId("ai.onnx.ml", 3));
        model.Graph.Nodes.Add(new NodeProto("LinearClassifier", ["x"], ["label", "scores"], domain: "ai.onnx.ml")
            .With(AttributeProto.Floats("coefficients", [1f, 2f, 3f, 4f]))
            .With(AttributeProto.Ints("classlabels_ints", [0, 1])));
        model.Graph.Inputs.Add(new ValueInfoProto("x", TypeProto.Tensor(TensorElementType.Float, "N", 2)));
        model.Graph.Outputs.Add(new ValueInfoProto("label", TypeProto.Tensor(TensorElementType.Int64, "N")));
        model.Graph.Outputs.Add(new ValueInfoProto("scores", TypeProto.Tensor(TensorElementType.Float, "N", 2)));

        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(model.ToByteArray()));
        Assert.Equal(OrtErrorCode.Fail, error.ErrorCode);
        Assert.Contains("intercepts", error.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_session_refuses_to_run()
    {
        var session = new InferenceSession(TestModels.SoftmaxClassifier());
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(("input", OnnxTensor.Create(new float[20], 1, 20))));
    }

    [Fact]
    public void One_session_serves_concurrent_runs_from_many_threads()
    {
        using var session = new InferenceSession(TestModels.IdentityModel(TensorElementType.Float, TensorElementType.String));
        const int threads = 8;
        const int runsPerThread = 300;

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            for (int run = 0; run < runsPerThread; run++)
            {
                float[] x = [thread, run, thread * 1000 + run];
                string s = $"t{thread}-r{run}";
                RunResult result = session.Run(
                    [new("in_Float", OnnxTensor.Create(x, 3)), new("in_String", OnnxTensor.CreateString([s], 1))],
                    ["out_Float", "out_String"]);
                Assert.Equal(x, result.GetTensor("out_Float").GetArray<float>());
                Assert.Equal(s, result.GetTensor("out_String").GetStrings()[0]);
            }
        });
    }

    [Fact]
    public void Sequence_inputs_and_outputs_round_trip()
    {
        var model = new ModelProto();
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        TypeProto sequence = TypeProto.Sequence(TypeProto.Tensor(TensorElementType.Int64, shape: null));
        model.Graph.Nodes.Add(new NodeProto("Identity", ["s"], ["t"]));
        model.Graph.Inputs.Add(new ValueInfoProto("s", sequence));
        model.Graph.Outputs.Add(new ValueInfoProto("t", sequence));
        using var session = new InferenceSession(model.ToByteArray());

        var input = new OnnxSequence([OnnxTensor.Create([1L, 2L], 2), OnnxTensor.Create([3L, 4L, 5L, 6L], 2, 2)]);
        var output = Assert.IsType<OnnxSequence>(session.Run(("s", input))["t"]);

        TensorAssert.Equal(input, output, 0, 0, "t");
    }

    private static Array NewArray(TensorElementType type) => type switch
    {
        TensorElementType.Float => new float[1],
        TensorElementType.Double => new double[1],
        TensorElementType.Int32 => new int[1],
        TensorElementType.Int64 => new long[1],
        TensorElementType.Int8 => new sbyte[1],
        TensorElementType.UInt8 => new byte[1],
        TensorElementType.Bool => new bool[1],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal static void SkipIfMissing(string path)
    {
        if (!File.Exists(path))
        {
            Assert.Skip($"Test model not found: {path}");
        }
    }
}
