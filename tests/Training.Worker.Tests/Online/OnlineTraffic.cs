extern alias training;

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Monitoring.Data;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using Monitoring.Data.Training;
using Npgsql;
using training::Training.Worker.Data;
using training::Training.Worker.Online;
using training::Training.Worker.Pipeline;

namespace Training.Worker.Tests.Online;

/// <summary>A logged prediction with its feedback as a test writes it: a seeded id, the features and the true label.</summary>
internal sealed record LoggedRow(Guid Id, SyntheticRow Row, string Label, DateTimeOffset ReceivedAt)
{
    public FeedbackPosition Position => new(ReceivedAt, Id);

    /// <summary>Whether online updates step on this row (the train part of every split), decided here as the split does.</summary>
    public bool IsTrainRow => DatasetSplit.UnitInterval(Id) < SplitFractions.Default.Train;
}

/// <summary>Labelled traffic written straight into the database, and independent checks of what online updates stored.</summary>
internal static class OnlineTraffic
{
    public const string Model = "credit";

    /// <summary>Rows with ids drawn from <paramref name="ids"/> (so each row's split part is fixed) received a microsecond apart from <paramref name="receivedFrom"/>.</summary>
    public static List<LoggedRow> Rows(IEnumerable<SyntheticRow> rows, Random ids, DateTimeOffset receivedFrom, Func<SyntheticRow, int, string>? label = null)
    {
        var bytes = new byte[16];
        return [.. rows.Select((row, i) =>
        {
            ids.NextBytes(bytes);
            return new LoggedRow(new Guid(bytes), row, label?.Invoke(row, i) ?? row.Label!, receivedFrom.AddTicks(10 * i));
        })];
    }

    /// <summary>The rows as the predictor and the drift service would have stored them: the prediction log and the feedback.</summary>
    public static async Task InsertAsync(string connectionString, IReadOnlyList<LoggedRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var row in rows)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO prediction_logs (id, model_name, model_version, created_at, features, label, latency_ms, drifted) VALUES ($1, $2, 1, now(), $3::json, 'good', 1, false)")
            {
                Parameters = { new() { Value = row.Id }, new() { Value = Model }, new() { Value = JsonSerializer.Serialize(row.Row.ToDictionary()) } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO feedback (prediction_id, model_name, model_version, actual_label, received_at) VALUES ($1, $2, 1, $3, $4)")
            {
                Parameters = { new() { Value = row.Id }, new() { Value = Model }, new() { Value = row.Label }, new() { Value = row.ReceivedAt } },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public static ModelDbContext Open(string connectionString) => new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql(connectionString).Options);

    public static async Task<OnlineUpdateState?> StateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var database = Open(connectionString);
        return await database.OnlineUpdates.AsNoTracking().SingleOrDefaultAsync(s => s.ModelName == Model, cancellationToken);
    }

    public static async Task<List<ModelVersion>> VersionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var database = Open(connectionString);
        return await database.ModelVersions.AsNoTracking().Include(v => v.Artifact).OrderBy(v => v.Version).ToListAsync(cancellationToken);
    }

    /// <summary>The "online" record a batch's version carries in its parameters.</summary>
    public static JsonObject OnlineRecord(ModelVersion version) => JsonNode.Parse(version.Parameters)!["online"]!.AsObject();

    public static FeedbackPosition Position(JsonNode position) =>
        new(position["received_at"]!.GetValue<DateTimeOffset>(), position["prediction_id"]!.GetValue<Guid>());

    /// <summary>
    /// Checks that <paramref name="candidate"/>'s coefficients are <paramref name="baseVersion"/>'s moved by exactly
    /// one step per row of <paramref name="rows"/>, in order, computed here with plain loops. A row applied twice,
    /// skipped or out of order moves them by far more than the tolerance.
    /// </summary>
    public static void AssertStepsFrom(ModelVersion baseVersion, ModelVersion candidate, IReadOnlyList<LoggedRow> rows, double learningRate)
    {
        var start = Read(baseVersion);
        var stored = Read(candidate);
        var outputs = start.Intercepts.Length;
        var weights = start.Weights.ToArray();
        var intercepts = start.Intercepts.ToArray();
        var encoded = start.Encoder.Encode(Dataset(rows));
        for (var r = 0; r < rows.Count; r++)
        {
            (weights, intercepts) = OnlineLinearModelTests.NaiveStep(
                weights, intercepts, outputs, encoded.Row(r).ToArray(), start.ClassIndex(rows[r].Label), learningRate, start.L2, logistic: outputs == 1);
        }

        // The stored coefficients are float32: equal to the replay within its rounding.
        for (var i = 0; i < weights.Length; i++)
        {
            Assert.True(Math.Abs(weights[i] - stored.Weights[i]) <= 1e-6 * Math.Max(1, Math.Abs(weights[i])), $"coefficient {i}: replayed {weights[i]}, stored {stored.Weights[i]}");
        }

        for (var k = 0; k < outputs; k++)
        {
            Assert.True(Math.Abs(intercepts[k] - stored.Intercepts[k]) <= 1e-6 * Math.Max(1, Math.Abs(intercepts[k])), $"intercept {k}: replayed {intercepts[k]}, stored {stored.Intercepts[k]}");
        }

        // The batch moved the coefficients, so agreeing with the replay says something.
        Assert.NotEqual(start.Weights.ToArray(), stored.Weights.ToArray());
    }

    public static OnlineLinearModel Read(ModelVersion version)
    {
        FeatureSchema.TryParse(version.FeatureSchema, out var schema, out _);
        return ExportedLinearModel.Read(version.Artifact!.Onnx, schema!, version.Algorithm, OnlineUpdateService.L2Of(version.Parameters));
    }

    private static TabularDataset Dataset(IReadOnlyList<LoggedRow> rows)
    {
        var schema = rows[0].Row.Schema;
        var features = schema.Features;
        var numeric = new double[]?[features.Count];
        var categorical = new string?[]?[features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            if (features[f].Type == FeatureType.Numeric)
            {
                numeric[f] = [.. rows.Select(r => r.Row.Features[f] is double value ? value : double.NaN)];
            }
            else
            {
                categorical[f] = [.. rows.Select(r => r.Row.Features[f] as string)];
            }
        }

        return new TabularDataset(schema, numeric, categorical, ModelTask.Classification, [.. rows.Select(r => r.Label)], null);
    }
}
