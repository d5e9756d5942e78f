using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Onnx.Runtime.Interop;

namespace Onnx.Runtime;

/// <summary>
/// A reusable run of one <see cref="InferenceSession"/> for a fixed batch size, for hot loops. Input
/// tensors (and every output tensor whose shape is known once the batch size is fixed) live in native
/// buffers allocated once, wrapped once in ORT values; <see cref="Run"/> hands ORT the same pointers each
/// time and allocates nothing managed. Write inputs through <see cref="GetInput{T}(int)"/>, call
/// <see cref="Run"/>, read results through <see cref="GetOutput{T}(int)"/>.
/// </summary>
/// <remarks>
/// Not thread-safe: use one context per thread (or rent them from a <see cref="RunContextPool"/>); the
/// session itself is shared. Leading symbolic dimensions (the batch dimension) are set to the batch size;
/// inputs must be fixed-width tensors whose other dimensions are fixed.
/// </remarks>
public sealed unsafe class RunContext : IDisposable
{
    private readonly InferenceSession _session;
    private readonly NativeBufferHandle[] _inputBuffers;
    private readonly OrtValueHandle[] _inputValues;
    private readonly TensorElementType[] _inputTypes;
    private readonly nint[] _inputValuePointers;
    private readonly NativeBufferHandle?[] _outputBuffers;
    private readonly OrtValueHandle?[] _outputValues;
    private readonly TensorElementType[] _outputTypes;
    private readonly OrtValueSlotsHandle _outputSlots;
    private bool _disposed;

    internal RunContext(InferenceSession session, int batchSize, bool preallocateOutputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _session = session;
        BatchSize = batchSize;

        int inputCount = session.Inputs.Count;
        int outputCount = session.Outputs.Count;
        _inputBuffers = new NativeBufferHandle[inputCount];
        _inputValues = new OrtValueHandle[inputCount];
        _inputTypes = new TensorElementType[inputCount];
        _inputValuePointers = GC.AllocateArray<nint>(inputCount, pinned: true);
        _outputBuffers = new NativeBufferHandle?[outputCount];
        _outputValues = new OrtValueHandle?[outputCount];
        _outputTypes = new TensorElementType[outputCount];
        _outputSlots = new OrtValueSlotsHandle(outputCount);

        try
        {
            for (int i = 0; i < inputCount; i++)
            {
                NodeMetadata input = session.Inputs[i];
                long[] shape = ResolveShape(input.Type, batchSize)
                    ?? throw new NotSupportedException(
                        $"Input '{input.Name}' ({input.Type}) is not a fixed-width tensor with only a leading variable dimension; use InferenceSession.Run.");
                _inputTypes[i] = input.Type.ElementType;
                (_inputBuffers[i], _inputValues[i]) = CreateTensor(input.Type.ElementType, shape);
                _inputValuePointers[i] = _inputValues[i].DangerousGetHandle();
            }

            for (int o = 0; o < outputCount; o++)
            {
                NodeMetadata output = session.Outputs[o];
                _outputTypes[o] = output.Type.ElementType;
                long[]? shape = preallocateOutputs ? ResolveShape(output.Type, batchSize) : null;
                if (shape is not null)
                {
                    (_outputBuffers[o], _outputValues[o]) = CreateTensor(output.Type.ElementType, shape);
                    _outputSlots.SetBorrowed(o, _outputValues[o]!.DangerousGetHandle());
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int BatchSize { get; }

    public InferenceSession Session => _session;

    /// <summary>The buffer of input <paramref name="index"/> (row-major, batch first), to fill before <see cref="Run"/>.</summary>
    public Span<T> GetInput<T>(int index)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckType<T>(_inputTypes[index]);
        NativeBufferHandle buffer = _inputBuffers[index];
        return new Span<T>(buffer.Pointer, (int)(buffer.ByteCount / (nuint)sizeof(T)));
    }

    public Span<T> GetInput<T>(string name)
        where T : unmanaged => GetInput<T>(_session.InputIndexOf(name));

    /// <summary>Runs the session on the current input buffers.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _outputSlots.ReleaseOwnedValues();

        OrtSessionHandle session = _session.Handle;
        bool addedRef = false;
        try
        {
            session.DangerousAddRef(ref addedRef);
            nint* inputNames = (nint*)Unsafe.AsPointer(ref _session.InputNamePointers.GetPinnableReferenceOrNull());
            nint* outputNames = (nint*)Unsafe.AsPointer(ref _session.OutputNamePointers.GetPinnableReferenceOrNull());
            nint* inputValues = (nint*)Unsafe.AsPointer(ref _inputValuePointers.GetPinnableReferenceOrNull());
            OrtApi.ThrowIfFailed(OrtApi.Run(
                session.DangerousGetHandle(),
                0,
                inputNames,
                inputValues,
                (nuint)_inputValuePointers.Length,
                outputNames,
                (nuint)_outputSlots.Count,
                _outputSlots.Slots));
        }
        finally
        {
            if (addedRef)
            {
                session.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The elements of tensor output <paramref name="index"/> from the last <see cref="Run"/>; valid until
    /// the next run or disposal.
    /// </summary>
    public ReadOnlySpan<T> GetOutput<T>(int index)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        NativeBufferHandle? buffer = _outputBuffers[index];
        if (buffer is not null)
        {
            CheckType<T>(_outputTypes[index]);
            return new ReadOnlySpan<T>(buffer.Pointer, (int)(buffer.ByteCount / (nuint)sizeof(T)));
        }

        nint value = OutputValue(index);
        nint info;
        OrtApi.ThrowIfFailed(OrtApi.GetTensorTypeAndShape(value, &info));
        int elementType;
        nuint count;
        nint status = OrtApi.GetTensorElementType(info, &elementType);
        if (status == 0)
        {
            status = OrtApi.GetTensorShapeElementCount(info, &count);
        }
        else
        {
            count = 0;
        }

        OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        OrtApi.ThrowIfFailed(status);
        CheckType<T>((TensorElementType)elementType);
        void* data;
        OrtApi.ThrowIfFailed(OrtApi.GetTensorMutableData(value, &data));
        return new ReadOnlySpan<T>(data, (int)count);
    }

    public ReadOnlySpan<T> GetOutput<T>(string name)
        where T : unmanaged => GetOutput<T>(_session.OutputIndexOf(name));

    /// <summary>Copies output <paramref name="index"/> of the last run into a managed value (any type, e.g. ZipMap's sequence of maps).</summary>
    public OnnxValue GetOutputValue(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ValueMarshaller.ReadValue(OutputValue(index));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _outputSlots?.Dispose();
        foreach (OrtValueHandle? value in _outputValues)
        {
            value?.Dispose();
        }

        foreach (OrtValueHandle? value in _inputValues)
        {
            value?.Dispose();
        }

        foreach (NativeBufferHandle? buffer in _outputBuffers)
        {
            buffer?.Dispose();
        }

        foreach (NativeBufferHandle? buffer in _inputBuffers)
        {
            buffer?.Dispose();
        }
    }

    private nint OutputValue(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_outputSlots.Count, nameof(index));
        nint value = _outputSlots.Slots[index];
        return value != 0 ? value : throw new InvalidOperationException("The context has not run yet.");
    }

    private static long[]? ResolveShape(OnnxTypeInfo type, int batchSize)
    {
        if (type.ValueType != OnnxValueType.Tensor || TensorElementTypes.SizeOf(type.ElementType) == 0 || type.ElementType == TensorElementType.String)
        {
            return null;
        }

        long[] shape = new long[type.Shape.Count];
        for (int d = 0; d < shape.Length; d++)
        {
            long dimension = type.Shape[d];
            if (dimension < 0)
            {
                if (d != 0)
                {
                    return null;
                }

                dimension = batchSize;
            }

            shape[d] = dimension;
        }

        return shape;
    }

    private static (NativeBufferHandle Buffer, OrtValueHandle Value) CreateTensor(TensorElementType elementType, long[] shape)
    {
        nuint byteCount = checked((nuint)OnnxTensor.ElementCount(shape) * (nuint)TensorElementTypes.SizeOf(elementType));
        var buffer = new NativeBufferHandle(byteCount);
        var value = new OrtValueHandle();
        try
        {
            nint pointer;
            fixed (long* dims = shape)
            {
                OrtApi.ThrowIfFailed(OrtApi.CreateTensorWithDataAsOrtValue(
                    OrtEnvironment.CpuMemoryInfo, buffer.Pointer, byteCount, dims, (nuint)shape.Length, (int)elementType, &pointer));
            }

            value.Attach(pointer);
            return (buffer, value);
        }
        catch
        {
            value.Dispose();
            buffer.Dispose();
            throw;
        }
    }

    private static void CheckType<T>(TensorElementType actual)
        where T : unmanaged
    {
        if (TensorElementTypes.ClrType(actual) != typeof(T))
        {
            ThrowTypeMismatch(actual, typeof(T));
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTypeMismatch(TensorElementType actual, Type requested) =>
        throw new InvalidOperationException($"The tensor holds {actual} elements, not {requested.Name}.");
}

/// <summary>A thread-safe pool of <see cref="RunContext"/>s of one session and batch size.</summary>
public sealed class RunContextPool : IDisposable
{
    private readonly ConcurrentBag<RunContext> _contexts = [];
    private readonly InferenceSession _session;
    private bool _disposed;

    public RunContextPool(InferenceSession session, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _session = session;
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>Takes a free context, creating one when none is free.</summary>
    public RunContext Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _contexts.TryTake(out RunContext? context) ? context : _session.CreateRunContext(BatchSize);
    }

    /// <summary>Gives a context back for reuse.</summary>
    public void Return(RunContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_disposed)
        {
            context.Dispose();
            return;
        }

        _contexts.Add(context);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_contexts.TryTake(out RunContext? context))
        {
            context.Dispose();
        }
    }
}
