using System.Runtime.InteropServices;
using System.Text;

namespace Onnx.Runtime.Interop;

/// <summary>Converts managed <see cref="OnnxValue"/>s to ORT values and back.</summary>
internal static unsafe class ValueMarshaller
{
    /// <summary>
    /// Creates an ORT value for <paramref name="value"/>. Fixed-width tensors are not copied: their arrays
    /// are pinned, and the pins are added to <paramref name="pins"/>, which must outlive the ORT value.
    /// </summary>
    public static OrtValueHandle CreateInput(OnnxValue value, List<GCHandle> pins)
    {
        switch (value)
        {
            case OnnxTensor tensor:
                return CreateTensor(tensor, pins);
            case OnnxSequence sequence:
                return CreateComposite(sequence.Items, OnnxValueType.Sequence, pins);
            case OnnxMap map:
                return CreateComposite([map.Keys, map.Values], OnnxValueType.Map, pins);
            default:
                throw new NotSupportedException($"Unsupported input value {value.GetType().Name}.");
        }
    }

    private static OrtValueHandle CreateTensor(OnnxTensor tensor, List<GCHandle> pins)
    {
        long[] shape = tensor.ShapeArray;
        var result = new OrtValueHandle();
        nint value;
        if (tensor.ElementType == TensorElementType.String)
        {
            fixed (long* shapePointer = shape)
            {
                OrtApi.ThrowIfFailed(OrtApi.CreateTensorAsOrtValue(
                    OrtEnvironment.Allocator, shapePointer, (nuint)shape.Length, (int)TensorElementType.String, &value));
            }

            result.Attach(value);
            FillStrings(value, tensor.GetStrings());
            return result;
        }

        if (TensorElementTypes.SizeOf(tensor.ElementType) == 0)
        {
            throw new NotSupportedException($"Tensors of {tensor.ElementType} cannot be passed as inputs.");
        }

        GCHandle pin = GCHandle.Alloc(tensor.Data, GCHandleType.Pinned);
        pins.Add(pin);
        Span<byte> bytes = tensor.AsBytes();
        fixed (long* shapePointer = shape)
        {
            OrtApi.ThrowIfFailed(OrtApi.CreateTensorWithDataAsOrtValue(
                OrtEnvironment.CpuMemoryInfo,
                (void*)pin.AddrOfPinnedObject(),
                (nuint)bytes.Length,
                shapePointer,
                (nuint)shape.Length,
                (int)tensor.ElementType,
                &value));
        }

        result.Attach(value);
        return result;
    }

    private static void FillStrings(nint value, string[] strings)
    {
        if (strings.Length == 0)
        {
            return;
        }

        // One native block: the pointer table, then each string's UTF-8 bytes and a terminating NUL.
        nuint textBytes = 0;
        foreach (string s in strings)
        {
            textBytes += (nuint)Encoding.UTF8.GetByteCount(s) + 1;
        }

        nuint tableBytes = (nuint)strings.Length * (nuint)sizeof(byte*);
        byte* block = (byte*)NativeMemory.Alloc(tableBytes + textBytes);
        try
        {
            var table = (byte**)block;
            byte* cursor = block + tableBytes;
            byte* end = cursor + textBytes;
            for (int i = 0; i < strings.Length; i++)
            {
                table[i] = cursor;
                int written = Encoding.UTF8.GetBytes(strings[i], new Span<byte>(cursor, (int)(end - cursor)));
                cursor[written] = 0;
                cursor += written + 1;
            }

            OrtApi.ThrowIfFailed(OrtApi.FillStringTensor(value, table, (nuint)strings.Length));
        }
        finally
        {
            NativeMemory.Free(block);
        }
    }

    private static OrtValueHandle CreateComposite(IReadOnlyList<OnnxValue> items, OnnxValueType type, List<GCHandle> pins)
    {
        var itemHandles = new OrtValueHandle[items.Count];
        try
        {
            nint* itemPointers = stackalloc nint[Math.Max(items.Count, 1)];
            for (int i = 0; i < items.Count; i++)
            {
                itemHandles[i] = CreateInput(items[i], pins);
                itemPointers[i] = itemHandles[i].DangerousGetHandle();
            }

            // ORT copies the items into the new sequence or map.
            var result = new OrtValueHandle();
            nint value;
            OrtApi.ThrowIfFailed(OrtApi.CreateValue(itemPointers, (nuint)items.Count, (int)type, &value));
            result.Attach(value);
            return result;
        }
        finally
        {
            foreach (OrtValueHandle? handle in itemHandles)
            {
                handle?.Dispose();
            }
        }
    }

    /// <summary>Copies an ORT value (tensor, sequence or map, nested) into managed objects.</summary>
    public static OnnxValue ReadValue(nint value)
    {
        int type;
        OrtApi.ThrowIfFailed(OrtApi.GetValueType(value, &type));
        switch ((OnnxValueType)type)
        {
            case OnnxValueType.Tensor:
                return ReadTensor(value);
            case OnnxValueType.Sequence:
            {
                nuint count;
                OrtApi.ThrowIfFailed(OrtApi.GetValueCount(value, &count));
                var items = new OnnxValue[(int)count];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = ReadElement(value, i);
                }

                return new OnnxSequence(items);
            }

            case OnnxValueType.Map:
                return new OnnxMap((OnnxTensor)ReadElement(value, 0), (OnnxTensor)ReadElement(value, 1));
            default:
                throw new NotSupportedException($"ORT values of type {(OnnxValueType)type} cannot be read.");
        }
    }

    private static OnnxValue ReadElement(nint container, int index)
    {
        using var element = new OrtValueHandle();
        nint elementValue;
        OrtApi.ThrowIfFailed(OrtApi.GetValue(container, index, OrtEnvironment.Allocator, &elementValue));
        element.Attach(elementValue);
        return ReadValue(elementValue);
    }

    public static OnnxTensor ReadTensor(nint value)
    {
        TensorElementType elementType;
        long[] shape;
        using (var info = new OrtTensorTypeAndShapeInfoHandle())
        {
            nint infoPointer;
            OrtApi.ThrowIfFailed(OrtApi.GetTensorTypeAndShape(value, &infoPointer));
            info.Attach(infoPointer);
            (elementType, shape) = ReadTensorInfo(infoPointer);
        }

        int count = checked((int)OnnxTensor.ElementCount(shape));
        if (elementType == TensorElementType.String)
        {
            return OnnxTensor.CreateString(ReadStrings(value, count), shape);
        }

        Array data = NewArray(elementType, count);
        if (count > 0)
        {
            void* source;
            OrtApi.ThrowIfFailed(OrtApi.GetTensorMutableData(value, &source));
            int byteCount = count * TensorElementTypes.SizeOf(elementType);
            var target = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), byteCount);
            new ReadOnlySpan<byte>(source, byteCount).CopyTo(target);
        }

        return OnnxTensor.FromArray(elementType, data, shape);
    }

    private static Array NewArray(TensorElementType elementType, int count) => elementType switch
    {
        TensorElementType.Float => new float[count],
        TensorElementType.Double => new double[count],
        TensorElementType.Int8 => new sbyte[count],
        TensorElementType.UInt8 => new byte[count],
        TensorElementType.Int16 => new short[count],
        TensorElementType.UInt16 => new ushort[count],
        TensorElementType.Int32 => new int[count],
        TensorElementType.UInt32 => new uint[count],
        TensorElementType.Int64 => new long[count],
        TensorElementType.UInt64 => new ulong[count],
        TensorElementType.Bool => new bool[count],
        TensorElementType.Float16 => new Half[count],
        _ => throw new NotSupportedException($"Output tensors of {elementType} cannot be read."),
    };

    internal static (TensorElementType ElementType, long[] Shape) ReadTensorInfo(nint info)
    {
        int elementType;
        nuint rank;
        OrtApi.ThrowIfFailed(OrtApi.GetTensorElementType(info, &elementType));
        OrtApi.ThrowIfFailed(OrtApi.GetDimensionsCount(info, &rank));
        long[] shape = new long[(int)rank];
        fixed (long* dims = shape)
        {
            OrtApi.ThrowIfFailed(OrtApi.GetDimensions(info, dims, rank));
        }

        return ((TensorElementType)elementType, shape);
    }

    private static string[] ReadStrings(nint value, int count)
    {
        var strings = new string[count];
        if (count == 0)
        {
            return strings;
        }

        nuint byteLength;
        OrtApi.ThrowIfFailed(OrtApi.GetStringTensorDataLength(value, &byteLength));
        byte[] bytes = new byte[(int)byteLength];
        nuint[] offsets = new nuint[count];
        fixed (byte* text = bytes)
        fixed (nuint* offsetPointer = offsets)
        {
            OrtApi.ThrowIfFailed(OrtApi.GetStringTensorContent(value, text, byteLength, offsetPointer, (nuint)count));
        }

        for (int i = 0; i < count; i++)
        {
            int start = (int)offsets[i];
            int end = i + 1 < count ? (int)offsets[i + 1] : bytes.Length;
            strings[i] = Encoding.UTF8.GetString(bytes, start, end - start);
        }

        return strings;
    }
}
