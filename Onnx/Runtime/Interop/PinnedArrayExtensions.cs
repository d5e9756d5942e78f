using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

internal static class PinnedArrayExtensions
{
    /// <summary>
    /// Reference to the first element of an array allocated on the pinned object heap (or a null
    /// reference when it is empty), so its address can be taken without a <c>fixed</c> block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref nint GetPinnableReferenceOrNull(this nint[] pinnedArray) =>
        ref pinnedArray.Length == 0 ? ref Unsafe.NullRef<nint>() : ref MemoryMarshal.GetArrayDataReference(pinnedArray);
}
