using Google.Protobuf;
using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests;

public sealed class ProtobufTests
{
    public static TheoryData<OnnxTensor> Tensors() => new()
    {
        OnnxTensor.Create([1.5f, -2f, float.NaN, float.PositiveInfinity], 2, 2),
        OnnxTensor.Create([Math.PI, -0.0], 2),
        OnnxTensor.Create([int.MinValue, 0, int.MaxValue], 3, 1),
        OnnxTensor.Create([long.MinValue, -1L, long.MaxValue], 3),
        OnnxTensor.Create([(sbyte)-128, (sbyte)127], 2),
        OnnxTensor.Create([(byte)0, (byte)255], 1, 2),
        OnnxTensor.Create([true, false, true], 3),
        OnnxTensor.Create([42L]),
        OnnxTensor.Create(Array.Empty<float>(), 0, 4),
        OnnxTensor.CreateString(["", "héllo", "ü"], 3),
    };

    [Theory]
    [MemberData(nameof(Tensors))]
    public void Tensor_proto_round_trips_every_type(OnnxTensor tensor)
    {
        byte[] bytes = TensorProto.FromTensor("t", tensor).ToByteArray();

        TensorProto parsed = TensorProto.Parse(bytes);

        Assert.Equal("t", parsed.Name);
        TensorAssert.TensorEqual(tensor, parsed.ToOnnxTensor(), 0, 0, "t");
    }

    [Fact]
    public void Tensor_proto_reads_typed_fields_packed_and_unpacked()
    {
        byte[] bytes = Serialize(output =>
        {
            output.WriteTag(1, WireFormat.WireType.Varint); // dims, unpacked
            output.WriteInt64(2);
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt64(2);
            output.WriteTag(2, WireFormat.WireType.Varint); // data_type = FLOAT
            output.WriteInt32(1);
            output.WriteTag(4, WireFormat.WireType.LengthDelimited); // float_data, packed
            output.WriteLength(12);
            output.WriteFloat(1f);
            output.WriteFloat(2f);
            output.WriteFloat(3f);
            output.WriteTag(4, WireFormat.WireType.Fixed32); // float_data, unpacked
            output.WriteFloat(4f);
            output.WriteTag(99, WireFormat.WireType.Varint); // unknown field: skipped
            output.WriteInt32(7);
        });

        OnnxTensor tensor = TensorProto.Parse(bytes).ToOnnxTensor();

        Assert.Equal([2L, 2L], tensor.Shape.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], tensor.GetArray<float>());
    }

    [Fact]
    public void Tensor_proto_reads_small_integer_types_from_int32_data()
    {
        var proto = new TensorProto { DataType = (int)TensorElementType.Int8 };
        proto.Dims.Add(3);
        proto.Int32Data.AddRange([-5, 0, 100]);

        OnnxTensor tensor = TensorProto.Parse(proto.ToByteArray()).ToOnnxTensor();

        Assert.Equal([(sbyte)-5, (sbyte)0, (sbyte)100], tensor.GetArray<sbyte>());
    }

    [Fact]
    public void Sequence_proto_reads_tensor_elements()
    {
        byte[] first = TensorProto.Create<long>("", [1, 2], 2).ToByteArray();
        byte[] second = TensorProto.Create<long>("", [3], 1).ToByteArray();
        byte[] bytes = Serialize(output =>
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString("seq");
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt32(1); // TENSOR
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(first));
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(second));
        });

        OnnxSequence sequence = SequenceProto.Parse(bytes);

        Assert.Equal(2, sequence.Count);
        Assert.Equal([1L, 2L], ((OnnxTensor)sequence[0]).GetArray<long>());
        Assert.Equal([3L], ((OnnxTensor)sequence[1]).GetArray<long>());
    }

    [Fact]
    public void Negative_attribute_values_survive_the_writer()
    {
        // Softmax over axis -1 (a sign-extended varint) and Gemm's float alpha.
        var model = new ModelProto();
        model.OpsetImports.Add(new OperatorSetId(string.Empty, 21));
        model.Graph.Nodes.Add(new NodeProto("Softmax", ["x"], ["y"]).With(AttributeProto.Int("axis", -1)));
        model.Graph.Inputs.Add(new ValueInfoProto("x", TypeProto.Tensor(TensorElementType.Float, 2, 2)));
        model.Graph.Outputs.Add(new ValueInfoProto("y", TypeProto.Tensor(TensorElementType.Float, 2, 2)));
        using var session = new InferenceSession(model.ToByteArray());

        float[] y = session.Run(("x", OnnxTensor.Create([0f, 0f, 0f, 100f], 2, 2))).GetTensor("y").GetArray<float>();

        TensorAssert.Close([0.5, 0.5, 0, 1], [.. y.Select(v => (double)v)], 0, 1e-30, "y");
    }

    private static byte[] Serialize(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
