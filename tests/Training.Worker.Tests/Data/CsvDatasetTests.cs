extern alias training;

using System.Globalization;
using System.Text;
using Monitoring.Data.Csv;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;

namespace Training.Worker.Tests.Data;

public sealed class CsvDatasetTests
{
    private static readonly CsvReadOptions s_classification = new() { TargetColumn = "label", Task = ModelTask.Classification };

    [Fact]
    public async Task Quoted_fields_keep_delimiters_doubled_quotes_and_line_breaks()
    {
        const string csv = "name,size,label\r\n\"Smith, J\",1.5,yes\r\n\"say \"\"hi\"\"\",2,no\r\n\"two\r\nlines\",3,yes\r\n";

        var data = await Read(csv, s_classification);

        AssertCategories(["Smith, J", "say \"hi\"", "two\r\nlines"], data.CategoricalColumns[data.IndexOf("name")]!);
        Assert.Equal([1.5, 2, 3], data.NumericColumns[data.IndexOf("size")]!);
        Assert.Equal(["yes", "no", "yes"], data.Labels!);
    }

    [Fact]
    public async Task Types_are_inferred_from_whether_every_present_value_is_a_number()
    {
        const string csv = "age,city,code,label\n30,Oslo,1,a\nNA,Bergen,x2,b\n41.5,,3,a\n1e3,null,4,b\n";

        var data = await Read(csv, s_classification);

        Assert.Equal(
            [new("age", FeatureType.Numeric), new("city", FeatureType.Categorical), new FeatureDefinition("code", FeatureType.Categorical)],
            data.Schema.Features);
        Assert.Equal([30, double.NaN, 41.5, 1000], data.NumericColumns[0]!);
        AssertCategories(["Oslo", "Bergen", null, null], data.CategoricalColumns[1]!);
        AssertCategories(["1", "x2", "3", "4"], data.CategoricalColumns[2]!);
        Assert.Equal(["a", "b"], data.ClassLabels);
    }

    [Fact]
    public async Task A_quoted_NA_is_text_but_an_unquoted_one_is_missing()
    {
        const string csv = "country,label\n\"NA\",x\nNA,y\n\"\",x\n";

        var data = await Read(csv, s_classification);

        AssertCategories(["NA", null, null], data.CategoricalColumns[0]!);
    }

    [Fact]
    public async Task A_given_schema_picks_its_columns_in_its_order_and_ignores_others()
    {
        const string csv = "id,price,rooms,area\n1,100.5,3,70\n2,200,4,NA\n";
        var schema = new FeatureSchema([new("area", FeatureType.Numeric), new("rooms", FeatureType.Categorical)]);

        var data = await Read(csv, new CsvReadOptions { TargetColumn = "price", Task = ModelTask.Regression, Schema = schema });

        Assert.Same(schema, data.Schema);
        Assert.Equal([70, double.NaN], data.NumericColumns[0]!);
        AssertCategories(["3", "4"], data.CategoricalColumns[1]!);
        Assert.Equal([100.5, 200], data.Values!);
    }

    [Fact]
    public async Task Unknown_columns_are_an_error_when_asked_for()
    {
        var schema = new FeatureSchema([new("area", FeatureType.Numeric)]);
        var options = new CsvReadOptions { TargetColumn = "price", Task = ModelTask.Regression, Schema = schema, IgnoreUnknownColumns = false };

        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read("id,area,price\n1,2,3\n", options));

        Assert.Equal("id", error.Column);
        Assert.Contains("'id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_column_missing_from_the_header_is_named()
    {
        var schema = new FeatureSchema([new("area", FeatureType.Numeric), new("floor", FeatureType.Numeric)]);

        var error = await Assert.ThrowsAsync<CsvFormatException>(() =>
            Read("area,price\n1,2\n", new CsvReadOptions { TargetColumn = "price", Task = ModelTask.Regression, Schema = schema }));

        Assert.Equal("floor", error.Column);
        Assert.Contains("no column 'floor'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_target_column_is_named()
    {
        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read("a,b\n1,2\n", s_classification));

        Assert.Contains("no target column 'label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_number_in_a_numeric_column_names_its_line_and_column()
    {
        var schema = new FeatureSchema([new("size", FeatureType.Numeric)]);
        // The quoted line break makes the bad record start on line 4.
        const string csv = "size,label\n1,\"a\nb\"\n12abc,x\n";

        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read(csv, s_classification with { Schema = schema }));

        Assert.Equal(4, error.Line);
        Assert.Equal("size", error.Column);
        Assert.StartsWith("Line 4, column 'size': '12abc'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_target_names_its_line()
    {
        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read("x,label\n1,a\n2,\n", s_classification));

        Assert.Equal(3, error.Line);
        Assert.Equal("label", error.Column);
    }

    [Fact]
    public async Task A_regression_target_must_be_a_finite_number()
    {
        var options = new CsvReadOptions { TargetColumn = "y", Task = ModelTask.Regression };

        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read("x,y\n1,2\n2,Infinity\n", options));

        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("a,label\n1,x,extra\n", "3 fields where the header has 2")]
    [InlineData("a,label\n\"1,x\n", "not closed")]
    [InlineData("a,label\n\"1\"2,x\n", "after a closing quote")]
    [InlineData("", "empty")]
    [InlineData("a,label\n", "no data rows")]
    [InlineData("a,a,label\n1,2,x\n", "twice")]
    public async Task Malformed_files_are_explained(string csv, string expected)
    {
        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Read(csv, s_classification));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_outside_the_given_classes_are_rejected()
    {
        var error = await Assert.ThrowsAsync<CsvFormatException>(() =>
            Read("a,label\n1,x\n2,z\n", s_classification with { ClassLabels = ["x", "y"] }));

        Assert.Equal(3, error.Line);
    }

    [Fact]
    public async Task A_stream_that_cannot_seek_is_still_inferred()
    {
        using var stream = new ForwardOnlyStream(Encoding.UTF8.GetBytes("\uFEFFx,label\n1,a\n2,b\n"));

        var data = await CsvDataset.ReadAsync(stream, s_classification, TestContext.Current.CancellationToken);

        Assert.Equal([1.0, 2.0], data.NumericColumns[0]!);
        Assert.Equal("x", data.Schema.Features[0].Name);
    }

    [Fact]
    public async Task A_file_larger_than_the_read_buffer_reads_back_every_value()
    {
        // Enough rows that quotes, doubled quotes and CRLFs straddle many 64K buffer boundaries.
        var path = Path.Combine(Path.GetTempPath(), $"csv-{Guid.NewGuid():N}.csv");
        try
        {
            const int rows = 30_000;
            var builder = new StringBuilder("note,value,label\r\n");
            for (var i = 0; i < rows; i++)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\"n\"\"{i}\"\"\r\n,x\",{i * 0.5},{(i % 3 == 0 ? "a" : "b")}\r\n");
            }

            await File.WriteAllTextAsync(path, builder.ToString(), TestContext.Current.CancellationToken);

            var data = await CsvDataset.ReadAsync(path, s_classification, TestContext.Current.CancellationToken);

            Assert.Equal(rows, data.RowCount);
            var notes = data.CategoricalColumns[0]!;
            var values = data.NumericColumns[1]!;
            for (var i = 0; i < rows; i++)
            {
                Assert.Equal($"n\"{i}\"\r\n,x", notes[i]);
                Assert.Equal(i * 0.5, values[i]);
            }

            Assert.Equal(rows / 3, data.Labels!.Count(l => l == "a"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertCategories(string?[] expected, string?[] actual) => Assert.Equal<IEnumerable<string?>>(expected, actual);

    private static async Task<TabularDataset> Read(string csv, CsvReadOptions options)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        return await CsvDataset.ReadAsync(stream, options, TestContext.Current.CancellationToken);
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
