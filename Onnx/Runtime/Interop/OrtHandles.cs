using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

/// <summary>Base for SafeHandles over ORT objects; a zero pointer is invalid.</summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes ownership of a pointer an ORT call just returned.</summary>
    public void Attach(nint pointer) => SetHandle(pointer);
}

internal sealed unsafe class OrtSessionHandle : OrtHandle
{
    /// <summary>
    /// The session's input and output names in native memory. Owned here so they are freed only when
    /// the last in-flight Run (which holds a reference on this handle) has finished.
    /// </summary>
    public NativeBufferHandle? Names { get; set; }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        Names?.Dispose();
        return true;
    }
}

internal sealed unsafe class OrtSessionOptionsHandle : OrtHandle
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtValueHandle : OrtHandle
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        return true;
    }
}

internal sealed unsafe class OrtTypeInfoHandle : OrtHandle
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTypeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle : OrtHandle
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtModelMetadataHandle : OrtHandle
{
    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseModelMetadata(handle);
        return true;
    }
}

/// <summary>A block of native memory (64-byte aligned) freed with <see cref="NativeMemory.AlignedFree"/>.</summary>
internal sealed unsafe class NativeBufferHandle : SafeHandle
{
    public NativeBufferHandle(nuint byteCount)
        : base(0, ownsHandle: true)
    {
        ByteCount = byteCount;
        // Zero-length tensors still need a valid, distinct pointer.
        SetHandle((nint)NativeMemory.AlignedAlloc(Math.Max(byteCount, 1), 64));
        NativeMemory.Clear((void*)handle, Math.Max(byteCount, 1));
    }

    public nuint ByteCount { get; }

    public override bool IsInvalid => handle == 0;

    public void* Pointer => (void*)handle;

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}

/// <summary>
/// A native array of <c>OrtValue*</c> slots handed to <c>Run</c> as its outputs. Slots marked borrowed
/// hold values owned elsewhere (preallocated outputs); every other non-null slot holds a value ORT
/// allocated, which this handle releases (on <see cref="ReleaseOwnedValues"/> or when it is released).
/// </summary>
internal sealed unsafe class OrtValueSlotsHandle : SafeHandle
{
    private readonly int _count;

    public OrtValueSlotsHandle(int count)
        : base(0, ownsHandle: true)
    {
        _count = count;
        // Layout: count pointers, then count borrowed flags.
        nuint bytes = (nuint)Math.Max(count, 1) * (nuint)(sizeof(nint) + 1);
        SetHandle((nint)NativeMemory.AllocZeroed(bytes));
    }

    public override bool IsInvalid => handle == 0;

    public nint* Slots => (nint*)handle;

    public int Count => _count;

    private bool* Borrowed => (bool*)(Slots + Math.Max(_count, 1));

    public void SetBorrowed(int index, nint value)
    {
        Slots[index] = value;
        Borrowed[index] = true;
    }

    /// <summary>Releases the values ORT allocated into non-borrowed slots and clears those slots.</summary>
    public void ReleaseOwnedValues()
    {
        nint* slots = Slots;
        bool* borrowed = Borrowed;
        for (int i = 0; i < _count; i++)
        {
            if (!borrowed[i] && slots[i] != 0)
            {
                OrtApi.ReleaseValue(slots[i]);
                slots[i] = 0;
            }
        }
    }

    protected override bool ReleaseHandle()
    {
        ReleaseOwnedValues();
        NativeMemory.Free((void*)handle);
        return true;
    }
}
