using System.Runtime.InteropServices;
using System.Text;
using Onnx.Runtime.Interop;

namespace Onnx.Runtime;

/// <summary>
/// A loaded ONNX model, ready to run. One session serves concurrent <see cref="Run(IEnumerable{KeyValuePair{string, OnnxValue}}, IReadOnlyList{string}?)"/>
/// calls from many threads (ORT's session Run is thread-safe). For a hot loop without per-call managed
/// allocations use <see cref="CreateRunContext"/>.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtSessionHandle _session;
    private readonly nint[] _inputNamePointers;
    private readonly nint[] _outputNamePointers;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly Lazy<ModelMetadata> _modelMetadata;

    /// <summary>Loads a model file.</summary>
    public InferenceSession(string modelPath, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        _session = Create(options, (optionsHandle, result) =>
        {
            byte[] path = NulTerminated(modelPath);
            fixed (byte* pathPointer = path)
            {
                return OrtApi.CreateSession(OrtEnvironment.Env, pathPointer, optionsHandle, result);
            }
        });
        (Inputs, Outputs, _inputNamePointers, _outputNamePointers) = ReadSignature(_session);
        _inputIndex = IndexByName(Inputs);
        _outputIndex = IndexByName(Outputs);
        _modelMetadata = new Lazy<ModelMetadata>(ReadModelMetadata);
    }

    /// <summary>Loads a model from its serialized bytes (the bytes are not kept).</summary>
    public InferenceSession(ReadOnlySpan<byte> model, SessionOptions? options = null)
    {
        fixed (byte* modelPointer = model)
        {
            nint data = (nint)modelPointer;
            nuint length = (nuint)model.Length;
            _session = Create(options, (optionsHandle, result) =>
                OrtApi.CreateSessionFromArray(OrtEnvironment.Env, (void*)data, length, optionsHandle, result));
        }

        (Inputs, Outputs, _inputNamePointers, _outputNamePointers) = ReadSignature(_session);
        _inputIndex = IndexByName(Inputs);
        _outputIndex = IndexByName(Outputs);
        _modelMetadata = new Lazy<ModelMetadata>(ReadModelMetadata);
    }

    /// <summary>The model's inputs, in order.</summary>
    public IReadOnlyList<NodeMetadata> Inputs { get; }

    /// <summary>The model's outputs, in order.</summary>
    public IReadOnlyList<NodeMetadata> Outputs { get; }

    /// <summary>Producer, version, description and custom metadata of the model.</summary>
    public ModelMetadata ModelMetadata => _modelMetadata.Value;

    /// <summary>The version of the loaded ONNX Runtime library (e.g. "1.30.0").</summary>
    public static string OnnxRuntimeVersion => OrtApi.VersionString;

    internal OrtSessionHandle Handle => _session;

    internal nint[] InputNamePointers => _inputNamePointers;

    internal nint[] OutputNamePointers => _outputNamePointers;

    internal int InputIndexOf(string name) =>
        _inputIndex.TryGetValue(name, out int index) ? index : throw new ArgumentException($"The model has no input '{name}'.", nameof(name));

    internal int OutputIndexOf(string name) =>
        _outputIndex.TryGetValue(name, out int index) ? index : throw new ArgumentException($"The model has no output '{name}'.", nameof(name));

    /// <summary>
    /// Runs the model. Inputs are passed by name; fixed-width tensors are read in place (pinned, not
    /// copied). Returns the requested outputs (all, in model order, when <paramref name="outputNames"/> is
    /// null) copied into managed values.
    /// </summary>
    public RunResult Run(IEnumerable<KeyValuePair<string, OnnxValue>> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);

        var inputList = inputs as IReadOnlyCollection<KeyValuePair<string, OnnxValue>> ?? inputs.ToList();
        int inputCount = inputList.Count;
        string[] outputs = outputNames is null ? [.. Outputs.Select(o => o.Name)] : [.. outputNames];

        var pins = new List<GCHandle>();
        var inputHandles = new OrtValueHandle?[inputCount];
        nint[] inputNames = new nint[inputCount];
        nint[] inputValues = new nint[inputCount];
        nint[] outputNamePointers = new nint[outputs.Length];
        using var outputValues = new OrtValueSlotsHandle(outputs.Length);
        bool sessionAddRef = false;
        try
        {
            int i = 0;
            foreach (KeyValuePair<string, OnnxValue> input in inputList)
            {
                ArgumentNullException.ThrowIfNull(input.Value, input.Key);
                int index = ValidateInput(input.Key, input.Value);
                inputNames[i] = _inputNamePointers[index];
                inputHandles[i] = ValueMarshaller.CreateInput(input.Value, pins);
                inputValues[i] = inputHandles[i]!.DangerousGetHandle();
                i++;
            }

            for (int o = 0; o < outputs.Length; o++)
            {
                outputNamePointers[o] = _outputIndex.TryGetValue(outputs[o], out int index)
                    ? _outputNamePointers[index]
                    : throw new OnnxRuntimeException(OrtErrorCode.InvalidArgument, $"Invalid output name: {outputs[o]}");
            }

            _session.DangerousAddRef(ref sessionAddRef);
            fixed (nint* inNames = inputNames)
            fixed (nint* inValues = inputValues)
            fixed (nint* outNames = outputNamePointers)
            {
                OrtApi.ThrowIfFailed(OrtApi.Run(
                    _session.DangerousGetHandle(), 0, inNames, inValues, (nuint)inputCount, outNames, (nuint)outputs.Length, outputValues.Slots));
            }

            var values = new OnnxValue[outputs.Length];
            for (int o = 0; o < outputs.Length; o++)
            {
                values[o] = ValueMarshaller.ReadValue(outputValues.Slots[o]);
            }

            return new RunResult(outputs, values);
        }
        finally
        {
            if (sessionAddRef)
            {
                _session.DangerousRelease();
            }

            foreach (OrtValueHandle? handle in inputHandles)
            {
                handle?.Dispose();
            }

            foreach (GCHandle pin in pins)
            {
                pin.Free();
            }
        }
    }

    /// <summary>Runs the model with inputs given as (name, value) pairs.</summary>
    public RunResult Run(params ReadOnlySpan<(string Name, OnnxValue Value)> inputs)
    {
        var list = new List<KeyValuePair<string, OnnxValue>>(inputs.Length);
        foreach ((string name, OnnxValue value) in inputs)
        {
            list.Add(new KeyValuePair<string, OnnxValue>(name, value));
        }

        return Run(list);
    }

    /// <summary>
    /// Creates a reusable, single-threaded context that runs this session on preallocated native buffers
    /// for a fixed batch size: no managed allocations per run. Use one per thread, or a <see cref="RunContextPool"/>.
    /// With <paramref name="preallocateOutputs"/> false, ORT allocates every output on each run (for models
    /// whose output shapes do not follow the batch size).
    /// </summary>
    public RunContext CreateRunContext(int batchSize, bool preallocateOutputs = true)
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        return new(this, batchSize, preallocateOutputs);
    }

    public void Dispose() => _session.Dispose();

    private static OrtSessionHandle Create(SessionOptions? options, SessionFactory create)
    {
        options ??= new SessionOptions();
        using OrtSessionOptionsHandle nativeOptions = CreateNativeOptions(options);
        var session = new OrtSessionHandle();
        nint pointer;
        nint status = create(nativeOptions.DangerousGetHandle(), &pointer);
        if (status != 0)
        {
            session.Dispose();
            throw OrtApi.CreateException(status);
        }

        session.Attach(pointer);
        return session;
    }

    private static OrtSessionOptionsHandle CreateNativeOptions(SessionOptions options)
    {
        var handle = new OrtSessionOptionsHandle();
        try
        {
            nint pointer;
            OrtApi.ThrowIfFailed(OrtApi.CreateSessionOptions(&pointer));
            handle.Attach(pointer);
            OrtApi.ThrowIfFailed(OrtApi.SetIntraOpNumThreads(pointer, options.IntraOpThreads));
            OrtApi.ThrowIfFailed(OrtApi.SetInterOpNumThreads(pointer, options.InterOpThreads));
            OrtApi.ThrowIfFailed(OrtApi.SetSessionGraphOptimizationLevel(pointer, (int)options.GraphOptimizationLevel));
            OrtApi.ThrowIfFailed(OrtApi.SetSessionExecutionMode(pointer, (int)options.ExecutionMode));
            OrtApi.ThrowIfFailed(OrtApi.SetSessionLogSeverityLevel(pointer, options.LogSeverityLevel));
            foreach (KeyValuePair<string, string> entry in options.ConfigEntries)
            {
                fixed (byte* key = NulTerminated(entry.Key))
                fixed (byte* value = NulTerminated(entry.Value))
                {
                    OrtApi.ThrowIfFailed(OrtApi.AddSessionConfigEntry(pointer, key, value));
                }
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (NodeMetadata[] Inputs, NodeMetadata[] Outputs, nint[] InputNames, nint[] OutputNames)
        ReadSignature(OrtSessionHandle session)
    {
        try
        {
            nint pointer = session.DangerousGetHandle();
            nuint inputCount, outputCount;
            OrtApi.ThrowIfFailed(OrtApi.SessionGetInputCount(pointer, &inputCount));
            OrtApi.ThrowIfFailed(OrtApi.SessionGetOutputCount(pointer, &outputCount));

            var inputs = new NodeMetadata[(int)inputCount];
            var outputs = new NodeMetadata[(int)outputCount];
            for (int i = 0; i < inputs.Length; i++)
            {
                byte* name;
                OrtApi.ThrowIfFailed(OrtApi.SessionGetInputName(pointer, (nuint)i, OrtEnvironment.Allocator, &name));
                string inputName = OrtEnvironment.TakeAllocatedString(name)!;
                nint typeInfo;
                OrtApi.ThrowIfFailed(OrtApi.SessionGetInputTypeInfo(pointer, (nuint)i, &typeInfo));
                inputs[i] = new NodeMetadata(inputName, TypeInfoReader.ReadAndRelease(typeInfo));
            }

            for (int i = 0; i < outputs.Length; i++)
            {
                byte* name;
                OrtApi.ThrowIfFailed(OrtApi.SessionGetOutputName(pointer, (nuint)i, OrtEnvironment.Allocator, &name));
                string outputName = OrtEnvironment.TakeAllocatedString(name)!;
                nint typeInfo;
                OrtApi.ThrowIfFailed(OrtApi.SessionGetOutputTypeInfo(pointer, (nuint)i, &typeInfo));
                outputs[i] = new NodeMetadata(outputName, TypeInfoReader.ReadAndRelease(typeInfo));
            }

            // All names, NUL-terminated, in one native block that lives as long as the session.
            byte[][] encoded = [.. inputs.Concat(outputs).Select(n => NulTerminated(n.Name))];
            var names = new NativeBufferHandle((nuint)encoded.Sum(e => e.Length));
            session.Names = names;
            byte* cursor = (byte*)names.Pointer;
            nint[] pointers = new nint[encoded.Length];
            for (int i = 0; i < encoded.Length; i++)
            {
                pointers[i] = (nint)cursor;
                encoded[i].CopyTo(new Span<byte>(cursor, encoded[i].Length));
                cursor += encoded[i].Length;
            }

            nint[] inputNames = GC.AllocateArray<nint>(inputs.Length, pinned: true);
            nint[] outputNames = GC.AllocateArray<nint>(outputs.Length, pinned: true);
            Array.Copy(pointers, 0, inputNames, 0, inputs.Length);
            Array.Copy(pointers, inputs.Length, outputNames, 0, outputs.Length);
            return (inputs, outputs, inputNames, outputNames);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private ModelMetadata ReadModelMetadata()
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        using var metadata = new OrtModelMetadataHandle();
        nint pointer;
        OrtApi.ThrowIfFailed(OrtApi.SessionGetModelMetadata(_session.DangerousGetHandle(), &pointer));
        metadata.Attach(pointer);

        string producer = ReadString(pointer, OrtApi.ModelMetadataGetProducerName);
        string graphName = ReadString(pointer, OrtApi.ModelMetadataGetGraphName);
        string graphDescription = ReadString(pointer, OrtApi.ModelMetadataGetGraphDescription);
        string domain = ReadString(pointer, OrtApi.ModelMetadataGetDomain);
        string description = ReadString(pointer, OrtApi.ModelMetadataGetDescription);
        long version;
        OrtApi.ThrowIfFailed(OrtApi.ModelMetadataGetVersion(pointer, &version));

        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        byte** keys;
        long keyCount;
        OrtApi.ThrowIfFailed(OrtApi.ModelMetadataGetCustomMetadataMapKeys(pointer, OrtEnvironment.Allocator, &keys, &keyCount));
        if (keys is not null)
        {
            try
            {
                for (long k = 0; k < keyCount; k++)
                {
                    string key = Marshal.PtrToStringUTF8((nint)keys[k])!;
                    byte* value;
                    OrtApi.ThrowIfFailed(OrtApi.ModelMetadataLookupCustomMetadataMap(pointer, OrtEnvironment.Allocator, keys[k], &value));
                    custom[key] = OrtEnvironment.TakeAllocatedString(value) ?? string.Empty;
                }
            }
            finally
            {
                for (long k = 0; k < keyCount; k++)
                {
                    OrtEnvironment.TakeAllocatedString(keys[k]);
                }

                nint status = OrtApi.AllocatorFree(OrtEnvironment.Allocator, keys);
                if (status != 0)
                {
                    OrtApi.ReleaseStatus(status);
                }
            }
        }

        return new ModelMetadata(producer, graphName, graphDescription, domain, description, version, custom);
    }

    private static string ReadString(nint metadata, delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> getter)
    {
        byte* value;
        OrtApi.ThrowIfFailed(getter(metadata, OrtEnvironment.Allocator, &value));
        return OrtEnvironment.TakeAllocatedString(value) ?? string.Empty;
    }

    private static Dictionary<string, int> IndexByName(IReadOnlyList<NodeMetadata> nodes)
    {
        var index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            index[nodes[i].Name] = i;
        }

        return index;
    }

    /// <summary>
    /// Checks an input against the model's signature before ORT sees it, reporting mismatches the way
    /// ORT does (InvalidArgument). Besides clearer messages this keeps common mistakes off ORT's failing
    /// Run path, which in 1.30 leaks about 1–2 KB of native memory per failed call.
    /// </summary>
    private int ValidateInput(string name, OnnxValue value)
    {
        if (!_inputIndex.TryGetValue(name, out int index))
        {
            throw new OnnxRuntimeException(OrtErrorCode.InvalidArgument, $"Invalid input name: {name}");
        }

        OnnxTypeInfo expected = Inputs[index].Type;
        if (expected.ValueType != value.ValueType)
        {
            throw new OnnxRuntimeException(OrtErrorCode.InvalidArgument, $"Input '{name}' expects a {expected.ValueType} ({expected}) but got a {value.ValueType}.");
        }

        if (value is OnnxTensor tensor)
        {
            if (tensor.ElementType != expected.ElementType)
            {
                throw new OnnxRuntimeException(OrtErrorCode.InvalidArgument, $"Unexpected input data type for '{name}': got {tensor.ElementType}, expected {expected}.");
            }

            // A rank-0 signature may also mean "shape unknown", so only known ranks are checked.
            IReadOnlyList<long> dims = expected.Shape;
            if (dims.Count > 0)
            {
                bool matches = dims.Count == tensor.Shape.Length;
                for (int d = 0; matches && d < dims.Count; d++)
                {
                    matches = dims[d] < 0 || dims[d] == tensor.Shape[d];
                }

                if (!matches)
                {
                    throw new OnnxRuntimeException(
                        OrtErrorCode.InvalidArgument,
                        $"Got invalid dimensions for input '{name}': [{string.Join(",", tensor.Shape.ToArray())}], expected {expected}.");
                }
            }
        }

        return index;
    }

    private delegate nint SessionFactory(nint options, nint* session);

    internal static byte[] NulTerminated(string value)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
