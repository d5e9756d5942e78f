using Google.Protobuf;
using Onnx.Runtime;

namespace Onnx.Protobuf;

/// <summary>An operator set import: a domain ("" for ai.onnx, "ai.onnx.ml") and its version.</summary>
public sealed record OperatorSetId(string Domain, long Version);

/// <summary>ONNX <c>ModelProto</c> (write side): the file format of an ONNX model.</summary>
public sealed class ModelProto
{
    /// <summary>IR version 10 (ONNX 1.16), paired with ai.onnx opset 21.</summary>
    public const long DefaultIrVersion = 10;

    public long IrVersion { get; set; } = DefaultIrVersion;

    public List<OperatorSetId> OpsetImports { get; } = [];

    public string ProducerName { get; set; } = string.Empty;

    public string ProducerVersion { get; set; } = string.Empty;

    public string Domain { get; set; } = string.Empty;

    public long ModelVersion { get; set; }

    public string DocString { get; set; } = string.Empty;

    public GraphProto Graph { get; set; } = new();

    /// <summary>Custom metadata (<c>metadata_props</c>), in insertion order.</summary>
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    public byte[] ToByteArray() => ProtoWriting.Serialize(WriteTo);

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ToByteArray();
        stream.Write(bytes);
    }

    public void Save(string path) => File.WriteAllBytes(path, ToByteArray());

    private void WriteTo(CodedOutputStream output)
    {
        ProtoWriting.WriteInt64(output, 1, IrVersion);
        ProtoWriting.WriteString(output, 2, ProducerName);
        ProtoWriting.WriteString(output, 3, ProducerVersion);
        ProtoWriting.WriteString(output, 4, Domain);
        ProtoWriting.WriteInt64(output, 5, ModelVersion);
        ProtoWriting.WriteString(output, 6, DocString);
        ProtoWriting.WriteMessage(output, 7, Graph.WriteTo);
        foreach (OperatorSetId opset in OpsetImports)
        {
            ProtoWriting.WriteMessage(output, 8, o =>
            {
                ProtoWriting.WriteString(o, 1, opset.Domain);
                ProtoWriting.WriteInt64(o, 2, opset.Version);
            });
        }

        foreach (KeyValuePair<string, string> entry in MetadataProps)
        {
            ProtoWriting.WriteMessage(output, 14, o =>
            {
                ProtoWriting.WriteString(o, 1, entry.Key);
                ProtoWriting.WriteString(o, 2, entry.Value);
            });
        }
    }
}

/// <summary>ONNX <c>GraphProto</c> (write side).</summary>
public sealed class GraphProto
{
    public string Name { get; set; } = string.Empty;

    public string DocString { get; set; } = string.Empty;

    public List<NodeProto> Nodes { get; } = [];

    public List<TensorProto> Initializers { get; } = [];

    public List<ValueInfoProto> Inputs { get; } = [];

    public List<ValueInfoProto> Outputs { get; } = [];

    internal void WriteTo(CodedOutputStream output)
    {
        foreach (NodeProto node in Nodes)
        {
            ProtoWriting.WriteMessage(output, 1, node.WriteTo);
        }

        ProtoWriting.WriteString(output, 2, Name);
        foreach (TensorProto initializer in Initializers)
        {
            ProtoWriting.WriteMessage(output, 5, initializer.WriteTo);
        }

        ProtoWriting.WriteString(output, 10, DocString);
        foreach (ValueInfoProto input in Inputs)
        {
            ProtoWriting.WriteMessage(output, 11, input.WriteTo);
        }

        foreach (ValueInfoProto graphOutput in Outputs)
        {
            ProtoWriting.WriteMessage(output, 12, graphOutput.WriteTo);
        }
    }
}

/// <summary>ONNX <c>NodeProto</c>: one operator call.</summary>
public sealed class NodeProto
{
    public NodeProto(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "", string name = "")
    {
        OpType = opType;
        Inputs.AddRange(inputs);
        Outputs.AddRange(outputs);
        Domain = domain;
        Name = name;
    }

    public string OpType { get; set; }

    /// <summary>Operator domain: "" for ai.onnx, "ai.onnx.ml" for the ML operators.</summary>
    public string Domain { get; set; }

    public string Name { get; set; }

    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public List<AttributeProto> Attributes { get; } = [];

    /// <summary>Adds an attribute and returns this node, for chaining.</summary>
    public NodeProto With(AttributeProto attribute)
    {
        Attributes.Add(attribute);
        return this;
    }

    internal void WriteTo(CodedOutputStream output)
    {
        foreach (string input in Inputs)
        {
            ProtoWriting.WriteStringAlways(output, 1, input);
        }

        foreach (string nodeOutput in Outputs)
        {
            ProtoWriting.WriteStringAlways(output, 2, nodeOutput);
        }

        ProtoWriting.WriteString(output, 3, Name);
        ProtoWriting.WriteString(output, 4, OpType);
        foreach (AttributeProto attribute in Attributes)
        {
            ProtoWriting.WriteMessage(output, 5, attribute.WriteTo);
        }

        ProtoWriting.WriteString(output, 7, Domain);
    }
}

/// <summary>ONNX <c>AttributeProto.AttributeType</c>.</summary>
public enum AttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Floats = 6,
    Ints = 7,
    Strings = 8,
}

/// <summary>ONNX <c>AttributeProto</c>: a named operator attribute. Create with the static factories.</summary>
public sealed class AttributeProto
{
    private AttributeProto(string name, AttributeType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public AttributeType Type { get; }

    public float FloatValue { get; private init; }

    public long IntValue { get; private init; }

    public string StringValue { get; private init; } = string.Empty;

    public TensorProto? TensorValue { get; private init; }

    public IReadOnlyList<float> FloatValues { get; private init; } = [];

    public IReadOnlyList<long> IntValues { get; private init; } = [];

    public IReadOnlyList<string> StringValues { get; private init; } = [];

    public static AttributeProto Float(string name, float value) => new(name, AttributeType.Float) { FloatValue = value };

    public static AttributeProto Int(string name, long value) => new(name, AttributeType.Int) { IntValue = value };

    public static AttributeProto String(string name, string value) => new(name, AttributeType.String) { StringValue = value };

    public static AttributeProto Tensor(string name, TensorProto value) => new(name, AttributeType.Tensor) { TensorValue = value };

    public static AttributeProto Floats(string name, IEnumerable<float> values) => new(name, AttributeType.Floats) { FloatValues = [.. values] };

    public static AttributeProto Ints(string name, IEnumerable<long> values) => new(name, AttributeType.Ints) { IntValues = [.. values] };

    public static AttributeProto Strings(string name, IEnumerable<string> values) => new(name, AttributeType.Strings) { StringValues = [.. values] };

    internal void WriteTo(CodedOutputStream output)
    {
        ProtoWriting.WriteString(output, 1, Name);
        switch (Type)
        {
            case AttributeType.Float:
                output.WriteTag(2, WireFormat.WireType.Fixed32);
                output.WriteFloat(FloatValue);
                break;
            case AttributeType.Int:
                output.WriteTag(3, WireFormat.WireType.Varint);
                output.WriteInt64(IntValue);
                break;
            case AttributeType.String:
                ProtoWriting.WriteBytes(output, 4, System.Text.Encoding.UTF8.GetBytes(StringValue));
                break;
            case AttributeType.Tensor:
                ProtoWriting.WriteMessage(output, 5, TensorValue!.WriteTo);
                break;
            case AttributeType.Floats:
                ProtoWriting.WritePackedFloat(output, 7, FloatValues);
                break;
            case AttributeType.Ints:
                ProtoWriting.WritePackedInt64(output, 8, IntValues);
                break;
            case AttributeType.Strings:
                foreach (string value in StringValues)
                {
                    ProtoWriting.WriteBytes(output, 9, System.Text.Encoding.UTF8.GetBytes(value));
                }

                break;
        }

        output.WriteTag(20, WireFormat.WireType.Varint);
        output.WriteEnum((int)Type);
    }
}

/// <summary>ONNX <c>ValueInfoProto</c>: the name and type of a graph input or output.</summary>
public sealed record ValueInfoProto(string Name, TypeProto Type)
{
    internal void WriteTo(CodedOutputStream output)
    {
        ProtoWriting.WriteString(output, 1, Name);
        ProtoWriting.WriteMessage(output, 2, Type.WriteTo);
    }
}

/// <summary>One tensor dimension: a fixed size, or a symbolic name such as "N" for a dynamic batch.</summary>
public readonly record struct Dimension(long? Value, string? Param)
{
    public static Dimension Fixed(long value) => new(value, null);

    public static Dimension Symbolic(string name) => new(null, name);

    public static implicit operator Dimension(long value) => Fixed(value);

    public static implicit operator Dimension(string name) => Symbolic(name);
}

/// <summary>ONNX <c>TypeProto</c>: tensor, sequence or map types.</summary>
public sealed class TypeProto
{
    private TypeProto()
    {
    }

    public OnnxValueType Kind { get; private init; }

    /// <summary>ONNX <c>TensorProto.DataType</c> of a tensor's elements, or of a map's keys.</summary>
    public int ElementType { get; private init; }

    /// <summary>Tensor shape; null means the shape is unknown (not even the rank).</summary>
    public IReadOnlyList<Dimension>? Shape { get; private init; }

    /// <summary>A sequence's element type or a map's value type.</summary>
    public TypeProto? Inner { get; private init; }

    public static TypeProto Tensor(TensorElementType elementType, params Dimension[]? shape) =>
        new() { Kind = OnnxValueType.Tensor, ElementType = TensorElementTypes.ToOnnxDataType(elementType), Shape = shape };

    public static TypeProto Sequence(TypeProto elementType) => new() { Kind = OnnxValueType.Sequence, Inner = elementType };

    public static TypeProto Map(TensorElementType keyType, TypeProto valueType) =>
        new() { Kind = OnnxValueType.Map, ElementType = TensorElementTypes.ToOnnxDataType(keyType), Inner = valueType };

    internal void WriteTo(CodedOutputStream output)
    {
        switch (Kind)
        {
            case OnnxValueType.Tensor:
                ProtoWriting.WriteMessage(output, 1, WriteTensorType);
                break;
            case OnnxValueType.Sequence:
                ProtoWriting.WriteMessage(output, 4, o => ProtoWriting.WriteMessage(o, 1, Inner!.WriteTo));
                break;
            case OnnxValueType.Map:
                ProtoWriting.WriteMessage(output, 5, o =>
                {
                    ProtoWriting.WriteInt32(o, 1, ElementType);
                    ProtoWriting.WriteMessage(o, 2, Inner!.WriteTo);
                });
                break;
            default:
                throw new NotSupportedException($"TypeProto kind {Kind} is not supported.");
        }
    }

    private void WriteTensorType(CodedOutputStream output)
    {
        ProtoWriting.WriteInt32(output, 1, ElementType);
        if (Shape is null)
        {
            return;
        }

        ProtoWriting.WriteMessage(output, 2, shape =>
        {
            foreach (Dimension dimension in Shape)
            {
                ProtoWriting.WriteMessage(shape, 1, d =>
                {
                    if (dimension.Value is long value)
                    {
                        d.WriteTag(1, WireFormat.WireType.Varint);
                        d.WriteInt64(value);
                    }
                    else if (dimension.Param is not null)
                    {
                        ProtoWriting.WriteStringAlways(d, 2, dimension.Param);
                    }
                });
            }
        });
    }
}
