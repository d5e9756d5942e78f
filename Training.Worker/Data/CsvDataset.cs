using System.Globalization;
using System.Text;
using Monitoring.Data.Csv;
using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>
/// Reads a user's CSV (a header row, then RFC 4180 records) into a <see cref="TabularDataset"/>, a buffer at a
/// time. Numbers are parsed with the invariant culture. An empty field, or an unquoted <c>NA</c> or <c>null</c> (any
/// case), is a missing value; a quoted <c>"NA"</c> is the text NA. Errors are <see cref="CsvFormatException"/>s
/// naming the line and column.
/// </summary>
public static class CsvDataset
{
    public static async Task<TabularDataset> ReadAsync(string path, CsvReadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the CSV from the stream's position. Inferring the schema takes two passes, so a stream that
    /// cannot seek is first copied to a temporary file.</summary>
    public static async Task<TabularDataset> ReadAsync(Stream stream, CsvReadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.TargetColumn);

        if (options.Schema is not null)
        {
            return await ReadWithSchemaAsync(stream, options, options.Schema, cancellationToken).ConfigureAwait(false);
        }

        if (!stream.CanSeek)
        {
            var copy = new FileStream(
                Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            await using (copy.ConfigureAwait(false))
            {
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                copy.Position = 0;
                return await ReadAsync(copy, options, cancellationToken).ConfigureAwait(false);
            }
        }

        var start = stream.Position;
        var schema = await InferSchemaAsync(stream, options.TargetColumn, options.Delimiter, cancellationToken).ConfigureAwait(false);
        stream.Position = start;
        return await ReadWithSchemaAsync(stream, options, schema, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The features of a CSV: every column but the target, in header order; numeric when all non-missing
    /// values parse as finite numbers (or none is present), otherwise categorical.</summary>
    public static async Task<FeatureSchema> InferSchemaAsync(Stream stream, string targetColumn, char delimiter = ',', CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(targetColumn);
        using var text = OpenText(stream);
        var reader = new CsvRecordReader(text, delimiter);
        var fields = new List<(string Value, bool Quoted)>();
        var header = await ReadHeaderAsync(reader, fields, cancellationToken).ConfigureAwait(false);
        var target = TargetIndex(header, targetColumn);

        var numeric = new bool[header.Length];
        Array.Fill(numeric, true);
        while (await reader.ReadAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            CheckFieldCount(reader, fields, header);
            for (var i = 0; i < header.Length; i++)
            {
                if (numeric[i] && i != target && !IsMissing(fields[i]) && !TryParseNumber(fields[i].Value, out _))
                {
                    numeric[i] = false;
                }
            }
        }

        var features = new List<FeatureDefinition>(header.Length - 1);
        for (var i = 0; i < header.Length; i++)
        {
            if (i != target)
            {
                features.Add(new FeatureDefinition(header[i], numeric[i] ? FeatureType.Numeric : FeatureType.Categorical));
            }
        }

        if (features.Count == 0)
        {
            throw new CsvFormatException($"The CSV has no feature columns besides the target '{targetColumn}'.", 1, null);
        }

        return new FeatureSchema(features);
    }

    private static async Task<TabularDataset> ReadWithSchemaAsync(Stream stream, CsvReadOptions options, FeatureSchema schema, CancellationToken cancellationToken)
    {
        using var text = OpenText(stream);
        var reader = new CsvRecordReader(text, options.Delimiter);
        var fields = new List<(string Value, bool Quoted)>();
        var header = await ReadHeaderAsync(reader, fields, cancellationToken).ConfigureAwait(false);
        var target = TargetIndex(header, options.TargetColumn);

        var features = schema.Features;
        var columnOf = new int[features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            columnOf[f] = Array.IndexOf(header, features[f].Name);
            if (columnOf[f] < 0)
            {
                throw new CsvFormatException(
                    $"The CSV has no column '{features[f].Name}', which the feature schema lists (header: {string.Join(", ", header)}).", 1, features[f].Name);
            }

            if (columnOf[f] == target)
            {
                throw new CsvFormatException($"Column '{features[f].Name}' cannot be both a feature and the target.", 1, features[f].Name);
            }
        }

        if (!options.IgnoreUnknownColumns)
        {
            for (var i = 0; i < header.Length; i++)
            {
                if (i != target && Array.IndexOf(columnOf, i) < 0)
                {
                    throw new CsvFormatException($"Column '{header[i]}' is neither in the feature schema nor the target.", 1, header[i]);
                }
            }
        }

        var numeric = new List<double>?[features.Count];
        var categorical = new List<string?>?[features.Count];
        var interned = new Dictionary<string, string>?[features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            if (features[f].Type == FeatureType.Numeric)
            {
                numeric[f] = [];
            }
            else
            {
                categorical[f] = [];
                interned[f] = new Dictionary<string, string>(StringComparer.Ordinal);
            }
        }

        var classification = options.Task == ModelTask.Classification;
        var knownClasses = options.ClassLabels is null ? null : new HashSet<string>(options.ClassLabels, StringComparer.Ordinal);
        var labelNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var labels = new List<string>();
        var values = new List<double>();

        while (await reader.ReadAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            CheckFieldCount(reader, fields, header);
            for (var f = 0; f < features.Count; f++)
            {
                var field = fields[columnOf[f]];
                if (numeric[f] is { } numbers)
                {
                    if (IsMissing(field))
                    {
                        numbers.Add(double.NaN);
                    }
                    else if (TryParseNumber(field.Value, out var number))
                    {
                        numbers.Add(number);
                    }
                    else
                    {
                        throw new CsvFormatException(
                            $"Line {reader.RecordLine}, column '{features[f].Name}': '{Shorten(field.Value)}' is not a finite number; numeric features take " +
                            "invariant-culture numbers such as 1234.5, or an empty field, NA or null when missing.",
                            reader.RecordLine,
                            features[f].Name);
                    }
                }
                else
                {
                    categorical[f]!.Add(IsMissing(field) ? null : Intern(interned[f]!, field.Value));
                }
            }

            var targetField = fields[target];
            if (IsMissing(targetField))
            {
                throw new CsvFormatException(
                    $"Line {reader.RecordLine}: the target column '{options.TargetColumn}' is empty; every training row needs its target.",
                    reader.RecordLine,
                    options.TargetColumn);
            }

            if (classification)
            {
                var label = Intern(labelNames, targetField.Value);
                if (knownClasses is not null && !knownClasses.Contains(label))
                {
                    throw new CsvFormatException(
                        $"Line {reader.RecordLine}, column '{options.TargetColumn}': '{Shorten(label)}' is not one of the classes {string.Join(", ", options.ClassLabels!)}.",
                        reader.RecordLine,
                        options.TargetColumn);
                }

                labels.Add(label);
            }
            else if (TryParseNumber(targetField.Value, out var value) && !double.IsNaN(value))
            {
                values.Add(value);
            }
            else
            {
                throw new CsvFormatException(
                    $"Line {reader.RecordLine}, column '{options.TargetColumn}': '{Shorten(targetField.Value)}' is not a finite number; a regression target must be one.",
                    reader.RecordLine,
                    options.TargetColumn);
            }
        }

        if ((classification ? labels.Count : values.Count) == 0)
        {
            throw new CsvFormatException("The CSV has a header but no data rows.", null, null);
        }

        return new TabularDataset(
            schema,
            [.. numeric.Select(column => column?.ToArray())],
            [.. categorical.Select(column => column?.ToArray())],
            options.Task,
            classification ? [.. labels] : null,
            classification ? null : [.. values],
            options.ClassLabels);
    }

    private static StreamReader OpenText(Stream stream) =>
        new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);

    private static async Task<string[]> ReadHeaderAsync(CsvRecordReader reader, List<(string Value, bool Quoted)> fields, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            throw new CsvFormatException("The CSV is empty; it needs a header row naming the columns.", null, null);
        }

        var header = fields.Select(field => field.Value.Trim()).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].Length == 0)
            {
                throw new CsvFormatException($"Line {reader.RecordLine}: header column {i + 1} has no name.", reader.RecordLine, null);
            }

            if (!seen.Add(header[i]))
            {
                throw new CsvFormatException($"Line {reader.RecordLine}: column '{header[i]}' appears twice in the header.", reader.RecordLine, header[i]);
            }
        }

        return header;
    }

    private static int TargetIndex(string[] header, string targetColumn)
    {
        var index = Array.IndexOf(header, targetColumn);
        return index >= 0
            ? index
            : throw new CsvFormatException(
                $"The CSV has no target column '{targetColumn}' (header: {string.Join(", ", header)}).", 1, targetColumn);
    }

    private static void CheckFieldCount(CsvRecordReader reader, List<(string Value, bool Quoted)> fields, string[] header)
    {
        if (fields.Count != header.Length)
        {
            throw new CsvFormatException(
                $"Line {reader.RecordLine}: {fields.Count} fields where the header has {header.Length} columns.", reader.RecordLine, null);
        }
    }

    private static bool IsMissing((string Value, bool Quoted) field)
    {
        var value = field.Value;
        if (value.Length == 0)
        {
            return true;
        }

        if (field.Quoted)
        {
            return false;
        }

        var trimmed = value.AsSpan().Trim();
        return trimmed.IsEmpty
            || trimmed.Equals("NA", StringComparison.OrdinalIgnoreCase)
            || trimmed.Equals("null", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A finite invariant-culture number; NaN text also counts (as missing, which NaN means in a column).</summary>
    private static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsInfinity(value);

    private static string Intern(Dictionary<string, string> pool, string value)
    {
        if (pool.TryGetValue(value, out var existing))
        {
            return existing;
        }

        pool[value] = value;
        return value;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");
}
