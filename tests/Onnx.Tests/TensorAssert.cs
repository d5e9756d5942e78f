using Onnx.Runtime;

namespace Onnx.Tests;

internal static class TensorAssert
{
    /// <summary>Floats within |a − e| ≤ atol + rtol·|e| (NaN matches NaN); everything else exactly; shapes equal.</summary>
    public static void Equal(OnnxValue expected, OnnxValue actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.ValueType, actual.ValueType);
        switch (expected)
        {
            case OnnxTensor e:
                TensorEqual(e, (OnnxTensor)actual, rtol, atol, what);
                break;
            case OnnxSequence e:
                var a = (OnnxSequence)actual;
                Assert.True(e.Count == a.Count, $"{what}: sequence length {a.Count}, expected {e.Count}");
                for (int i = 0; i < e.Count; i++)
                {
                    Equal(e[i], a[i], rtol, atol, $"{what}[{i}]");
                }

                break;
            case OnnxMap e:
                var m = (OnnxMap)actual;
                TensorEqual(e.Keys, m.Keys, 0, 0, what + ".keys");
                TensorEqual(e.Values, m.Values, rtol, atol, what + ".values");
                break;
        }
    }

    public static void TensorEqual(OnnxTensor expected, OnnxTensor actual, double rtol, double atol, string what)
    {
        Assert.True(expected.ElementType == actual.ElementType, $"{what}: element type {actual.ElementType}, expected {expected.ElementType}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(",", actual.Shape.ToArray())}], expected [{string.Join(",", expected.Shape.ToArray())}]");
        switch (expected.ElementType)
        {
            case TensorElementType.Float:
                Close(expected.GetArray<float>().Select(v => (double)v).ToArray(), actual.GetArray<float>().Select(v => (double)v).ToArray(), rtol, atol, what);
                break;
            case TensorElementType.Double:
                Close(expected.GetArray<double>(), actual.GetArray<double>(), rtol, atol, what);
                break;
            case TensorElementType.Float16:
                Close(expected.GetArray<Half>().Select(v => (double)v).ToArray(), actual.GetArray<Half>().Select(v => (double)v).ToArray(), rtol, atol, what);
                break;
            default:
                for (int i = 0; i < expected.Length; i++)
                {
                    object? e = expected.Data.GetValue(i);
                    object? a = actual.Data.GetValue(i);
                    Assert.True(Equals(e, a), $"{what}[{i}]: {a}, expected {e}");
                }

                break;
        }
    }

    public static void Close(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            double a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a))
            {
                continue;
            }

            if (double.IsInfinity(e) && e == a)
            {
                continue;
            }

            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"{what}[{i}]: {a:R}, expected {e:R} (rtol {rtol}, atol {atol})");
        }
    }
}
