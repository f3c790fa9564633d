using System;
using CnnGen.Randomness;

namespace CnnGen
{
    /// <summary>
    /// PyTorch's default initialisation for Conv2d and Linear: kaiming_uniform_(a = √5) on the weight,
    /// which works out to U(−1/√fan_in, 1/√fan_in), and the bias from the same range.
    /// BatchNorm starts at weight 1, bias 0, running mean 0, running variance 1.
    /// </summary>
    public static class Init
    {
        /// <summary>Fills <paramref name="data"/> from U(−1/√fanIn, 1/√fanIn).</summary>
        public static void KaimingUniform(Span<float> data, int fanIn, Rng rng)
        {
            // gain = sqrt(2 / (1 + a²)) with a = √5 → sqrt(1/3); bound = sqrt(3) · gain / sqrt(fan_in) = 1 / sqrt(fan_in).
            double bound = 1.0 / Math.Sqrt(fanIn);
            Uniform(data, bound, rng);
        }

        /// <summary>Fills <paramref name="data"/> from U(−bound, bound).</summary>
        public static void Uniform(Span<float> data, double bound, Rng rng)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] = (float)((rng.NextDouble() * 2.0 - 1.0) * bound);
        }
    }
}
