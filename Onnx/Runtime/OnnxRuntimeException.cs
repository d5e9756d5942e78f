namespace Onnx.Runtime;

/// <summary>An error reported by ONNX Runtime, carrying its error code and message.</summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(OrtErrorCode errorCode, string message)
        : base($"[{errorCode}] {message}")
    {
        ErrorCode = errorCode;
        OrtMessage = message;
    }

    /// <summary>ORT's error code.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ORT's message, without the code prefix.</summary>
    public string OrtMessage { get; }
}
