using System;
using CnnGen.Cpu;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    /// <summary>
    /// BatchNormFolding.Fold against the float64 formula, and the folded layer against the two-step float64 computation it
    /// replaces: BN(W·x + b) = (W·s)·x + (b − mean)·s + β with s = γ/√(var + eps).
    /// </summary>
    public class BatchNormFoldingTests
    {
        private const int Channels = 5, Block = 7; // e.g. Conv2d(…, 5 out, in/groups × k × k = 7)

        private static (float[] W, float[] B, float[] Gamma, float[] Beta, float[] Mean, float[] Var) Inputs()
            => (Uniform(Channels * Block, 1), Uniform(Channels, 2), Uniform(Channels, 3, 0.5f, 1.5f), Uniform(Channels, 4),
                Uniform(Channels, 5, -1f, 1f), Uniform(Channels, 6, 0.1f, 3f));

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Folded_weights_and_bias_are_the_float64_formula(bool withBias)
        {
            var (w, b, gamma, beta, mean, variance) = Inputs();
            const float eps = 1e-3f;
            var fw = new float[w.Length];
            var fb = new float[Channels];
            BatchNormFolding.Fold(new FloatBuffer(w), withBias ? new FloatBuffer(b) : FloatBuffer.Empty, new FloatBuffer(gamma), new FloatBuffer(beta),
                new FloatBuffer(mean), new FloatBuffer(variance), eps, new FloatBuffer(fw), new FloatBuffer(fb));

            var x = Uniform(Block, 7);
            for (int c = 0; c < Channels; c++)
            {
                double s = gamma[c] / Math.Sqrt((double)variance[c] + eps);
                double bias = withBias ? b[c] : 0;
                double expectedBias = (bias - mean[c]) * s + beta[c];
                Assert.Equal(expectedBias, fb[c], 1e-6 * Math.Max(1, Math.Abs(expectedBias)));
                double conv = bias, folded = fb[c];
                for (int k = 0; k < Block; k++)
                {
                    Assert.Equal(w[c * Block + k] * s, fw[c * Block + k], 1e-6 * Math.Max(1, Math.Abs(w[c * Block + k] * s)));
                    conv += (double)w[c * Block + k] * x[k];
                    folded += (double)fw[c * Block + k] * x[k];
                }
                double batchNorm = (conv - mean[c]) * s + beta[c]; // the eval-mode BatchNorm of the unfolded layer's output
                Assert.Equal(batchNorm, folded, 1e-5 * Math.Max(1, Math.Abs(batchNorm)));
            }
        }

        [Fact]
        public void Mismatched_lengths_name_the_buffer()
        {
            var (w, b, gamma, beta, mean, variance) = Inputs();
            var fw = new float[w.Length];
            var fb = new float[Channels];
            var e = Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(new FloatBuffer(w), new FloatBuffer(b), new FloatBuffer(gamma), new FloatBuffer(beta),
                new FloatBuffer(mean), new FloatBuffer(variance, 0, Channels - 1), 1e-5f, new FloatBuffer(fw), new FloatBuffer(fb)));
            Assert.Contains("runningVar holds 4 floats, expected 5", e.Message, StringComparison.Ordinal);
            e = Assert.Throws<ArgumentException>(() => BatchNormFolding.Fold(new FloatBuffer(w, 0, w.Length - 1), new FloatBuffer(b), new FloatBuffer(gamma), new FloatBuffer(beta),
                new FloatBuffer(mean), new FloatBuffer(variance), 1e-5f, new FloatBuffer(fw), new FloatBuffer(fb)));
            Assert.Contains("not a whole block for each of the BatchNorm's 5 channels", e.Message, StringComparison.Ordinal);
        }
    }
}
