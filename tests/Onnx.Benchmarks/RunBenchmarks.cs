using BenchmarkDotNet.Attributes;
using Onnx.Export;
using Onnx.Runtime;
using Onnx.Runtime.Interop;

namespace Onnx.Benchmarks;

/// <summary>
/// One Run of a 20-feature, 3-class softmax classifier (batch of 1, single-threaded ORT):
/// <list type="bullet">
/// <item><c>OrtRunDirect</c> (baseline): ORT's own cost, the C function called by pointer with every argument prepared.</item>
/// <item><c>RunContextRun</c>: the binding's hot path (write the input, run, read the outputs).</item>
/// <item><c>SessionRun</c>: the general path that marshals managed inputs and copies outputs.</item>
/// </list>
/// The difference between the first two is the binding's overhead per Run.
/// </summary>
[MemoryDiagnoser]
public unsafe class RunBenchmarks
{
    private const int Features = 20;

    private InferenceSession _session = null!;
    private RunContext _context = null!;
    private float[] _features = null!;
    private OnnxTensor _tensor = null!;

    // Raw C API state for the baseline.
    private NativeBufferHandle _inputBuffer = null!;
    private NativeBufferHandle _labelBuffer = null!;
    private NativeBufferHandle _probabilityBuffer = null!;
    private OrtValueHandle _input = null!;
    private OrtValueHandle _label = null!;
    private OrtValueHandle _probabilities = null!;
    private nint[] _inputValues = null!;
    private nint[] _outputValues = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var weights = new float[3, Features];
        for (int c = 0; c < 3; c++)
        {
            for (int f = 0; f < Features; f++)
            {
                weights[c, f] = (float)(random.NextDouble() - 0.5);
            }
        }

        byte[] model = ModelExporter.SoftmaxRegression(weights, [0.1f, 0.2f, 0.3f], ClassLabels.Range(3)).ToByteArray();
        _session = new InferenceSession(model, new SessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });
        _context = _session.CreateRunContext(batchSize: 1);
        _features = [.. Enumerable.Range(0, Features).Select(i => i * 0.1f)];
        _tensor = OnnxTensor.Create(_features, 1, Features);

        (_inputBuffer, _input) = Tensor(TensorElementType.Float, sizeof(float), 1, Features);
        (_labelBuffer, _label) = Tensor(TensorElementType.Int64, sizeof(long), 1);
        (_probabilityBuffer, _probabilities) = Tensor(TensorElementType.Float, sizeof(float), 1, 3);
        _inputValues = GC.AllocateArray<nint>(1, pinned: true);
        _outputValues = GC.AllocateArray<nint>(2, pinned: true);
        _inputValues[0] = _input.DangerousGetHandle();
        _outputValues[0] = _label.DangerousGetHandle();
        _outputValues[1] = _probabilities.DangerousGetHandle();
    }

    [Benchmark(Baseline = true)]
    public float OrtRunDirect()
    {
        _features.CopyTo(new Span<float>(_inputBuffer.Pointer, Features));
        fixed (nint* inputNames = _session.InputNamePointers)
        fixed (nint* outputNames = _session.OutputNamePointers)
        fixed (nint* inputs = _inputValues)
        fixed (nint* outputs = _outputValues)
        {
            OrtApi.ThrowIfFailed(OrtApi.Run(_session.Handle.DangerousGetHandle(), 0, inputNames, inputs, 1, outputNames, 2, outputs));
        }

        return ((float*)_probabilityBuffer.Pointer)[0] + ((long*)_labelBuffer.Pointer)[0];
    }

    [Benchmark]
    public float RunContextRun()
    {
        _features.CopyTo(_context.GetInput<float>(0));
        _context.Run();
        return _context.GetOutput<float>(1)[0] + _context.GetOutput<long>(0)[0];
    }

    [Benchmark]
    public float SessionRun()
    {
        RunResult result = _session.Run(("input", _tensor));
        return result.GetTensor("probabilities").GetArray<float>()[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _context.Dispose();
        _input.Dispose();
        _label.Dispose();
        _probabilities.Dispose();
        _inputBuffer.Dispose();
        _labelBuffer.Dispose();
        _probabilityBuffer.Dispose();
        _session.Dispose();
    }

    private static (NativeBufferHandle Buffer, OrtValueHandle Value) Tensor(TensorElementType type, int elementSize, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var buffer = new NativeBufferHandle((nuint)(count * elementSize));
        var value = new OrtValueHandle();
        nint pointer;
        fixed (long* dims = shape)
        {
            OrtApi.ThrowIfFailed(OrtApi.CreateTensorWithDataAsOrtValue(
                OrtEnvironment.CpuMemoryInfo, buffer.Pointer, buffer.ByteCount, dims, (nuint)shape.Length, (int)type, &pointer));
        }

        value.Attach(pointer);
        return (buffer, value);
    }
}
