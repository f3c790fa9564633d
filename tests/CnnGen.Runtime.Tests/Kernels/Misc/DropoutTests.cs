using System;
using CnnGen.Cpu;
using CnnGen.Randomness;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    public class DropoutTests
    {
        private const int Big = 100_003; // parallel chunks plus a ragged tail

        [Theory]
        [InlineData(0.1f)]
        [InlineData(0.3f)]
        [InlineData(0.5f)]
        [InlineData(0.9f)]
        public void Mask_follows_the_hash_and_keeps_about_one_minus_p(float p)
        {
            float[] x = Uniform(Big, 1);
            var y = new float[Big];
            var mask = new float[Big];
            const ulong seed = 0xC0FFEE;
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(mask), Big, p, seed);
            float scale = 1 / (1 - p);
            int kept = 0;
            for (int i = 0; i < Big; i++)
            {
                bool keep = Rng.HashToUnit(seed, (ulong)i) >= p;
                Assert.Equal(keep ? scale : 0f, mask[i]);
                Assert.Equal(x[i] * mask[i], y[i]);
                if (keep) kept++;
            }
            // Binomial standard deviation here is at most 0.0016; allow about six of them.
            Assert.InRange(kept / (double)Big, 1 - p - 0.01, 1 - p + 0.01);
        }

        [Fact]
        public void Same_seed_same_mask_other_seed_other_mask()
        {
            float[] x = Uniform(Big, 2);
            var m1 = new float[Big];
            var m2 = new float[Big];
            var m3 = new float[Big];
            var y = new float[Big];
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(m1), Big, 0.5f, 7);
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(m2), Big, 0.5f, 7);
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(m3), Big, 0.5f, 8);
            Assert.Equal(m1, m2);
            int differ = 0;
            for (int i = 0; i < Big; i++) if (m1[i] != m3[i]) differ++;
            Assert.InRange(differ / (double)Big, 0.45, 0.55); // independent masks disagree half the time
        }

        [Fact]
        public void Mask_of_a_slice_does_not_depend_on_the_buffer_split()
        {
            // Index i of the mask is hash(seed, i) whatever the length: a short run is a prefix of a long one.
            float[] x = Uniform(Big, 3);
            var longMask = new float[Big];
            var shortMask = new float[1000];
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(new float[Big]), new FloatBuffer(longMask), Big, 0.25f, 99);
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(new float[1000]), new FloatBuffer(shortMask), 1000, 0.25f, 99);
            Assert.Equal(longMask.AsSpan(0, 1000).ToArray(), shortMask);
        }

        [Fact]
        public void P_zero_keeps_everything_and_p_one_drops_everything()
        {
            float[] x = Uniform(1001, 4);
            var y = new float[x.Length];
            var mask = new float[x.Length];
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(mask), x.Length, 0f, 5);
            Assert.All(mask, m => Assert.Equal(1f, m));
            Assert.Equal(x, y);
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(mask), x.Length, 1f, 5);
            Assert.All(mask, m => Assert.Equal(0f, m));
            Assert.All(y, v => Assert.Equal(0f, v));
        }

        [Fact]
        public void In_place_forward_and_backward_use_the_mask()
        {
            float[] x = Uniform(Big, 6);
            var y = new float[Big];
            var mask = new float[Big];
            DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(mask), Big, 0.4f, 11);
            var inPlace = (float[])x.Clone();
            var mask2 = new float[Big];
            DropoutKernel.Forward(new FloatBuffer(inPlace), new FloatBuffer(inPlace), new FloatBuffer(mask2), Big, 0.4f, 11);
            Assert.Equal(y, inPlace);

            float[] dy = Uniform(Big, 7);
            var dx = new float[Big];
            DropoutKernel.Backward(new FloatBuffer(dy), new FloatBuffer(mask), new FloatBuffer(dx), Big);
            for (int i = 0; i < Big; i++) Assert.Equal(dy[i] * mask[i], dx[i]);
            DropoutKernel.Backward(new FloatBuffer(dy), new FloatBuffer(mask), new FloatBuffer(dy), Big);
            Assert.Equal(dx, dy);
        }

        [Fact]
        public void Gradient_matches_finite_differences()
        {
            const int length = 53;
            float[] x = Uniform(length, 8);
            float[] wts = Uniform(length, 9);
            var y = new float[length];
            var mask = new float[length];
            double Loss()
            {
                DropoutKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new FloatBuffer(mask), length, 0.3f, 12);
                return Dot(wts, y);
            }
            double[] numeric = CentralDifferences(x, Loss, 1e-2);
            Loss();
            var dx = new float[length];
            DropoutKernel.Backward(new FloatBuffer(wts), new FloatBuffer(mask), new FloatBuffer(dx), length);
            AllClose(numeric, dx, 1e-3, 1e-4, "dx");
        }

        [Theory]
        [InlineData(-0.1f)]
        [InlineData(1.5f)]
        [InlineData(float.NaN)]
        public void Bad_probability_is_rejected(float p)
        {
            var b = new FloatBuffer(new float[4]);
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernel.Forward(b, b, b, 4, p, 1));
            Assert.Equal("p", ex.ParamName);
        }
    }
}
