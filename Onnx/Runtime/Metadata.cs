namespace Onnx.Runtime;

/// <summary>
/// The type of an input or output: for tensors, the element type and shape (-1 for dimensions that are
/// not fixed, with their symbolic name if the model gives one); for maps, the key type and value type;
/// for sequences, the element type.
/// </summary>
public sealed class OnnxTypeInfo
{
    internal OnnxTypeInfo(
        OnnxValueType valueType,
        TensorElementType elementType,
        long[] shape,
        string[] symbolicDimensions,
        TensorElementType mapKeyType,
        OnnxTypeInfo? elementOrValueType)
    {
        ValueType = valueType;
        ElementType = elementType;
        Shape = shape;
        SymbolicDimensions = symbolicDimensions;
        MapKeyType = mapKeyType;
        ElementOrValueType = elementOrValueType;
    }

    public OnnxValueType ValueType { get; }

    /// <summary>Tensor element type (<see cref="TensorElementType.Undefined"/> for non-tensors).</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Tensor dimensions; -1 where the size is not fixed.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Symbolic name of each dimension ("" where there is none).</summary>
    public IReadOnlyList<string> SymbolicDimensions { get; }

    /// <summary>Key type of a map.</summary>
    public TensorElementType MapKeyType { get; }

    /// <summary>A sequence's element type, or a map's value type.</summary>
    public OnnxTypeInfo? ElementOrValueType { get; }

    public override string ToString() => ValueType switch
    {
        OnnxValueType.Tensor => $"tensor({ElementType})[{string.Join(",", Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDimensions[i].Length > 0 ? SymbolicDimensions[i] : "?"))}]",
        OnnxValueType.Sequence => $"seq({ElementOrValueType})",
        OnnxValueType.Map => $"map({MapKeyType},{ElementOrValueType})",
        _ => ValueType.ToString(),
    };
}

/// <summary>Name and type of one model input or output.</summary>
public sealed record NodeMetadata(string Name, OnnxTypeInfo Type)
{
    public override string ToString() => $"{Name}: {Type}";
}

/// <summary>Model-level metadata (<c>ModelProto</c> fields and <c>metadata_props</c>).</summary>
public sealed record ModelMetadata(
    string ProducerName,
    string GraphName,
    string GraphDescription,
    string Domain,
    string Description,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
