using Google.Protobuf;
using Onnx.Runtime;

namespace Onnx.Protobuf;

/// <summary>
/// Reader for ONNX <c>SequenceProto</c> (and the <c>MapProto</c> it may hold), as used by the ONNX test
/// data for sequence-typed inputs and outputs.
/// </summary>
public static class SequenceProto
{
    private const int ElemTypeField = 2;
    private const int TensorValuesField = 3;
    private const int SequenceValuesField = 5;
    private const int MapValuesField = 6;

    // SequenceProto.DataType
    private const int TensorElements = 1;
    private const int SequenceElements = 3;
    private const int MapElements = 4;

    /// <summary>Parses a serialized SequenceProto into an <see cref="OnnxSequence"/>.</summary>
    public static OnnxSequence Parse(ReadOnlySpan<byte> data) => Read(new CodedInputStream(data.ToArray()));

    private static OnnxSequence Read(CodedInputStream input)
    {
        var items = new List<OnnxValue>();
        int elementType = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ElemTypeField:
                    elementType = input.ReadInt32();
                    break;
                case TensorValuesField:
                    items.Add(TensorProto.Read(new CodedInputStream(input.ReadBytes().ToByteArray())).ToOnnxTensor());
                    break;
                case SequenceValuesField:
                    items.Add(Read(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                case MapValuesField:
                    items.Add(ReadMap(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (elementType is not (0 or TensorElements or SequenceElements or MapElements))
        {
            throw new NotSupportedException($"SequenceProto element type {elementType} is not supported.");
        }

        return new OnnxSequence(items);
    }

    // MapProto: key_type=2, keys=3 (int64), string_keys=4, values=5 (SequenceProto of the values).
    private static OnnxMap ReadMap(CodedInputStream input)
    {
        var keys = new List<long>();
        var stringKeys = new List<string>();
        OnnxSequence? values = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3:
                    ProtoReading.ReadRepeatedInt64(input, tag, keys);
                    break;
                case 4:
                    stringKeys.Add(input.ReadBytes().ToStringUtf8());
                    break;
                case 5:
                    values = Read(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (values is null || values.Count != 1 || values[0] is not OnnxTensor valueTensor)
        {
            throw new NotSupportedException("Only maps whose values are one tensor are supported.");
        }

        OnnxTensor keyTensor = stringKeys.Count > 0
            ? OnnxTensor.CreateString([.. stringKeys], stringKeys.Count)
            : OnnxTensor.Create(keys.ToArray(), keys.Count);
        return new OnnxMap(keyTensor, valueTensor);
    }
}
