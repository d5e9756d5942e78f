namespace Onnx.Export;

/// <summary>Hidden-layer activation of a multilayer perceptron.</summary>
public enum Activation
{
    Identity,
    Relu,
    Tanh,
    Sigmoid,
}

/// <summary>A fully connected layer: y = W·x + b with W of shape [outputs, inputs].</summary>
public sealed class DenseLayer
{
    public DenseLayer(float[,] weights, float[] biases)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        if (biases.Length != weights.GetLength(0))
        {
            throw new ArgumentException($"The layer has {weights.GetLength(0)} outputs but {biases.Length} biases.");
        }

        Weights = weights;
        Biases = biases;
    }

    /// <summary>Weights, [outputs, inputs].</summary>
    public float[,] Weights { get; }

    public float[] Biases { get; }

    public int InputCount => Weights.GetLength(1);

    public int OutputCount => Weights.GetLength(0);
}

/// <summary>
/// One node of a binary decision tree: a split (<c>x[Feature] &lt;= Threshold</c> goes to
/// <see cref="Left"/>, otherwise <see cref="Right"/>; NaN goes left when <see cref="MissingGoesLeft"/>) or a leaf
/// carrying <see cref="LeafValue"/>. Children are indices into the tree's node list.
/// </summary>
public readonly record struct TreeNode(bool IsLeaf, int Feature, float Threshold, int Left, int Right, bool MissingGoesLeft, float LeafValue)
{
    public static TreeNode Split(int feature, float threshold, int left, int right, bool missingGoesLeft = true) =>
        new(false, feature, threshold, left, right, missingGoesLeft, 0f);

    public static TreeNode Leaf(float value) => new(true, 0, 0f, 0, 0, false, value);
}

/// <summary>A regression tree (node 0 is the root) that adds its leaf value to one output score.</summary>
public sealed class RegressionTree
{
    public RegressionTree(IReadOnlyList<TreeNode> nodes, int output = 0)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            throw new ArgumentException("A tree needs at least one node.", nameof(nodes));
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            TreeNode node = nodes[i];
            if (!node.IsLeaf && (node.Left <= i || node.Right <= i || node.Left >= nodes.Count || node.Right >= nodes.Count || node.Feature < 0))
            {
                throw new ArgumentException($"Node {i}: children must come after their parent and be inside the tree; features non-negative.", nameof(nodes));
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(output);
        Nodes = nodes;
        Output = output;
    }

    public IReadOnlyList<TreeNode> Nodes { get; }

    /// <summary>The output score (class index for multiclass models) this tree contributes to.</summary>
    public int Output { get; }
}

/// <summary>
/// A gradient-boosted tree ensemble: score[k] = BaseScores[k] + Σ leaf values of the trees with
/// Output = k. Regression: the score is the prediction. Binary classification (one score):
/// P(second class) = sigmoid(score). Multiclass (one score per class): softmax of the scores.
/// </summary>
public sealed class TreeEnsembleModel
{
    public TreeEnsembleModel(int featureCount, IReadOnlyList<float> baseScores, IReadOnlyList<RegressionTree> trees)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentNullException.ThrowIfNull(baseScores);
        ArgumentNullException.ThrowIfNull(trees);
        if (baseScores.Count == 0)
        {
            throw new ArgumentException("At least one output score is needed.", nameof(baseScores));
        }

        foreach (RegressionTree tree in trees)
        {
            if (tree.Output >= baseScores.Count)
            {
                throw new ArgumentException($"A tree adds to output {tree.Output} but the model has {baseScores.Count} outputs.", nameof(trees));
            }

            if (tree.Nodes.Any(n => !n.IsLeaf && n.Feature >= featureCount))
            {
                throw new ArgumentException($"A tree splits on a feature beyond the model's {featureCount} features.", nameof(trees));
            }
        }

        FeatureCount = featureCount;
        BaseScores = baseScores;
        Trees = trees;
    }

    public int FeatureCount { get; }

    public IReadOnlyList<float> BaseScores { get; }

    public int OutputCount => BaseScores.Count;

    public IReadOnlyList<RegressionTree> Trees { get; }
}
