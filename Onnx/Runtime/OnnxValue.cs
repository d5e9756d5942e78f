using System.Runtime.InteropServices;

namespace Onnx.Runtime;

/// <summary>A managed ONNX value: a tensor, a sequence or a map.</summary>
public abstract class OnnxValue
{
    private protected OnnxValue()
    {
    }

    public abstract OnnxValueType ValueType { get; }
}

/// <summary>
/// A dense tensor held in a .NET array (row-major), of any rank. Fixed-width element types are stored in
/// arrays of their .NET type (see <see cref="TensorElementTypes.ClrType"/>); strings in a <c>string[]</c>.
/// </summary>
public sealed class OnnxTensor : OnnxValue
{
    private readonly long[] _shape;

    private OnnxTensor(TensorElementType elementType, Array data, long[] shape)
    {
        long count = ElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"The shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.Length}.");
        }

        ElementType = elementType;
        Data = data;
        _shape = shape;
    }

    public override OnnxValueType ValueType => OnnxValueType.Tensor;

    public TensorElementType ElementType { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>Number of elements (product of the dimensions).</summary>
    public int Length => Data.Length;

    /// <summary>The elements: a <c>T[]</c> of the element type's .NET type, or <c>string[]</c>.</summary>
    public Array Data { get; }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    public static OnnxTensor Create<T>(T[] data, params ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return new OnnxTensor(TensorElementTypes.Of<T>(), data, shape.ToArray());
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a string tensor of the given shape.</summary>
    public static OnnxTensor CreateString(string[] data, params ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (string item in data)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(data));
        }

        return new OnnxTensor(TensorElementType.String, data, shape.ToArray());
    }

    /// <summary>Creates a tensor over an array whose element type is given explicitly.</summary>
    public static OnnxTensor FromArray(TensorElementType elementType, Array data, params ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Type? expected = TensorElementTypes.ClrType(elementType);
        if (expected is null || data.GetType().GetElementType() != expected || data.Rank != 1)
        {
            throw new ArgumentException($"A {elementType} tensor needs a one-dimensional {expected?.Name ?? "(unsupported)"} array.", nameof(data));
        }

        return new OnnxTensor(elementType, data, shape.ToArray());
    }

    /// <summary>The elements as a span of <typeparamref name="T"/>, which must be the element type's .NET type.</summary>
    public Span<T> AsSpan<T>()
        where T : unmanaged => GetArray<T>();

    /// <summary>The elements as an array of <typeparamref name="T"/> (the tensor's own storage).</summary>
    public T[] GetArray<T>()
    {
        if (Data is T[] typed)
        {
            return typed;
        }

        throw new InvalidOperationException($"The tensor holds {ElementType} elements ({Data.GetType().GetElementType()?.Name}), not {typeof(T).Name}.");
    }

    /// <summary>The elements of a string tensor.</summary>
    public string[] GetStrings() => GetArray<string>();

    /// <summary>The raw bytes of a fixed-width tensor.</summary>
    internal Span<byte> AsBytes()
    {
        int elementSize = TensorElementTypes.SizeOf(ElementType);
        if (elementSize == 0 || ElementType == TensorElementType.String)
        {
            throw new InvalidOperationException($"A {ElementType} tensor has no fixed-width byte view.");
        }

        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(Data), Data.Length * elementSize);
    }

    internal long[] ShapeArray => _shape;

    internal static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor dimensions must be non-negative; got {dimension}.");
            }

            count = checked(count * dimension);
        }

        return count;
    }

    public override string ToString() => $"{ElementType}[{string.Join(",", _shape)}]";
}

/// <summary>An ONNX sequence: an ordered list of values (tensors, or maps for ZipMap outputs).</summary>
public sealed class OnnxSequence : OnnxValue
{
    public OnnxSequence(IReadOnlyList<OnnxValue> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = items;
    }

    public override OnnxValueType ValueType => OnnxValueType.Sequence;

    public IReadOnlyList<OnnxValue> Items { get; }

    public int Count => Items.Count;

    public OnnxValue this[int index] => Items[index];

    /// <summary>
    /// Reads a sequence of maps (what ZipMap produces: one map per row, class label → probability) as
    /// .NET dictionaries. <typeparamref name="TKey"/> is <c>long</c> or <c>string</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<TKey, TValue>> ToDictionaries<TKey, TValue>()
        where TKey : notnull
    {
        var rows = new IReadOnlyDictionary<TKey, TValue>[Items.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            if (Items[i] is not OnnxMap map)
            {
                throw new InvalidOperationException($"Item {i} of the sequence is a {Items[i].ValueType}, not a map.");
            }

            rows[i] = map.ToDictionary<TKey, TValue>();
        }

        return rows;
    }
}

/// <summary>An ONNX map, held as a keys tensor and a values tensor of equal length.</summary>
public sealed class OnnxMap : OnnxValue
{
    public OnnxMap(OnnxTensor keys, OnnxTensor values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (keys.Length != values.Length)
        {
            throw new ArgumentException($"A map needs as many keys ({keys.Length}) as values ({values.Length}).");
        }

        Keys = keys;
        Values = values;
    }

    public override OnnxValueType ValueType => OnnxValueType.Map;

    public OnnxTensor Keys { get; }

    public OnnxTensor Values { get; }

    public Dictionary<TKey, TValue> ToDictionary<TKey, TValue>()
        where TKey : notnull
    {
        TKey[] keys = Keys.GetArray<TKey>();
        TValue[] values = Values.GetArray<TValue>();
        var result = new Dictionary<TKey, TValue>(keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            result.Add(keys[i], values[i]);
        }

        return result;
    }
}
