using Onnx.Protobuf;
using Onnx.Runtime;

namespace Onnx.Tests;

/// <summary>
/// Runs every case of the ONNX backend test data (one folder per case with model.onnx and
/// test_data_set_N/{input,output}_K.pb) through the binding.
/// </summary>
public sealed class ConformanceTests
{
    private const double RelativeTolerance = 1e-3;
    private const double AbsoluteTolerance = 1e-7;

    /// <summary>Cases this ORT build cannot run, with the reason. Matched on the case folder name.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExcludedCases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["test_AvgPool1d"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool1d_stride"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool2d"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool2d_stride"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool3d"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool3d_stride"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_AvgPool3d_stride1_pad0_gpu_input"] = "AveragePool-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_BatchNorm1d_3d_input_eval"] = "BatchNormalization-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_BatchNorm2d_eval"] = "BatchNormalization-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_BatchNorm2d_momentum_eval"] = "BatchNormalization-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_BatchNorm3d_eval"] = "BatchNormalization-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_BatchNorm3d_momentum_eval"] = "BatchNormalization-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_GLU"] = "Mul-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_GLU_dim"] = "Mul-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_Linear"] = "Gemm-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_1d"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_1d_multiparam"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_2d"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_2d_multiparam"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_3d"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PReLU_3d_multiparam"] = "PRelu-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_PoissonNLLLLoss_no_reduce"] = "Mul-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_Softsign"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_add_broadcast"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_add_size1_broadcast"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_add_size1_right_broadcast"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_add_size1_singleton_broadcast"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_addconstant"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_addmm"] = "Gemm-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_basic"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_mm"] = "Gemm-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_non_float_params"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_params"] = "Add-6: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_operator_pow"] = "Pow-1: ai.onnx opset below 7, and ORT 1.30 registers CPU kernels only from opset 7 (NotImplemented at load)",
        ["test_gradient_of_add"] = "ai.onnx.preview.training Gradient: a training operator the inference build of ORT does not register",
        ["test_gradient_of_add_and_mul"] = "ai.onnx.preview.training Gradient: a training operator the inference build of ORT does not register",
    };

    /// <summary>
    /// Cases that need something from the machine: StringNormalizer with case change builds a C++ locale
    /// (en_US.UTF-8), which fails where that locale is not installed. Skipped only when ORT reports that.
    /// </summary>
    private const string LocaleFailure = "Failed to construct locale";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        string root = TestData.ConformanceDirectory;
        if (!Directory.Exists(root))
        {
            // A single row that skips and says why.
            data.Add(string.Empty);
            return data;
        }

        foreach (string model in Directory.EnumerateFiles(root, "model.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, Path.GetDirectoryName(model)!).Replace('\\', '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conformance_case_matches_expected_outputs(string testCase)
    {
        string root = TestData.ConformanceDirectory;
        if (testCase.Length == 0 || !Directory.Exists(root))
        {
            Assert.Skip($"ONNX conformance data not found at '{root}' (set {TestData.ConformanceVariable} to its folder).");
        }

        string caseDirectory = Path.Combine(root, testCase);
        if (ExcludedCases.TryGetValue(Path.GetFileName(testCase), out string? reason))
        {
            // Keep the list honest: an excluded case must still fail to load for the stated reason.
            var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Path.Combine(caseDirectory, "model.onnx")));
            Assert.Contains(error.ErrorCode, new[] { OrtErrorCode.NotImplemented, OrtErrorCode.Fail });
            Assert.Skip($"Excluded: {reason} (ORT: {error.OrtMessage})");
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(Path.Combine(caseDirectory, "model.onnx"), new SessionOptions { IntraOpThreads = 1 });
        }
        catch (OnnxRuntimeException e) when (e.OrtMessage.Contains(LocaleFailure, StringComparison.Ordinal))
        {
            Assert.Skip($"StringNormalizer needs the en_US.UTF-8 locale, which is not installed on this machine: {e.OrtMessage}");
            return;
        }

        using var sessionScope = session;

        string[] dataSets = Directory.GetDirectories(caseDirectory, "test_data_set_*");
        Assert.NotEmpty(dataSets);
        foreach (string dataSet in dataSets.Order(StringComparer.Ordinal))
        {
            var inputs = new List<KeyValuePair<string, OnnxValue>>();
            for (int i = 0; File.Exists(Path.Combine(dataSet, $"input_{i}.pb")); i++)
            {
                NodeMetadata input = session.Inputs[i];
                inputs.Add(new(input.Name, ReadValue(Path.Combine(dataSet, $"input_{i}.pb"), input.Type)));
            }

            RunResult result = session.Run(inputs);
            int outputCount = 0;
            for (int o = 0; File.Exists(Path.Combine(dataSet, $"output_{o}.pb")); o++, outputCount++)
            {
                NodeMetadata output = session.Outputs[o];
                OnnxValue expected = ReadValue(Path.Combine(dataSet, $"output_{o}.pb"), output.Type);
                TensorAssert.Equal(expected, result[o], RelativeTolerance, AbsoluteTolerance, $"{Path.GetFileName(dataSet)}/{output.Name}");
            }

            Assert.Equal(session.Outputs.Count, outputCount);
        }
    }

    private static OnnxValue ReadValue(string path, OnnxTypeInfo type)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return type.ValueType == OnnxValueType.Sequence ? SequenceProto.Parse(bytes) : TensorProto.Parse(bytes).ToOnnxTensor();
    }
}
