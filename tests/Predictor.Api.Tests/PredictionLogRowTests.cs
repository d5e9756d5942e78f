extern alias predictor;

using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Monitoring.Testing;
using Npgsql;
using predictor::Predictor.Api.PredictionLogging;
using static Predictor.Api.Tests.PredictionLogHarness;

namespace Predictor.Api.Tests;

/// <summary>
/// The row the request path builds keeps the stored text of every column as it was (other services parse it), the
/// spill still reads segments of the earlier format, the COPY encoder's column types are the table's, and the writer
/// takes full batches without waiting for its flush interval.
/// </summary>
public sealed class PredictionLogRowTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _spill = Directory.CreateTempSubdirectory("predictor-rows-").FullName;

    public void Dispose() => Directory.Delete(_spill, recursive: true);

    [Fact]
    public void The_text_columns_are_kept_byte_for_byte_as_given()
    {
        var features = "{ \"f0\": 1.50, \"naïve\" : \"\\u00e9\\n\", \"f2\":null }"u8.ToArray();
        var probabilities = "{\"no\":0.3333333333333333,\"ja \\u65E5\":0.6666666666666666}"u8.ToArray();
        var entry = new PredictionLogEntry(Guid.CreateVersion7(), "credit", 3, DateTimeOffset.UnixEpoch, features, "naïve 日本", probabilities, null, 0.67, 0.25, drifted: true);
        var row = PredictionLogRow.Create(entry, ArrayPool<byte>.Shared);
        try
        {
            Assert.Equal(probabilities, row.ProbabilitiesJson.ToArray());
            Assert.Equal(features, row.FeaturesJson.ToArray());
            Assert.Equal("naïve 日本", Encoding.UTF8.GetString(row.Label));
            Assert.True(row.HasLabel && row.HasProbabilities && row.Drifted);
        }
        finally
        {
            row.Release();
        }
    }

    [Fact]
    public void A_regressor_row_has_no_label_and_no_probabilities()
    {
        var entry = new PredictionLogEntry(Guid.CreateVersion7(), "price", 1, DateTimeOffset.UnixEpoch, "{\"x\":1}"u8, null, default, 42.5, null, 0.1, drifted: false);
        var row = PredictionLogRow.Create(entry, ArrayPool<byte>.Shared);
        Assert.False(row.HasLabel);
        Assert.False(row.HasProbabilities);
        Assert.Equal(42.5, row.Value);
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(row.FeaturesJson));
        row.Release();
    }

    [Fact]
    public void A_spill_segment_written_in_the_earlier_string_format_reads_back_intact()
    {
        // The record layout BinaryWriter made when the row's text columns were strings.
        var id = Guid.CreateVersion7();
        var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(id.ToByteArray());
            writer.Write("credit");
            writer.Write(2);
            writer.Write(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).UtcTicks);
            writer.Write("{\"age\": 41, \"city\": \"Zürich\"}");
            writer.Write(true);
            writer.Write("yes");
            writer.Write(true);
            writer.Write("{\"no\":0.25,\"yes\":0.75}");
            writer.Write(false);
            writer.Write(true);
            writer.Write(0.75);
            writer.Write(1.5);
            writer.Write(true);
        }

        var bytes = payload.ToArray();
        var record = new byte[8 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), PredictionLogSpill.Crc32C(bytes));
        bytes.CopyTo(record, 8);
        var path = Path.Combine(_spill, "000000000000.spill");
        File.WriteAllBytes(path, record);

        var rows = PredictionLogSpill.ReadSegment(path, out var torn);

        Assert.Equal(0, torn);
        var row = Assert.Single(rows);
        Assert.Equal(id, row.Id);
        Assert.Equal("credit", row.ModelName);
        Assert.Equal(2, row.ModelVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), row.CreatedAt);
        Assert.Equal("{\"age\": 41, \"city\": \"Zürich\"}", Encoding.UTF8.GetString(row.FeaturesJson));
        Assert.Equal("yes", Encoding.UTF8.GetString(row.Label));
        Assert.Equal("{\"no\":0.25,\"yes\":0.75}", Encoding.UTF8.GetString(row.ProbabilitiesJson));
        Assert.Null(row.Value);
        Assert.Equal(0.75, row.Confidence);
        Assert.Equal(1.5, row.LatencyMs);
        Assert.True(row.Drifted);
    }

    [Fact]
    public async Task The_copy_encoder_writes_the_column_types_prediction_logs_has()
    {
        var db = await postgres.CreateDatabaseAsync("plog_types", TestContext.Current.CancellationToken);
        await MigrateAsync(db);
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var columns = PredictionLogWriter.Columns.Split(", ");
        var types = new List<string>();
        foreach (var column in columns)
        {
            await using var command = new NpgsqlCommand("select data_type from information_schema.columns where table_name = 'prediction_logs' and column_name = $1", connection)
            {
                Parameters = { new() { Value = column } },
            };
            types.Add((string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        }

        Assert.Equal(PredictionLogCopyEncoder.ColumnTypes, types);
    }

    [Fact]
    public async Task The_writer_wakes_for_each_full_batch_not_for_each_row_nor_only_at_the_flush_interval()
    {
        var db = await postgres.CreateDatabaseAsync("plog_wake", TestContext.Current.CancellationToken);
        await MigrateAsync(db);
        // A flush interval longer than the wait below: only full batches can explain the rows arriving.
        await using var harness = new PredictionLogHarness(db, _spill, options =>
        {
            options.BatchSize = 100;
            options.FlushInterval = TimeSpan.FromMinutes(2);
        });
        await harness.StartAsync();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(harness.Log.TryWrite(Row(i)));
        }

        await EventuallyAsync(async () => harness.Queue.Written == 1000 && await CountAsync(db) == 1000, "ten full batches are stored", timeoutSeconds: 60);
        Assert.Equal(10, harness.Queue.CopyBatches);
        Assert.Equal(0, harness.Queue.QueueLength);
    }
}
