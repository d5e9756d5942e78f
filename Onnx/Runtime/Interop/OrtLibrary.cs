using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

/// <summary>
/// Finds and loads the ONNX Runtime shared library. The npm package ships it as
/// <c>libonnxruntime.so.1</c> only, a name .NET's probing for "onnxruntime" never tries, so it is
/// loaded by full path from the application folder (where the build copies it).
/// </summary>
internal static class OrtLibrary
{
    /// <summary>Environment variable that, when set, names the library file to load instead.</summary>
    public const string PathVariable = "ONNXRUNTIME_LIBRARY_PATH";

    public static string FileName { get; } =
        OperatingSystem.IsWindows() ? "onnxruntime.dll" :
        OperatingSystem.IsMacOS() ? "libonnxruntime.1.dylib" :
        "libonnxruntime.so.1";

    public static nint Load()
    {
        string? overridePath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            return NativeLibrary.Load(overridePath);
        }

        string besideApplication = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(besideApplication))
        {
            return NativeLibrary.Load(besideApplication);
        }

        // Last resort: the platform's own search (LD_LIBRARY_PATH, system folders).
        if (NativeLibrary.TryLoad(FileName, out nint systemHandle))
        {
            return systemHandle;
        }

        throw new DllNotFoundException(
            $"ONNX Runtime library '{FileName}' was not found next to the application ({besideApplication}) " +
            $"or on the system search path. Build the project that references Onnx (the build fetches it), or set {PathVariable}.");
    }
}
