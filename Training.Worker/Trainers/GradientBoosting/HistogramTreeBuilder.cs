using System.Buffers;
using Onnx.Export;

namespace Training.Worker.Trainers.GradientBoosting;

/// <summary>
/// Grows one regression tree on gradients and hessians, level by level, from per-bin histograms. A child's
/// histogram is built from its rows only for the smaller child; the larger one is the parent's minus it. Leaves get
/// <c>−learningRate · G / (H + λ)</c>. Work is split by feature, and each feature's result does not depend on the
/// others, so trees are the same on any number of cores.
/// </summary>
internal sealed class HistogramTreeBuilder
{
    private const double MinHessianPerChild = 1e-3;

    private readonly byte[][] _bins;
    private readonly FeatureBinner _binner;
    private readonly GradientBoostingSettings _options;
    private readonly int _rows;
    private readonly int[] _indices;
    private readonly int[] _scratch;
    private readonly int _stride;

    public HistogramTreeBuilder(byte[][] bins, FeatureBinner binner, GradientBoostingSettings options, int rows)
    {
        _bins = bins;
        _binner = binner;
        _options = options;
        _rows = rows;
        _indices = new int[rows];
        _scratch = new int[rows];
        _stride = options.MaxBins;
    }

    /// <summary>Builds a tree adding to output <paramref name="output"/>; <paramref name="leafOfRow"/> receives each row's leaf value.</summary>
    public RegressionTree Build(double[] gradients, double[] hessians, int output, float[] leafOfRow, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _rows; i++)
        {
            _indices[i] = i;
        }

        var nodes = new List<TreeNode> { default };
        var root = new PendingNode(0, 0, _rows) { Histogram = CanSplit(0, _rows) ? BuildHistogram(0, _rows, gradients, hessians) : null };
        var level = new List<PendingNode> { root };
        for (var depth = 0; level.Count > 0; depth++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = new List<PendingNode>();
            foreach (var node in level)
            {
                var split = node.Histogram is { } histogram && CanSplit(depth, node.Count) ? BestSplit(histogram) : null;
                if (split is not { } chosen)
                {
                    nodes[node.Index] = Leaf(node, gradients, hessians, leafOfRow);
                    node.Histogram?.Return();
                    continue;
                }

                var leftCount = Partition(node.Start, node.Count, chosen.Feature, chosen.Bin);
                var left = new PendingNode(nodes.Count, node.Start, leftCount);
                var right = new PendingNode(nodes.Count + 1, node.Start + leftCount, node.Count - leftCount);
                nodes.Add(default);
                nodes.Add(default);
                nodes[node.Index] = TreeNode.Split(chosen.Feature, _binner.Thresholds[chosen.Feature][chosen.Bin], left.Index, right.Index, missingGoesLeft: true);

                var (small, large) = left.Count <= right.Count ? (left, right) : (right, left);
                if (CanSplit(depth + 1, large.Count))
                {
                    small.Histogram = BuildHistogram(small.Start, small.Count, gradients, hessians);
                    node.Histogram!.SubtractInto(small.Histogram);
                    large.Histogram = node.Histogram;
                    if (!CanSplit(depth + 1, small.Count))
                    {
                        small.Histogram.Return();
                        small.Histogram = null;
                    }
                }
                else
                {
                    // Neither child can split (the smaller cannot if the larger cannot): no histograms needed.
                    node.Histogram!.Return();
                }

                next.Add(left);
                next.Add(right);
            }

            level = next;
        }

        return new RegressionTree(nodes, output);
    }

    private bool CanSplit(int depth, int count) => depth < _options.MaxDepth && count >= 2 * _options.MinSamplesPerLeaf;

    private TreeNode Leaf(PendingNode node, double[] gradients, double[] hessians, float[] leafOfRow)
    {
        double gradient = 0, hessian = 0;
        for (var i = node.Start; i < node.Start + node.Count; i++)
        {
            gradient += gradients[_indices[i]];
            hessian += hessians[_indices[i]];
        }

        var value = (float)(-_options.LearningRate * gradient / (hessian + _options.L2));
        for (var i = node.Start; i < node.Start + node.Count; i++)
        {
            leafOfRow[_indices[i]] = value;
        }

        return TreeNode.Leaf(value);
    }

    private (int Feature, int Bin)? BestSplit(Histogram histogram)
    {
        var columns = _binner.Columns;
        var gains = new double[columns];
        var bins = new int[columns];
        var lambda = _options.L2;
        var minLeaf = _options.MinSamplesPerLeaf;
        Parallel.For(0, columns, feature =>
        {
            gains[feature] = double.NegativeInfinity;
            var splits = _binner.Thresholds[feature].Length;
            if (splits == 0)
            {
                return;
            }

            var offset = feature * _stride;
            double totalGradient = 0, totalHessian = 0;
            var totalCount = 0;
            for (var b = 0; b <= splits; b++)
            {
                totalGradient += histogram.Gradients[offset + b];
                totalHessian += histogram.Hessians[offset + b];
                totalCount += histogram.Counts[offset + b];
            }

            var parentScore = totalGradient * totalGradient / (totalHessian + lambda);
            double leftGradient = 0, leftHessian = 0;
            var leftCount = 0;
            for (var b = 0; b < splits; b++)
            {
                leftGradient += histogram.Gradients[offset + b];
                leftHessian += histogram.Hessians[offset + b];
                leftCount += histogram.Counts[offset + b];
                var rightCount = totalCount - leftCount;
                if (leftCount < minLeaf)
                {
                    continue;
                }

                if (rightCount < minLeaf)
                {
                    break;
                }

                var rightGradient = totalGradient - leftGradient;
                var rightHessian = totalHessian - leftHessian;
                if (leftHessian < MinHessianPerChild || rightHessian < MinHessianPerChild)
                {
                    continue;
                }

                var gain = 0.5 * ((leftGradient * leftGradient / (leftHessian + lambda)) + (rightGradient * rightGradient / (rightHessian + lambda)) - parentScore);
                if (gain > gains[feature])
                {
                    gains[feature] = gain;
                    bins[feature] = b;
                }
            }
        });

        var best = -1;
        for (var feature = 0; feature < columns; feature++)
        {
            if (gains[feature] > _options.MinSplitGain && (best < 0 || gains[feature] > gains[best]))
            {
                best = feature;
            }
        }

        return best < 0 ? null : (best, bins[best]);
    }

    /// <summary>Stable partition of the node's rows: bin ≤ <paramref name="bin"/> first. Returns the left count.</summary>
    private int Partition(int start, int count, int feature, int bin)
    {
        var column = _bins[feature];
        var left = start;
        var right = 0;
        for (var i = start; i < start + count; i++)
        {
            var row = _indices[i];
            if (column[row] <= bin)
            {
                _indices[left++] = row;
            }
            else
            {
                _scratch[right++] = row;
            }
        }

        Array.Copy(_scratch, 0, _indices, left, right);
        return left - start;
    }

    private Histogram BuildHistogram(int start, int count, double[] gradients, double[] hessians)
    {
        var histogram = Histogram.Rent(_binner.Columns * _stride);
        var rows = _indices.AsMemory(start, count);
        Parallel.For(0, _binner.Columns, feature =>
        {
            var column = _bins[feature];
            var offset = feature * _stride;
            var g = histogram.Gradients.AsSpan(offset, _stride);
            var h = histogram.Hessians.AsSpan(offset, _stride);
            var c = histogram.Counts.AsSpan(offset, _stride);
            foreach (var row in rows.Span)
            {
                int b = column[row];
                g[b] += gradients[row];
                h[b] += hessians[row];
                c[b]++;
            }
        });

        return histogram;
    }

    private sealed class PendingNode(int index, int start, int count)
    {
        public int Index { get; } = index;

        public int Start { get; } = start;

        public int Count { get; } = count;

        /// <summary>Null when the node cannot split (depth or size), so it needs none.</summary>
        public Histogram? Histogram { get; set; }
    }

    /// <summary>Per (feature, bin): sums of gradients and hessians and the row count, on pooled arrays.</summary>
    private sealed class Histogram
    {
        private Histogram(int length)
        {
            Length = length;
            Gradients = ArrayPool<double>.Shared.Rent(length);
            Hessians = ArrayPool<double>.Shared.Rent(length);
            Counts = ArrayPool<int>.Shared.Rent(length);
            Array.Clear(Gradients, 0, length);
            Array.Clear(Hessians, 0, length);
            Array.Clear(Counts, 0, length);
        }

        public int Length { get; }

        public double[] Gradients { get; }

        public double[] Hessians { get; }

        public int[] Counts { get; }

        public static Histogram Rent(int length) => new(length);

        /// <summary>This −= <paramref name="child"/>: turns the parent's histogram into the other child's.</summary>
        public void SubtractInto(Histogram child)
        {
            for (var i = 0; i < Length; i++)
            {
                Gradients[i] -= child.Gradients[i];
                Hessians[i] -= child.Hessians[i];
                Counts[i] -= child.Counts[i];
            }
        }

        public void Return()
        {
            ArrayPool<double>.Shared.Return(Gradients);
            ArrayPool<double>.Shared.Return(Hessians);
            ArrayPool<int>.Shared.Return(Counts);
        }
    }
}
