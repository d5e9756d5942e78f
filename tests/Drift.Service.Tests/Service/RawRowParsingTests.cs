extern alias drift;

using System.Text;
using drift::Drift.Service.Evaluation;

namespace Drift.Service.Tests.Service;

/// <summary>Reading the numeric features of one logged document for the raw-row path.</summary>
public sealed class RawRowParsingTests
{
    private static readonly byte[][] s_names = [.. new[] { "a", "b", "c", "d" }.Select(Encoding.UTF8.GetBytes)];

    [Theory]
    [InlineData("""{"a":1,"b":2.5,"c":-3e2,"d":0}""", new[] { 1, 2.5, -300, 0 })]
    [InlineData("""{"d":4,"c":3,"b":2,"a":1}""", new[] { 1.0, 2, 3, 4 })]
    [InlineData("""{"a":null,"b":"2","c":true,"x":{"a":9,"b":[1,2]}}""", new[] { double.NaN, double.NaN, double.NaN, double.NaN })]
    [InlineData("""{"x":[{"a":5}],"b":7}""", new[] { double.NaN, 7, double.NaN, double.NaN })]
    [InlineData("""[1,2]""", new[] { double.NaN, double.NaN, double.NaN, double.NaN })]
    public void Numbers_are_read_by_name_anything_else_is_missing(string json, double[] expected)
    {
        var values = new double[4];

        RawWindowReader.ParseRow(Encoding.UTF8.GetBytes(json), s_names, values);

        Assert.Equal(expected, values);
    }
}
