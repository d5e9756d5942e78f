using System.Numerics.Tensors;

namespace Training.Worker.Trainers.Linear;

/// <summary>
/// Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search, for smooth convex objectives.
/// </summary>
internal static class Lbfgs
{
    private const double Armijo = 1e-4;
    private const int MaxBacktracks = 30;

    /// <summary>Objective: writes the gradient at <c>x</c> into the second argument and returns the value.</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>Minimizes from <paramref name="x"/> (updated in place); returns the iterations taken.</summary>
    public static int Minimize(
        double[] x,
        Objective objective,
        int maxIterations,
        double gradientTolerance,
        int history,
        Action<int> afterIteration,
        CancellationToken cancellationToken)
    {
        var n = x.Length;
        var gradient = new double[n];
        var candidate = new double[n];
        var candidateGradient = new double[n];
        var direction = new double[n];
        var s = new double[history][];
        var y = new double[history][];
        var rho = new double[history];
        var alpha = new double[history];
        for (var i = 0; i < history; i++)
        {
            s[i] = new double[n];
            y[i] = new double[n];
        }

        var stored = 0;
        var newest = -1;
        var value = objective(x, gradient);
        var iteration = 0;
        while (iteration < maxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var gradientNorm = TensorPrimitives.Norm<double>(gradient);
            if (gradientNorm <= gradientTolerance * Math.Max(1, TensorPrimitives.Norm<double>(x)))
            {
                break;
            }

            // Two-loop recursion: direction = −H·g.
            gradient.CopyTo(direction, 0);
            for (var k = 0; k < stored; k++)
            {
                var i = (newest - k + history) % history;
                alpha[i] = rho[i] * TensorPrimitives.Dot<double>(s[i], direction);
                TensorPrimitives.MultiplyAdd(y[i], -alpha[i], direction, direction);
            }

            if (stored > 0)
            {
                TensorPrimitives.Multiply(direction, TensorPrimitives.Dot<double>(s[newest], y[newest]) / TensorPrimitives.Dot<double>(y[newest], y[newest]), direction);
            }

            for (var k = stored - 1; k >= 0; k--)
            {
                var i = (newest - k + history) % history;
                var beta = rho[i] * TensorPrimitives.Dot<double>(y[i], direction);
                TensorPrimitives.MultiplyAdd(s[i], alpha[i] - beta, direction, direction);
            }

            TensorPrimitives.Negate(direction, direction);
            var slope = TensorPrimitives.Dot<double>(direction, gradient);
            if (slope >= 0)
            {
                // Not a descent direction (curvature went bad): restart from steepest descent.
                TensorPrimitives.Negate(gradient, direction);
                slope = -gradientNorm * gradientNorm;
                stored = 0;
            }

            var step = stored == 0 ? Math.Min(1, 1 / gradientNorm) : 1;
            double candidateValue = 0;
            var accepted = false;
            for (var backtrack = 0; backtrack < MaxBacktracks; backtrack++)
            {
                TensorPrimitives.MultiplyAdd(direction, step, x, candidate);
                candidateValue = objective(candidate, candidateGradient);
                if (double.IsFinite(candidateValue) && candidateValue <= value + (Armijo * step * slope))
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                break;
            }

            newest = (newest + 1) % history;
            TensorPrimitives.Subtract(candidate, x, s[newest]);
            TensorPrimitives.Subtract(candidateGradient, gradient, y[newest]);
            var curvature = TensorPrimitives.Dot<double>(s[newest], y[newest]);
            if (curvature > 1e-12)
            {
                rho[newest] = 1 / curvature;
                stored = Math.Min(stored + 1, history);
            }
            else
            {
                // Skip the pair; its slot held the oldest pair (now overwritten), so stop counting that one.
                newest = (newest - 1 + history) % history;
                stored = Math.Min(stored, history - 1);
            }

            candidate.CopyTo(x, 0);
            candidateGradient.CopyTo(gradient, 0);
            var improvement = value - candidateValue;
            value = candidateValue;
            iteration++;
            afterIteration(iteration);
            if (improvement <= 1e-12 * Math.Max(1, Math.Abs(value)))
            {
                break;
            }
        }

        return iteration;
    }
}
