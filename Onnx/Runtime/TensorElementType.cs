namespace Onnx.Runtime;

/// <summary>
/// ONNX Runtime's tensor element types (<c>ONNXTensorElementDataType</c>). Values 0–23 equal ONNX's
/// <c>TensorProto.DataType</c>; from 24 up they differ (see <see cref="TensorElementTypes.FromOnnxDataType"/>).
/// </summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    UInt2 = 24,
    Int2 = 25,
    Float8E8M0 = 26,
}

/// <summary>The kind of value an input or output holds (<c>ONNXType</c>).</summary>
public enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}

/// <summary>Helpers for <see cref="TensorElementType"/>.</summary>
public static class TensorElementTypes
{
    /// <summary>Maps an ONNX <c>TensorProto.DataType</c> value to ORT's element type.</summary>
    public static TensorElementType FromOnnxDataType(int onnxDataType) => onnxDataType switch
    {
        24 => TensorElementType.Float8E8M0,
        25 => TensorElementType.UInt2,
        26 => TensorElementType.Int2,
        _ => (TensorElementType)onnxDataType,
    };

    /// <summary>Maps ORT's element type to the ONNX <c>TensorProto.DataType</c> value.</summary>
    public static int ToOnnxDataType(TensorElementType type) => type switch
    {
        TensorElementType.Float8E8M0 => 24,
        TensorElementType.UInt2 => 25,
        TensorElementType.Int2 => 26,
        _ => (int)type,
    };

    /// <summary>The .NET type used for elements of <paramref name="type"/>, or null when there is none.</summary>
    public static Type? ClrType(TensorElementType type) => type switch
    {
        TensorElementType.Float => typeof(float),
        TensorElementType.Double => typeof(double),
        TensorElementType.Int8 => typeof(sbyte),
        TensorElementType.UInt8 => typeof(byte),
        TensorElementType.Int16 => typeof(short),
        TensorElementType.UInt16 => typeof(ushort),
        TensorElementType.Int32 => typeof(int),
        TensorElementType.UInt32 => typeof(uint),
        TensorElementType.Int64 => typeof(long),
        TensorElementType.UInt64 => typeof(ulong),
        TensorElementType.Bool => typeof(bool),
        TensorElementType.Float16 => typeof(Half),
        TensorElementType.String => typeof(string),
        _ => null,
    };

    /// <summary>The element type that holds values of the .NET type <typeparamref name="T"/>.</summary>
    public static TensorElementType Of<T>()
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(double)) return TensorElementType.Double;
        if (typeof(T) == typeof(sbyte)) return TensorElementType.Int8;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(short)) return TensorElementType.Int16;
        if (typeof(T) == typeof(ushort)) return TensorElementType.UInt16;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(uint)) return TensorElementType.UInt32;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(ulong)) return TensorElementType.UInt64;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        if (typeof(T) == typeof(string)) return TensorElementType.String;
        throw new NotSupportedException($"Type {typeof(T)} has no ONNX tensor element type.");
    }

    /// <summary>Bytes per element for fixed-width types; 0 for strings and sub-byte types.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        TensorElementType.Int16 or TensorElementType.UInt16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        TensorElementType.Float8E4M3FN or TensorElementType.Float8E4M3FNUZ or TensorElementType.Float8E5M2
            or TensorElementType.Float8E5M2FNUZ or TensorElementType.Float8E8M0 => 1,
        _ => 0,
    };
}
