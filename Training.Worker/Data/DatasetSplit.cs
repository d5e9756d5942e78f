using Monitoring.Data.Registry;

namespace Training.Worker.Data;

/// <summary>The shares of rows for training and validation; the holdout gets the rest.</summary>
public sealed record SplitFractions(double Train = 0.7, double Validation = 0.15)
{
    public static SplitFractions Default { get; } = new();

    public double Holdout => 1 - Train - Validation;

    internal void Validate()
    {
        if (!(Train is > 0 and <= 1) || !(Validation is >= 0 and <= 1) || Holdout < -1e-9)
        {
            throw new ArgumentException(
                $"Split fractions need 0 < train ≤ 1, 0 ≤ validation and train + validation ≤ 1 (were {Train} and {Validation}).");
        }
    }
}

/// <summary>A dataset cut into training, validation and holdout rows, with the source row numbers of each part.</summary>
public sealed record DatasetSplits(
    TabularDataset Train,
    TabularDataset Validation,
    TabularDataset Holdout,
    int[] TrainRows,
    int[] ValidationRows,
    int[] HoldoutRows)
{
    public void Deconstruct(out TabularDataset train, out TabularDataset validation, out TabularDataset holdout) =>
        (train, validation, holdout) = (Train, Validation, Holdout);
}

/// <summary>
/// Deterministic train / validation / holdout splits: the same data, seed and fractions always give the same
/// rows. Classification splits are stratified, so each part's class shares match the whole dataset's within one
/// row per class. Part sizes are the rounded fractions of the row count; rows keep their source order within a part.
/// </summary>
public static class DatasetSplit
{
    public static DatasetSplits Split(TabularDataset data, int seed, SplitFractions? fractions = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (train, validation, holdout) = Indices(data, seed, fractions);
        return new DatasetSplits(data.Select(train), data.Select(validation), data.Select(holdout), train, validation, holdout);
    }

    public static DatasetSplits Split(TabularDataset data, int seed, double train, double validation) =>
        Split(data, seed, new SplitFractions(train, validation));

    /// <summary>
    /// Each row's part decided by its key alone (a hash of it against the fractions), so a row keeps its part however
    /// the set around it grows or shrinks: logged traffic read again for a later retrain never moves a row a model
    /// trained on into the holdout that judges it.
    /// </summary>
    public static DatasetSplits SplitByKey(TabularDataset data, IReadOnlyList<Guid> keys, SplitFractions? fractions = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count != data.RowCount)
        {
            throw new ArgumentException($"One key per row is needed ({keys.Count} keys for {data.RowCount} rows).", nameof(keys));
        }

        fractions ??= SplitFractions.Default;
        fractions.Validate();
        List<int> train = [], validation = [], holdout = [];
        for (var row = 0; row < keys.Count; row++)
        {
            var position = UnitInterval(keys[row]);
            (position < fractions.Train ? train : position < fractions.Train + fractions.Validation ? validation : holdout).Add(row);
        }

        return new DatasetSplits(data.Select([.. train]), data.Select([.. validation]), data.Select([.. holdout]), [.. train], [.. validation], [.. holdout]);
    }

    /// <summary>Two splits side by side: each part is the first's rows then the second's (row numbers of the second shifted past the first).</summary>
    public static DatasetSplits Concat(DatasetSplits first, DatasetSplits second)
    {
        var offset = first.Train.RowCount + first.Validation.RowCount + first.Holdout.RowCount;
        int[] Shift(int[] rows) => [.. rows.Select(r => r + offset)];
        return new DatasetSplits(
            TabularDataset.Concat(first.Train, second.Train),
            TabularDataset.Concat(first.Validation, second.Validation),
            TabularDataset.Concat(first.Holdout, second.Holdout),
            [.. first.TrainRows, .. Shift(second.TrainRows)],
            [.. first.ValidationRows, .. Shift(second.ValidationRows)],
            [.. first.HoldoutRows, .. Shift(second.HoldoutRows)]);
    }

    /// <summary>A key mapped to [0, 1) by SplitMix64's finaliser over its 128 bits: stable across runs and machines.</summary>
    internal static double UnitInterval(Guid key)
    {
        Span<byte> bytes = stackalloc byte[16];
        key.TryWriteBytes(bytes);
        var mixed = Mix(BitConverter.ToUInt64(bytes[..8]) ^ Mix(BitConverter.ToUInt64(bytes[8..])));
        return (mixed >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The row numbers of each part, ascending.</summary>
    public static (int[] Train, int[] Validation, int[] Holdout) Indices(TabularDataset data, int seed, SplitFractions? fractions = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        fractions ??= SplitFractions.Default;
        fractions.Validate();

        var rows = data.RowCount;
        var order = data.Task == ModelTask.Classification
            ? StratifiedOrder(data.Labels!, seed)
            : ShuffledOrder(rows, new Random(seed));

        var trainCount = Math.Min(rows, (int)Math.Round(rows * fractions.Train, MidpointRounding.AwayFromZero));
        var validationCount = Math.Min(rows - trainCount, (int)Math.Round(rows * fractions.Validation, MidpointRounding.AwayFromZero));

        var train = order.AsSpan(0, trainCount).ToArray();
        var validation = order.AsSpan(trainCount, validationCount).ToArray();
        var holdout = order.AsSpan(trainCount + validationCount).ToArray();
        Array.Sort(train);
        Array.Sort(validation);
        Array.Sort(holdout);
        return (train, validation, holdout);
    }

    /// <summary>
    /// Rows ordered so that every prefix holds each class in proportion: each class is shuffled, its k-th row of n
    /// gets the key (k + ½) / n, and rows are sorted by key (ties by class, in order of first appearance).
    /// </summary>
    private static int[] StratifiedOrder(string[] labels, int seed)
    {
        var classRows = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var classOrder = new List<List<int>>();
        for (var row = 0; row < labels.Length; row++)
        {
            if (!classRows.TryGetValue(labels[row], out var members))
            {
                members = [];
                classRows[labels[row]] = members;
                classOrder.Add(members);
            }

            members.Add(row);
        }

        // Classes in order of first appearance so the result does not depend on dictionary order.
        var random = new Random(seed);
        var keys = new double[labels.Length];
        var classIndex = new int[labels.Length];
        var order = new int[labels.Length];
        var next = 0;
        for (var c = 0; c < classOrder.Count; c++)
        {
            var members = classOrder[c].ToArray();
            Shuffle(members, random);
            for (var k = 0; k < members.Length; k++)
            {
                keys[next] = (k + 0.5) / members.Length;
                classIndex[next] = c;
                order[next] = members[k];
                next++;
            }
        }

        var positions = new int[labels.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = i;
        }

        Array.Sort(positions, (a, b) =>
        {
            var byKey = keys[a].CompareTo(keys[b]);
            return byKey != 0 ? byKey : classIndex[a].CompareTo(classIndex[b]);
        });

        var result = new int[labels.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = order[positions[i]];
        }

        return result;
    }

    private static int[] ShuffledOrder(int rows, Random random)
    {
        var order = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            order[i] = i;
        }

        Shuffle(order, random);
        return order;
    }

    private static void Shuffle(int[] items, Random random)
    {
        // Fisher-Yates, spelled out so the order depends only on the seed's sequence of Next calls.
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
