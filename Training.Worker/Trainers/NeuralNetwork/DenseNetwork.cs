using System.Numerics.Tensors;

namespace Training.Worker.Trainers.NeuralNetwork;

/// <summary>
/// Fully connected float32 layers with ReLU between them and a linear last layer. Weights of layer l are
/// row-major [outputs, inputs], the layout of <see cref="Onnx.Export.DenseLayer"/>.
/// </summary>
internal sealed class DenseNetwork
{
    public DenseNetwork(int[] sizes)
    {
        Sizes = sizes;
        Weights = new float[sizes.Length - 1][];
        Biases = new float[sizes.Length - 1][];
        for (var l = 0; l < Weights.Length; l++)
        {
            Weights[l] = new float[sizes[l + 1] * sizes[l]];
            Biases[l] = new float[sizes[l + 1]];
        }
    }

    /// <summary>Units per layer, input first.</summary>
    public int[] Sizes { get; }

    public float[][] Weights { get; }

    public float[][] Biases { get; }

    public int Layers => Weights.Length;

    public int Outputs => Sizes[^1];

    /// <summary>He-uniform weights for ReLU layers, Glorot-uniform for the last; zero biases.</summary>
    public void Initialize(Random random)
    {
        for (var l = 0; l < Layers; l++)
        {
            var limit = l < Layers - 1 ? Math.Sqrt(6.0 / Sizes[l]) : Math.Sqrt(6.0 / (Sizes[l] + Sizes[l + 1]));
            var weights = Weights[l];
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(((2 * random.NextDouble()) - 1) * limit);
            }

            Array.Clear(Biases[l]);
        }
    }

    public void CopyTo(DenseNetwork other)
    {
        for (var l = 0; l < Layers; l++)
        {
            Weights[l].CopyTo(other.Weights[l], 0);
            Biases[l].CopyTo(other.Biases[l], 0);
        }
    }

    /// <summary>Activations per layer for a batch: [0] is the input itself, [l + 1] the output of layer l (ReLU applied except last).</summary>
    public float[][] CreateActivations(int batchSize) => [.. Sizes.Select(size => new float[batchSize * size])];

    /// <summary>Runs <paramref name="rows"/> rows already in <c>activations[0]</c>; the last layer is left linear.</summary>
    public void Forward(float[][] activations, int rows)
    {
        for (var l = 0; l < Layers; l++)
        {
            int inputs = Sizes[l], outputs = Sizes[l + 1];
            var weights = Weights[l];
            var biases = Biases[l];
            for (var r = 0; r < rows; r++)
            {
                var input = activations[l].AsSpan(r * inputs, inputs);
                var output = activations[l + 1].AsSpan(r * outputs, outputs);
                for (var j = 0; j < outputs; j++)
                {
                    output[j] = biases[j] + TensorPrimitives.Dot(weights.AsSpan(j * inputs, inputs), input);
                }

                if (l < Layers - 1)
                {
                    TensorPrimitives.Max(output, 0f, output);
                }
            }
        }
    }
}
