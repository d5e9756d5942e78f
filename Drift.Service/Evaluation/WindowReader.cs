using Drift.Service.Statistics;
using Npgsql;

namespace Drift.Service.Evaluation;

/// <summary>
/// Reads a window from the per-minute bins the predictor writes: one aggregate query summing the bigint[] counts
/// element-wise per feature in PostgreSQL, so the cost depends on minutes and features, never on traffic.
/// </summary>
public static class WindowReader
{
    private const string Query = """
        WITH rows AS (
            SELECT feature, counts, missing, out_of_range FROM feature_bin_counts
            WHERE model_name = $1 AND model_version = $2 AND minute >= $3 AND minute < $4),
        slots AS (
            SELECT feature, i, sum(c)::bigint AS total
            FROM rows, unnest(counts) WITH ORDINALITY AS u(c, i)
            GROUP BY feature, i),
        totals AS (
            SELECT feature, sum(missing)::bigint AS missing, sum(out_of_range)::bigint AS out_of_range FROM rows GROUP BY feature)
        SELECT s.feature, array_agg(s.total ORDER BY s.i), t.missing, t.out_of_range
        FROM slots s JOIN totals t USING (feature)
        GROUP BY s.feature, t.missing, t.out_of_range
        """;

    public sealed record FeatureWindow(WindowCounts Counts, long OutOfRange);

    public static async Task<Dictionary<string, FeatureWindow>> ReadAsync(
        NpgsqlDataSource dataSource, string model, int version, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Query);
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        var result = new Dictionary<string, FeatureWindow>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = new FeatureWindow(new WindowCounts(reader.GetFieldValue<long[]>(1), reader.GetInt64(2)), reader.GetInt64(3));
        }

        return result;
    }
}
