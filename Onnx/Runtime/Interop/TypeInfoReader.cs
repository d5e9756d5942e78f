using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

/// <summary>Reads an <c>OrtTypeInfo</c> (recursively for sequences and maps) into <see cref="OnnxTypeInfo"/>.</summary>
internal static unsafe class TypeInfoReader
{
    /// <summary>Reads the type info, then releases it (also when reading fails).</summary>
    public static OnnxTypeInfo ReadAndRelease(nint typeInfo)
    {
        using var handle = new OrtTypeInfoHandle();
        handle.Attach(typeInfo);
        return Read(typeInfo);
    }

    private static OnnxTypeInfo Read(nint typeInfo)
    {
        int onnxType;
        OrtApi.ThrowIfFailed(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
        var valueType = (OnnxValueType)onnxType;
        switch (valueType)
        {
            case OnnxValueType.Tensor:
            case OnnxValueType.SparseTensor:
            {
                // Owned by typeInfo: not released here.
                nint tensorInfo;
                OrtApi.ThrowIfFailed(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
                if (tensorInfo == 0)
                {
                    return new OnnxTypeInfo(valueType, TensorElementType.Undefined, [], [], TensorElementType.Undefined, null);
                }

                (TensorElementType elementType, long[] shape) = ValueMarshaller.ReadTensorInfo(tensorInfo);
                string[] symbols = new string[shape.Length];
                if (shape.Length > 0)
                {
                    byte** names = stackalloc byte*[shape.Length];
                    OrtApi.ThrowIfFailed(OrtApi.GetSymbolicDimensions(tensorInfo, names, (nuint)shape.Length));
                    for (int i = 0; i < shape.Length; i++)
                    {
                        symbols[i] = names[i] is null ? string.Empty : Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
                    }
                }

                return new OnnxTypeInfo(valueType, elementType, shape, symbols, TensorElementType.Undefined, null);
            }

            case OnnxValueType.Sequence:
            {
                nint sequenceInfo;
                OrtApi.ThrowIfFailed(OrtApi.CastTypeInfoToSequenceTypeInfo(typeInfo, &sequenceInfo));
                nint elementInfo;
                OrtApi.ThrowIfFailed(OrtApi.GetSequenceElementType(sequenceInfo, &elementInfo));
                OnnxTypeInfo element = ReadAndRelease(elementInfo);
                return new OnnxTypeInfo(valueType, TensorElementType.Undefined, [], [], TensorElementType.Undefined, element);
            }

            case OnnxValueType.Map:
            {
                nint mapInfo;
                OrtApi.ThrowIfFailed(OrtApi.CastTypeInfoToMapTypeInfo(typeInfo, &mapInfo));
                int keyType;
                OrtApi.ThrowIfFailed(OrtApi.GetMapKeyType(mapInfo, &keyType));
                nint valueInfo;
                OrtApi.ThrowIfFailed(OrtApi.GetMapValueType(mapInfo, &valueInfo));
                OnnxTypeInfo value = ReadAndRelease(valueInfo);
                return new OnnxTypeInfo(valueType, TensorElementType.Undefined, [], [], (TensorElementType)keyType, value);
            }

            default:
                return new OnnxTypeInfo(valueType, TensorElementType.Undefined, [], [], TensorElementType.Undefined, null);
        }
    }
}
