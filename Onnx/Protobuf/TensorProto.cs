using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Onnx.Runtime;

namespace Onnx.Protobuf;

/// <summary>
/// ONNX <c>TensorProto</c>: a named tensor, used for initializers and attribute values, and for the
/// <c>.pb</c> files of the ONNX test data. Written with <c>raw_data</c> (fixed-width types) or
/// <c>string_data</c>; read from any of the typed fields as well.
/// </summary>
public sealed class TensorProto
{
    // Field numbers from onnx.proto.
    private const int DimsField = 1;
    private const int DataTypeField = 2;
    private const int FloatDataField = 4;
    private const int Int32DataField = 5;
    private const int StringDataField = 6;
    private const int Int64DataField = 7;
    private const int NameField = 8;
    private const int RawDataField = 9;
    private const int DoubleDataField = 10;
    private const int UInt64DataField = 11;
    private const int DataLocationField = 14;

    public string Name { get; set; } = string.Empty;

    /// <summary>The ONNX <c>TensorProto.DataType</c> value.</summary>
    public int DataType { get; set; }

    public List<long> Dims { get; } = [];

    public byte[]? RawData { get; set; }

    public List<float> FloatData { get; } = [];

    public List<double> DoubleData { get; } = [];

    public List<int> Int32Data { get; } = [];

    public List<long> Int64Data { get; } = [];

    public List<ulong> UInt64Data { get; } = [];

    public List<byte[]> StringData { get; } = [];

    /// <summary>Creates a tensor from fixed-width values (stored as little-endian <c>raw_data</c>).</summary>
    public static TensorProto Create<T>(string name, ReadOnlySpan<T> values, params ReadOnlySpan<long> dims)
        where T : unmanaged
    {
        CheckCount(values.Length, dims);
        var tensor = new TensorProto
        {
            Name = name,
            DataType = TensorElementTypes.ToOnnxDataType(TensorElementTypes.Of<T>()),
            RawData = MemoryMarshal.AsBytes(values).ToArray(),
        };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    /// <summary>Creates a string tensor (UTF-8 <c>string_data</c>).</summary>
    public static TensorProto CreateStrings(string name, IReadOnlyList<string> values, params ReadOnlySpan<long> dims)
    {
        CheckCount(values.Count, dims);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorElementType.String };
        tensor.Dims.AddRange(dims);
        foreach (string value in values)
        {
            tensor.StringData.Add(Encoding.UTF8.GetBytes(value));
        }

        return tensor;
    }

    /// <summary>Converts an <see cref="OnnxTensor"/> to a TensorProto.</summary>
    public static TensorProto FromTensor(string name, OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.ElementType == TensorElementType.String)
        {
            return CreateStrings(name, tensor.GetStrings(), tensor.Shape);
        }

        var proto = new TensorProto
        {
            Name = name,
            DataType = TensorElementTypes.ToOnnxDataType(tensor.ElementType),
            RawData = tensor.AsBytes().ToArray(),
        };
        proto.Dims.AddRange(tensor.Shape);
        return proto;
    }

    public byte[] ToByteArray() => ProtoWriting.Serialize(WriteTo);

    internal void WriteTo(CodedOutputStream output)
    {
        foreach (long dim in Dims)
        {
            output.WriteTag(DimsField, WireFormat.WireType.Varint);
            output.WriteInt64(dim);
        }

        ProtoWriting.WriteInt32(output, DataTypeField, DataType);
        ProtoWriting.WritePackedFloat(output, FloatDataField, FloatData);
        if (Int32Data.Count > 0)
        {
            ProtoWriting.WritePackedInt64(output, Int32DataField, Int32Data.ConvertAll(v => (long)v));
        }

        foreach (byte[] value in StringData)
        {
            ProtoWriting.WriteBytes(output, StringDataField, value);
        }

        ProtoWriting.WritePackedInt64(output, Int64DataField, Int64Data);
        ProtoWriting.WriteString(output, NameField, Name);
        if (RawData is not null)
        {
            ProtoWriting.WriteBytes(output, RawDataField, RawData);
        }

        if (DoubleData.Count > 0)
        {
            output.WriteTag(DoubleDataField, WireFormat.WireType.LengthDelimited);
            output.WriteLength(DoubleData.Count * sizeof(double));
            foreach (double value in DoubleData)
            {
                output.WriteDouble(value);
            }
        }
    }

    /// <summary>Parses a serialized TensorProto (e.g. a <c>.pb</c> file of the ONNX test data).</summary>
    public static TensorProto Parse(ReadOnlySpan<byte> data) => Read(new CodedInputStream(data.ToArray()));

    internal static TensorProto Read(CodedInputStream input)
    {
        var tensor = new TensorProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case DimsField:
                    ProtoReading.ReadRepeatedInt64(input, tag, tensor.Dims);
                    break;
                case DataTypeField:
                    tensor.DataType = input.ReadInt32();
                    break;
                case FloatDataField:
                    ProtoReading.ReadRepeatedFloat(input, tag, tensor.FloatData);
                    break;
                case Int32DataField:
                    ProtoReading.ReadRepeatedInt32(input, tag, tensor.Int32Data);
                    break;
                case StringDataField:
                    tensor.StringData.Add(input.ReadBytes().ToByteArray());
                    break;
                case Int64DataField:
                    ProtoReading.ReadRepeatedInt64(input, tag, tensor.Int64Data);
                    break;
                case NameField:
                    tensor.Name = input.ReadString();
                    break;
                case RawDataField:
                    tensor.RawData = input.ReadBytes().ToByteArray();
                    break;
                case DoubleDataField:
                    ProtoReading.ReadRepeatedDouble(input, tag, tensor.DoubleData);
                    break;
                case UInt64DataField:
                    ProtoReading.ReadRepeatedUInt64(input, tag, tensor.UInt64Data);
                    break;
                case DataLocationField:
                    if (input.ReadEnum() != 0)
                    {
                        throw new NotSupportedException("Tensors with external data are not supported.");
                    }

                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return tensor;
    }

    /// <summary>Converts to a managed tensor (copying the data).</summary>
    public OnnxTensor ToOnnxTensor()
    {
        TensorElementType type = TensorElementTypes.FromOnnxDataType(DataType);
        long[] shape = [.. Dims];
        int count = checked((int)OnnxTensor.ElementCount(shape));

        if (type == TensorElementType.String)
        {
            return OnnxTensor.CreateString([.. StringData.Select(s => Encoding.UTF8.GetString(s))], shape);
        }

        if (RawData is not null)
        {
            return type switch
            {
                TensorElementType.Float => FromRaw<float>(shape),
                TensorElementType.Double => FromRaw<double>(shape),
                TensorElementType.Int8 => FromRaw<sbyte>(shape),
                TensorElementType.UInt8 => FromRaw<byte>(shape),
                TensorElementType.Int16 => FromRaw<short>(shape),
                TensorElementType.UInt16 => FromRaw<ushort>(shape),
                TensorElementType.Int32 => FromRaw<int>(shape),
                TensorElementType.UInt32 => FromRaw<uint>(shape),
                TensorElementType.Int64 => FromRaw<long>(shape),
                TensorElementType.UInt64 => FromRaw<ulong>(shape),
                TensorElementType.Bool => FromRaw<bool>(shape),
                TensorElementType.Float16 => FromRaw<Half>(shape),
                _ => throw new NotSupportedException($"TensorProto data type {DataType} is not supported."),
            };
        }

        return type switch
        {
            TensorElementType.Float => OnnxTensor.Create(Sized(FloatData.ToArray(), count), shape),
            TensorElementType.Double => OnnxTensor.Create(Sized(DoubleData.ToArray(), count), shape),
            TensorElementType.Int64 => OnnxTensor.Create(Sized(Int64Data.ToArray(), count), shape),
            TensorElementType.Int32 => OnnxTensor.Create(Sized(Int32Data.ToArray(), count), shape),
            TensorElementType.Int16 => OnnxTensor.Create(Sized(Int32Data.Select(v => (short)v).ToArray(), count), shape),
            TensorElementType.UInt16 => OnnxTensor.Create(Sized(Int32Data.Select(v => (ushort)v).ToArray(), count), shape),
            TensorElementType.Int8 => OnnxTensor.Create(Sized(Int32Data.Select(v => (sbyte)v).ToArray(), count), shape),
            TensorElementType.UInt8 => OnnxTensor.Create(Sized(Int32Data.Select(v => (byte)v).ToArray(), count), shape),
            TensorElementType.Bool => OnnxTensor.Create(Sized(Int32Data.Select(v => v != 0).ToArray(), count), shape),
            TensorElementType.Float16 => OnnxTensor.Create(Sized(Int32Data.Select(v => BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(), count), shape),
            TensorElementType.UInt32 => OnnxTensor.Create(Sized(UInt64Data.Select(v => (uint)v).ToArray(), count), shape),
            TensorElementType.UInt64 => OnnxTensor.Create(Sized(UInt64Data.ToArray(), count), shape),
            _ => throw new NotSupportedException($"TensorProto data type {DataType} is not supported."),
        };
    }

    private OnnxTensor FromRaw<T>(long[] shape)
        where T : unmanaged
    {
        T[] values = MemoryMarshal.Cast<byte, T>(RawData).ToArray();
        return OnnxTensor.Create(values, shape);
    }

    private static T[] Sized<T>(T[] values, int count) =>
        values.Length == count ? values : throw new InvalidDataException($"The tensor has {values.Length} values for {count} elements.");

    private static void CheckCount(int count, ReadOnlySpan<long> dims)
    {
        if (OnnxTensor.ElementCount(dims) != count)
        {
            throw new ArgumentException($"{count} values do not fill dims [{string.Join(", ", dims.ToArray())}].");
        }
    }
}
