using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

/// <summary>
/// The process-wide ORT objects: the environment (ORT keeps one per process; a second CreateEnv returns
/// the same pointer), the default CPU allocator (never freed) and the CPU memory description. They live
/// as long as the process.
/// </summary>
internal static unsafe class OrtEnvironment
{
    private const int LogSeverityError = 3;

    public static readonly nint Env;
    public static readonly nint Allocator;
    public static readonly nint CpuMemoryInfo;

    static OrtEnvironment()
    {
        nint env;
        fixed (byte* logId = "Onnx"u8)
        {
            OrtApi.ThrowIfFailed(OrtApi.CreateEnv(LogSeverityError, logId, &env));
        }

        Env = env;

        nint allocator;
        OrtApi.ThrowIfFailed(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        Allocator = allocator;

        nint memoryInfo;
        OrtApi.ThrowIfFailed(OrtApi.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &memoryInfo));
        CpuMemoryInfo = memoryInfo;
    }

    /// <summary>Copies and frees a string ORT allocated with the default allocator.</summary>
    public static string? TakeAllocatedString(byte* value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)value);
        }
        finally
        {
            nint status = OrtApi.AllocatorFree(Allocator, value);
            if (status != 0)
            {
                OrtApi.ReleaseStatus(status);
            }
        }
    }
}
