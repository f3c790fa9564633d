using System;
using System.Numerics.Tensors;

namespace CnnGen.Cpu
{
    /// <summary>
    /// Eval-mode BatchNorm folded into the Conv2d or Linear before it, for inference. With s = γ/√(running_var + eps)
    /// per output channel, BN(conv(x, W) + b) = conv(x, W·s) + (b − running_mean)·s + β, so one pass replaces two and the
    /// BatchNorm's output is never written. Generated Predict recomputes the folded weights on every call (weight-sized
    /// work): they are always those of the current parameters and statistics, after optimizer steps, Load or user writes.
    /// </summary>
    public static class BatchNormFolding
    {
        /// <summary>
        /// Writes the folded weights W' = W·s and bias b' = (b − mean)·s + β, with s = γ/√(var + eps) per output channel.
        /// <paramref name="weight"/> holds one contiguous block per output channel (Conv2d's [out, in/groups, k, k],
        /// Linear's [out, in]); <paramref name="bias"/> may be empty (a layer without bias: b = 0). The output channel count
        /// is <paramref name="gamma"/>'s length. The per-channel scale and the bias in double; the weights are scaled by the
        /// float scale with one vectorized multiply per channel (weight-sized work on every Predict: it has to be cheap
        /// next to a batch-1 forward).
        /// </summary>
        public static void Fold(FloatBuffer weight, FloatBuffer bias, FloatBuffer gamma, FloatBuffer beta,
            FloatBuffer runningMean, FloatBuffer runningVar, float eps, FloatBuffer foldedWeight, FloatBuffer foldedBias)
        {
            int channels = gamma.Length;
            if (channels == 0 || weight.Length % channels != 0)
                throw new ArgumentException($"BatchNormFolding.Fold: weight holds {weight.Length} floats, not a whole block for each of the BatchNorm's {channels} channels.", nameof(weight));
            Require(bias.IsEmpty ? channels : bias.Length, channels, nameof(bias));
            Require(beta.Length, channels, nameof(beta));
            Require(runningMean.Length, channels, nameof(runningMean));
            Require(runningVar.Length, channels, nameof(runningVar));
            Require(foldedBias.Length, channels, nameof(foldedBias));
            Require(foldedWeight.Length, weight.Length, nameof(foldedWeight));
            int block = weight.Length / channels;

            ReadOnlySpan<float> w = weight.Span, b = bias.Span, g = gamma.Span, be = beta.Span, mean = runningMean.Span, variance = runningVar.Span;
            Span<float> fw = foldedWeight.Span, fb = foldedBias.Span;
            for (int c = 0; c < channels; c++)
            {
                double scale = g[c] / Math.Sqrt((double)variance[c] + eps);
                double b0 = b.IsEmpty ? 0.0 : b[c];
                fb[c] = (float)((b0 - mean[c]) * scale + be[c]);
                TensorPrimitives.Multiply(w.Slice(c * block, block), (float)scale, fw.Slice(c * block, block));
            }
        }

        private static void Require(int length, int expected, string name)
        {
            if (length != expected)
                throw new ArgumentException($"BatchNormFolding.Fold: {name} holds {length} floats, expected {expected}.", name);
        }
    }
}
