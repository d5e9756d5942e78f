using System.Runtime.InteropServices;
using Onnx.Runtime;
using Onnx.Runtime.Interop;

namespace Onnx.Tests;

/// <summary>
/// Re-checks the OrtApi slot indices against the loaded library. Every slot the binding uses is also
/// exercised by the behaviour tests (a wrong slot would crash or misbehave there); these tests pin the
/// ones with distinctive, directly observable results.
/// </summary>
public sealed unsafe class OrtApiTests
{
    [Fact]
    public void Library_is_onnxruntime_1_30_with_api_version_30()
    {
        Assert.Equal("1.30.0", InferenceSession.OnnxRuntimeVersion);
        Assert.Equal(30u, OrtApi.ApiVersion);
        Assert.True(OrtApi.Table is not null);
    }

    [Fact]
    public void Build_copied_the_native_library_next_to_the_referencing_assembly()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, OrtLibrary.FileName)), $"{OrtLibrary.FileName} is missing from {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Status_slots_round_trip_code_and_utf8_message()
    {
        byte[] message = "héllo status"u8.ToArray().Append((byte)0).ToArray();
        fixed (byte* text = message)
        {
            nint status = OrtApi.CreateStatus((int)OrtErrorCode.InvalidGraph, text);
            Assert.NotEqual(0, status);
            OnnxRuntimeException exception = OrtApi.CreateException(status); // reads code and message, releases the status
            Assert.Equal(OrtErrorCode.InvalidGraph, exception.ErrorCode);
            Assert.Equal("héllo status", exception.OrtMessage);
        }
    }

    [Fact]
    public void Build_info_slot_returns_the_build_description()
    {
        string? buildInfo = Marshal.PtrToStringUTF8((nint)OrtApi.GetBuildInfoString());
        Assert.NotNull(buildInfo);
        Assert.Contains("git-commit-id", buildInfo, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_slot_the_binding_uses_is_populated_and_distinct()
    {
        int[] slots = [.. typeof(OrtApi).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Slot", StringComparison.Ordinal))
            .Select(f => (int)f.GetRawConstantValue()!)];
        Assert.True(slots.Length >= 60);

        nint[] pointers = [.. slots.Select(slot => OrtApi.Table[slot])];
        Assert.All(pointers, p => Assert.NotEqual(0, p));
        Assert.Equal(pointers.Length, pointers.Distinct().Count());
    }

    [Fact]
    public void Environment_is_a_process_wide_singleton()
    {
        nint env;
        fixed (byte* logId = "second\0"u8)
        {
            OrtApi.ThrowIfFailed(OrtApi.CreateEnv(3, logId, &env));
        }

        // ORT hands back the same environment; releasing this reference leaves ours alive.
        Assert.Equal(OrtEnvironment.Env, env);
        OrtApi.ReleaseEnv(env);
        using var session = new InferenceSession(TestModels.SoftmaxClassifier());
        Assert.Equal(2, session.Outputs.Count);
    }

    [Fact]
    public void Element_type_codes_from_24_up_differ_from_onnx()
    {
        Assert.Equal(TensorElementType.Float8E8M0, TensorElementTypes.FromOnnxDataType(24));
        Assert.Equal(TensorElementType.UInt2, TensorElementTypes.FromOnnxDataType(25));
        Assert.Equal(TensorElementType.Int2, TensorElementTypes.FromOnnxDataType(26));
        Assert.Equal(24, TensorElementTypes.ToOnnxDataType(TensorElementType.Float8E8M0));
        Assert.Equal(TensorElementType.Float4E2M1, TensorElementTypes.FromOnnxDataType(23));
    }
}
