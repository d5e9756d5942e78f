using Google.Protobuf;

namespace Onnx.Protobuf;

/// <summary>Helpers to write protobuf fields with <see cref="CodedOutputStream"/> (proto3 rules: defaults are omitted).</summary>
internal static class ProtoWriting
{
    public static byte[] Serialize(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }

    public static void WriteString(CodedOutputStream output, int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    /// <summary>Writes a string even when empty (for repeated string fields such as node inputs, where "" means "absent input").</summary>
    public static void WriteStringAlways(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public static void WriteBytes(CodedOutputStream output, int field, ReadOnlyMemory<byte> value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    public static void WriteInt64(CodedOutputStream output, int field, long value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }
    }

    public static void WriteInt32(CodedOutputStream output, int field, int value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt32(value);
        }
    }

    public static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> writeMessage) =>
        WriteBytes(output, field, Serialize(writeMessage));

    public static void WritePackedInt64(CodedOutputStream output, int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        int length = 0;
        foreach (long value in values)
        {
            length += CodedOutputStream.ComputeInt64Size(value);
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(length);
        foreach (long value in values)
        {
            output.WriteInt64(value);
        }
    }

    public static void WritePackedFloat(CodedOutputStream output, int field, IReadOnlyList<float> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(values.Count * sizeof(float));
        foreach (float value in values)
        {
            output.WriteFloat(value);
        }
    }
}

/// <summary>Helpers to read protobuf fields with <see cref="CodedInputStream"/>, accepting packed and unpacked repeated scalars.</summary>
internal static class ProtoReading
{
    public static void ReadRepeatedInt64(CodedInputStream input, uint tag, List<long> target)
    {
        if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                target.Add(packed.ReadInt64());
            }
        }
        else
        {
            target.Add(input.ReadInt64());
        }
    }

    public static void ReadRepeatedUInt64(CodedInputStream input, uint tag, List<ulong> target)
    {
        if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                target.Add(packed.ReadUInt64());
            }
        }
        else
        {
            target.Add(input.ReadUInt64());
        }
    }

    public static void ReadRepeatedInt32(CodedInputStream input, uint tag, List<int> target)
    {
        if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                target.Add(packed.ReadInt32());
            }
        }
        else
        {
            target.Add(input.ReadInt32());
        }
    }

    public static void ReadRepeatedFloat(CodedInputStream input, uint tag, List<float> target)
    {
        if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                target.Add(packed.ReadFloat());
            }
        }
        else
        {
            target.Add(input.ReadFloat());
        }
    }

    public static void ReadRepeatedDouble(CodedInputStream input, uint tag, List<double> target)
    {
        if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd)
            {
                target.Add(packed.ReadDouble());
            }
        }
        else
        {
            target.Add(input.ReadDouble());
        }
    }
}
