using System.Buffers;
using System.Data;
using System.Text;
using Drift.Service.Statistics;
using Monitoring.Data.Profiles;
using Npgsql;

namespace Drift.Service.Evaluation;

/// <summary>
/// The exact path for small windows: the numeric features' raw values of the version's logged predictions, streamed
/// (binary results, sequential access) from <c>prediction_logs</c>, each JSON document parsed once by PostgreSQL
/// (<c>json_to_record</c>), and compared with the reference by <see cref="WindowComparison.CompareValues"/> (an exact
/// KS on the raw values below the large-sample size). A value that is not a JSON number counts as missing.
/// </summary>
public static class RawWindowReader
{
    /// <summary>
    /// Per-feature results for the numeric features of <paramref name="profile"/>, and the rows read. With
    /// <paramref name="maxRows"/>, reading stops after one row more than that and the results are empty.
    /// </summary>
    public static async Task<(IReadOnlyList<FeatureDriftResult> Features, long Rows)> CompareAsync(
        NpgsqlDataSource dataSource,
        string model,
        int version,
        ReferenceProfile profile,
        DateTimeOffset from,
        DateTimeOffset to,
        DriftThresholds thresholds,
        long? maxRows,
        CancellationToken cancellationToken)
    {
        var numeric = profile.Features.Where(f => f.Type == FeatureType.Numeric).ToList();
        if (numeric.Count == 0)
        {
            return ([], 0);
        }

        var columns = new ValueColumn[numeric.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = new ValueColumn();
        }

        long rows = 0;
        try
        {
            await using (var command = dataSource.CreateCommand(Query(numeric, maxRows is null ? null : maxRows + 1)))
            {
                command.Parameters.Add(new() { Value = model });
                command.Parameters.Add(new() { Value = version });
                command.Parameters.Add(new() { Value = from });
                command.Parameters.Add(new() { Value = to });
                await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (++rows > maxRows)
                    {
                        return ([], rows);
                    }

                    for (var i = 0; i < columns.Length; i++)
                    {
                        columns[i].Add(await reader.IsDBNullAsync(i, cancellationToken) ? double.NaN : reader.GetDouble(i));
                    }
                }
            }

            var results = new FeatureDriftResult[numeric.Count];
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = WindowComparison.CompareValues(numeric[i], columns[i].Values, thresholds);
            }

            return (results, rows);
        }
        finally
        {
            foreach (var column in columns)
            {
                column.Dispose();
            }
        }
    }

    /// <summary>One column per numeric feature: the value when it is a JSON number, else null. Names are quoted identifiers.</summary>
    internal static string Query(IReadOnlyList<FeatureProfile> numeric, long? limit)
    {
        var select = new StringBuilder();
        var record = new StringBuilder();
        for (var i = 0; i < numeric.Count; i++)
        {
            var name = "\"" + numeric[i].Name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            select.Append(i == 0 ? string.Empty : ", ").Append($"CASE WHEN json_typeof(r.{name}) = 'number' THEN r.{name}::text::float8 END");
            record.Append(i == 0 ? string.Empty : ", ").Append($"{name} json");
        }

        return $"""
            SELECT {select}
            FROM prediction_logs p, json_to_record(p.features) AS r({record})
            WHERE p.created_at >= $3 AND p.created_at < $4 AND p.model_name = $1 AND p.model_version = $2
            {(limit is null ? string.Empty : $"LIMIT {limit.Value}")}
            """;
    }

    /// <summary>A growing column of doubles on pooled arrays.</summary>
    private sealed class ValueColumn : IDisposable
    {
        private double[] _values = ArrayPool<double>.Shared.Rent(1024);
        private int _count;

        public ReadOnlySpan<double> Values => _values.AsSpan(0, _count);

        public void Add(double value)
        {
            if (_count == _values.Length)
            {
                var larger = ArrayPool<double>.Shared.Rent(_values.Length * 2);
                _values.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<double>.Shared.Return(_values);
                _values = larger;
            }

            _values[_count++] = value;
        }

        public void Dispose() => ArrayPool<double>.Shared.Return(_values);
    }
}
