extern alias training;

using Monitoring.Data.Profiles;
using Monitoring.Data.Registry;
using training::Training.Worker.Data;

namespace Training.Worker.Tests.Data;

public sealed class DatasetSplitTests
{
    [Fact]
    public void Default_split_is_seventy_fifteen_fifteen_and_covers_every_row_once()
    {
        var data = Classes(1000, rareEvery: 5);

        var split = DatasetSplit.Split(data, seed: 1);

        Assert.Equal((700, 150, 150), (split.Train.RowCount, split.Validation.RowCount, split.Holdout.RowCount));
        var all = split.TrainRows.Concat(split.ValidationRows).Concat(split.HoldoutRows).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 1000), all);
    }

    [Fact]
    public void Parts_carry_the_rows_they_name()
    {
        var data = Classes(50, rareEvery: 4);

        var split = DatasetSplit.Split(data, seed: 2);

        // The feature holds the row number, so each part's values are its row list.
        Assert.Equal(split.HoldoutRows.Select(r => (double)r), split.Holdout.NumericColumns[0]!);
        Assert.Equal(split.HoldoutRows.Select(r => data.Labels![r]), split.Holdout.Labels!);
        Assert.Equal(data.ClassLabels, split.Validation.ClassLabels);
    }

    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        var data = Classes(400, rareEvery: 3);

        var first = DatasetSplit.Split(data, seed: 3);
        var again = DatasetSplit.Split(data, seed: 3);
        var other = DatasetSplit.Split(data, seed: 4);

        Assert.Equal(first.HoldoutRows, again.HoldoutRows);
        Assert.Equal(first.TrainRows, again.TrainRows);
        Assert.NotEqual(first.HoldoutRows, other.HoldoutRows);
    }

    [Theory]
    [InlineData(1000, 10, 0.7, 0.15)]
    [InlineData(333, 7, 0.6, 0.2)]
    [InlineData(97, 3, 0.5, 0.25)]
    public void Classification_parts_keep_each_class_share_within_one_row(int rows, int rareEvery, double train, double validation)
    {
        var data = Classes(rows, rareEvery);
        var rare = data.Labels!.Count(l => l == "rare");

        var split = DatasetSplit.Split(data, seed: 5, train, validation);

        foreach (var (part, fraction) in new[] { (split.Train, train), (split.Validation, validation), (split.Holdout, 1 - train - validation) })
        {
            var expected = rare * fraction;
            Assert.InRange(part.Labels!.Count(l => l == "rare"), expected - 1.01, expected + 1.01);
        }
    }

    [Fact]
    public void Regression_data_is_split_by_the_fractions()
    {
        var data = new TabularDataset(
            new FeatureSchema([new("x", FeatureType.Numeric)]),
            [Enumerable.Range(0, 200).Select(i => (double)i).ToArray()],
            [null],
            ModelTask.Regression,
            null,
            [.. Enumerable.Range(0, 200).Select(i => i * 2.0)]);

        var (train, validation, holdout) = DatasetSplit.Split(data, seed: 6, new SplitFractions(0.8, 0.1));

        Assert.Equal((160, 20, 20), (train.RowCount, validation.RowCount, holdout.RowCount));
        Assert.Equal(holdout.NumericColumns[0]!.Select(x => x * 2), holdout.Values!);
    }

    [Fact]
    public void A_split_without_validation_leaves_that_part_empty()
    {
        var split = DatasetSplit.Split(Classes(20, rareEvery: 2), seed: 7, train: 0.75, validation: 0);

        Assert.Equal((15, 0, 5), (split.Train.RowCount, split.Validation.RowCount, split.Holdout.RowCount));
    }

    [Theory]
    [InlineData(0.0, 0.1)]
    [InlineData(0.8, 0.3)]
    [InlineData(0.7, -0.1)]
    public void Impossible_fractions_are_rejected(double train, double validation)
    {
        Assert.Throws<ArgumentException>(() => DatasetSplit.Split(Classes(10, rareEvery: 2), seed: 1, train, validation));
    }

    [Fact]
    public void A_keyed_row_keeps_its_part_however_the_set_around_it_changes()
    {
        var keys = Enumerable.Range(0, 4000).Select(_ => Guid.CreateVersion7()).ToArray();
        var all = DatasetSplit.SplitByKey(Classes(4000, rareEvery: 3), keys);
        // The later half read again alone, as a later retrain would read a moved window of logged traffic.
        var later = DatasetSplit.SplitByKey(Classes(2000, rareEvery: 3), keys[2000..]);

        var partInAll = Parts(all, keys);
        var partInLater = Parts(later, keys[2000..]);
        Assert.All(partInLater, entry => Assert.Equal(partInAll[entry.Key], entry.Value));
        Assert.InRange(all.Train.RowCount / 4000.0, 0.67, 0.73);
        Assert.InRange(all.Holdout.RowCount / 4000.0, 0.13, 0.17);
        Assert.Equal(4000, all.Train.RowCount + all.Validation.RowCount + all.Holdout.RowCount);
    }

    [Fact]
    public void Concatenated_splits_keep_each_side_in_its_part()
    {
        var reference = DatasetSplit.Split(Classes(100, rareEvery: 4), seed: 3);
        var logged = DatasetSplit.SplitByKey(Classes(60, rareEvery: 4), [.. Enumerable.Range(0, 60).Select(_ => Guid.NewGuid())]);

        var both = DatasetSplit.Concat(reference, logged);

        Assert.Equal(reference.Holdout.RowCount + logged.Holdout.RowCount, both.Holdout.RowCount);
        Assert.Equal([.. reference.HoldoutRows, .. logged.HoldoutRows.Select(r => r + 100)], both.HoldoutRows);
        Assert.Equal([.. reference.Holdout.NumericColumns[0]!, .. logged.Holdout.NumericColumns[0]!], both.Holdout.NumericColumns[0]!);
    }

    private static Dictionary<Guid, string> Parts(DatasetSplits split, Guid[] keys) =>
        split.TrainRows.Select(r => (keys[r], "train"))
            .Concat(split.ValidationRows.Select(r => (keys[r], "validation")))
            .Concat(split.HoldoutRows.Select(r => (keys[r], "holdout")))
            .ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>Rows whose one feature is the row number; every <paramref name="rareEvery"/>-th row is "rare".</summary>
    private static TabularDataset Classes(int rows, int rareEvery) => new(
        new FeatureSchema([new("row", FeatureType.Numeric)]),
        [Enumerable.Range(0, rows).Select(i => (double)i).ToArray()],
        [null],
        ModelTask.Classification,
        [.. Enumerable.Range(0, rows).Select(i => i % rareEvery == 0 ? "rare" : "common")],
        null);
}
