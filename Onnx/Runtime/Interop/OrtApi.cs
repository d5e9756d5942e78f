using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Onnx.Runtime.Interop;

/// <summary>
/// The ONNX Runtime C API (OrtApi, version 30): a table of function pointers reached through the
/// library's only needed export, <c>OrtGetApiBase</c>. Slot indices are those of ORT 1.30's
/// <c>onnxruntime_c_api.h</c>; the table is append-only, so older slots never move.
/// </summary>
internal static unsafe class OrtApi
{
    public const uint ApiVersion = 30;

    // Slot indices (OrtApi field offset / pointer size).
    internal const int CreateStatusSlot = 0;
    internal const int GetErrorCodeSlot = 1;
    internal const int GetErrorMessageSlot = 2;
    internal const int CreateEnvSlot = 3;
    internal const int CreateSessionSlot = 7;
    internal const int CreateSessionFromArraySlot = 8;
    internal const int RunSlot = 9;
    internal const int CreateSessionOptionsSlot = 10;
    internal const int SetSessionExecutionModeSlot = 13;
    internal const int SetSessionLogSeverityLevelSlot = 22;
    internal const int SetSessionGraphOptimizationLevelSlot = 23;
    internal const int SetIntraOpNumThreadsSlot = 24;
    internal const int SetInterOpNumThreadsSlot = 25;
    internal const int SessionGetInputCountSlot = 30;
    internal const int SessionGetOutputCountSlot = 31;
    internal const int SessionGetInputTypeInfoSlot = 33;
    internal const int SessionGetOutputTypeInfoSlot = 34;
    internal const int SessionGetInputNameSlot = 36;
    internal const int SessionGetOutputNameSlot = 37;
    internal const int CreateTensorAsOrtValueSlot = 48;
    internal const int CreateTensorWithDataAsOrtValueSlot = 49;
    internal const int GetTensorMutableDataSlot = 51;
    internal const int FillStringTensorSlot = 52;
    internal const int GetStringTensorDataLengthSlot = 53;
    internal const int GetStringTensorContentSlot = 54;
    internal const int CastTypeInfoToTensorInfoSlot = 55;
    internal const int GetOnnxTypeFromTypeInfoSlot = 56;
    internal const int GetTensorElementTypeSlot = 60;
    internal const int GetDimensionsCountSlot = 61;
    internal const int GetDimensionsSlot = 62;
    internal const int GetSymbolicDimensionsSlot = 63;
    internal const int GetTensorShapeElementCountSlot = 64;
    internal const int GetTensorTypeAndShapeSlot = 65;
    internal const int GetValueTypeSlot = 67;
    internal const int CreateCpuMemoryInfoSlot = 69;
    internal const int AllocatorFreeSlot = 76;
    internal const int GetAllocatorWithDefaultOptionsSlot = 78;
    internal const int GetValueSlot = 80;
    internal const int GetValueCountSlot = 81;
    internal const int CreateValueSlot = 82;
    internal const int ReleaseEnvSlot = 92;
    internal const int ReleaseStatusSlot = 93;
    internal const int ReleaseMemoryInfoSlot = 94;
    internal const int ReleaseSessionSlot = 95;
    internal const int ReleaseValueSlot = 96;
    internal const int ReleaseTypeInfoSlot = 98;
    internal const int ReleaseTensorTypeAndShapeInfoSlot = 99;
    internal const int ReleaseSessionOptionsSlot = 100;
    internal const int CastTypeInfoToMapTypeInfoSlot = 103;
    internal const int CastTypeInfoToSequenceTypeInfoSlot = 104;
    internal const int GetMapKeyTypeSlot = 105;
    internal const int GetMapValueTypeSlot = 106;
    internal const int GetSequenceElementTypeSlot = 107;
    internal const int SessionGetModelMetadataSlot = 111;
    internal const int ModelMetadataGetProducerNameSlot = 112;
    internal const int ModelMetadataGetGraphNameSlot = 113;
    internal const int ModelMetadataGetDomainSlot = 114;
    internal const int ModelMetadataGetDescriptionSlot = 115;
    internal const int ModelMetadataLookupCustomMetadataMapSlot = 116;
    internal const int ModelMetadataGetVersionSlot = 117;
    internal const int ReleaseModelMetadataSlot = 118;
    internal const int ModelMetadataGetCustomMetadataMapKeysSlot = 123;
    internal const int AddSessionConfigEntrySlot = 130;
    internal const int ModelMetadataGetGraphDescriptionSlot = 158;
    internal const int GetBuildInfoStringSlot = 254;

    internal static readonly nint* Table;
    internal static readonly string VersionString;

    public static readonly delegate* unmanaged[Cdecl]<int, byte*, nint> CreateStatus;
    public static readonly delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;
    public static readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public static readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public static readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionExecutionMode;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionLogSeverityLevel;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    public static readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue;
    public static readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public static readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> FillStringTensor;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetStringTensorDataLength;
    public static readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint> GetStringTensorContent;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetOnnxTypeFromTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public static readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> GetSymbolicDimensions;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    public static readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetValueType;
    public static readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;
    public static readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint, nint*, nint> GetValue;
    public static readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetValueCount;
    public static readonly delegate* unmanaged[Cdecl]<nint*, nuint, int, nint*, nint> CreateValue;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToMapTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToSequenceTypeInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetMapKeyType;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetMapValueType;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetSequenceElementType;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> SessionGetModelMetadata;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetProducerName;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetGraphName;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetDomain;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetDescription;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte*, byte**, nint> ModelMetadataLookupCustomMetadataMap;
    public static readonly delegate* unmanaged[Cdecl]<nint, long*, nint> ModelMetadataGetVersion;
    public static readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseModelMetadata;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte***, long*, nint> ModelMetadataGetCustomMetadataMapKeys;
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry;
    public static readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetGraphDescription;
    public static readonly delegate* unmanaged[Cdecl]<byte*> GetBuildInfoString;

    static OrtApi()
    {
        nint library = OrtLibrary.Load();
        var getApiBase = (delegate* unmanaged[Cdecl]<nint*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        nint* apiBase = getApiBase();
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint*>)apiBase[0];
        var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
        VersionString = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? string.Empty;

        Table = getApi(ApiVersion);
        if (Table is null)
        {
            throw new OnnxRuntimeException(
                OrtErrorCode.Fail,
                $"The ONNX Runtime library (version {VersionString}) does not provide C API version {ApiVersion}; version 1.30 or newer is required.");
        }

        CreateStatus = (delegate* unmanaged[Cdecl]<int, byte*, nint>)Table[CreateStatusSlot];
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)Table[GetErrorCodeSlot];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)Table[GetErrorMessageSlot];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)Table[CreateEnvSlot];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)Table[CreateSessionSlot];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)Table[CreateSessionFromArraySlot];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Table[RunSlot];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)Table[CreateSessionOptionsSlot];
        SetSessionExecutionMode = (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[SetSessionExecutionModeSlot];
        SetSessionLogSeverityLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[SetSessionLogSeverityLevelSlot];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[SetSessionGraphOptimizationLevelSlot];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[SetIntraOpNumThreadsSlot];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[SetInterOpNumThreadsSlot];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[SessionGetInputCountSlot];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[SessionGetOutputCountSlot];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Table[SessionGetInputTypeInfoSlot];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Table[SessionGetOutputTypeInfoSlot];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Table[SessionGetInputNameSlot];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Table[SessionGetOutputNameSlot];
        CreateTensorAsOrtValue = (delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint>)Table[CreateTensorAsOrtValueSlot];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)Table[CreateTensorWithDataAsOrtValueSlot];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)Table[GetTensorMutableDataSlot];
        FillStringTensor = (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)Table[FillStringTensorSlot];
        GetStringTensorDataLength = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[GetStringTensorDataLengthSlot];
        GetStringTensorContent = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint>)Table[GetStringTensorContentSlot];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[CastTypeInfoToTensorInfoSlot];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[GetOnnxTypeFromTypeInfoSlot];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[GetTensorElementTypeSlot];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[GetDimensionsCountSlot];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)Table[GetDimensionsSlot];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)Table[GetSymbolicDimensionsSlot];
        GetTensorShapeElementCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[GetTensorShapeElementCountSlot];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[GetTensorTypeAndShapeSlot];
        GetValueType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[GetValueTypeSlot];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)Table[CreateCpuMemoryInfoSlot];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)Table[AllocatorFreeSlot];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)Table[GetAllocatorWithDefaultOptionsSlot];
        GetValue = (delegate* unmanaged[Cdecl]<nint, int, nint, nint*, nint>)Table[GetValueSlot];
        GetValueCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[GetValueCountSlot];
        CreateValue = (delegate* unmanaged[Cdecl]<nint*, nuint, int, nint*, nint>)Table[CreateValueSlot];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseEnvSlot];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseStatusSlot];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseMemoryInfoSlot];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseSessionSlot];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseValueSlot];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseTypeInfoSlot];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseTensorTypeAndShapeInfoSlot];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseSessionOptionsSlot];
        CastTypeInfoToMapTypeInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[CastTypeInfoToMapTypeInfoSlot];
        CastTypeInfoToSequenceTypeInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[CastTypeInfoToSequenceTypeInfoSlot];
        GetMapKeyType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[GetMapKeyTypeSlot];
        GetMapValueType = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[GetMapValueTypeSlot];
        GetSequenceElementType = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[GetSequenceElementTypeSlot];
        SessionGetModelMetadata = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[SessionGetModelMetadataSlot];
        ModelMetadataGetProducerName = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[ModelMetadataGetProducerNameSlot];
        ModelMetadataGetGraphName = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[ModelMetadataGetGraphNameSlot];
        ModelMetadataGetDomain = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[ModelMetadataGetDomainSlot];
        ModelMetadataGetDescription = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[ModelMetadataGetDescriptionSlot];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged[Cdecl]<nint, nint, byte*, byte**, nint>)Table[ModelMetadataLookupCustomMetadataMapSlot];
        ModelMetadataGetVersion = (delegate* unmanaged[Cdecl]<nint, long*, nint>)Table[ModelMetadataGetVersionSlot];
        ReleaseModelMetadata = (delegate* unmanaged[Cdecl]<nint, void>)Table[ReleaseModelMetadataSlot];
        ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged[Cdecl]<nint, nint, byte***, long*, nint>)Table[ModelMetadataGetCustomMetadataMapKeysSlot];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)Table[AddSessionConfigEntrySlot];
        ModelMetadataGetGraphDescription = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[ModelMetadataGetGraphDescriptionSlot];
        GetBuildInfoString = (delegate* unmanaged[Cdecl]<byte*>)Table[GetBuildInfoStringSlot];
    }

    /// <summary>Throws the ORT error carried by a non-null <c>OrtStatus*</c>, releasing the status.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfFailed(nint status)
    {
        if (status != 0)
        {
            ThrowFromStatus(status);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFromStatus(nint status) => throw CreateException(status);

    internal static OnnxRuntimeException CreateException(nint status)
    {
        try
        {
            var code = (OrtErrorCode)GetErrorCode(status);
            string message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? string.Empty;
            return new OnnxRuntimeException(code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }
}
