using System;
using System.Collections.Generic;
using CnnGen.Cpu.Gemm;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    public class SgemmTests
    {
        private static readonly int[] Sizes = { 1, 3, 17, 65, 257 };

        public static IEnumerable<object[]> Variants()
        {
            foreach (Sgemm.Isa isa in new[] { Sgemm.Isa.Vector512, Sgemm.Isa.Vector256, Sgemm.Isa.Scalar })
            foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                yield return new object[] { (int)isa, ta, tb };
        }

        [Theory]
        [MemberData(nameof(Variants))]
        public void Matches_float64_reference_over_awkward_sizes(int isaCode, bool transA, bool transB)
        {
            // The instruction set travels as an int: the enum is internal and test methods are public.
            var isa = (Sgemm.Isa)isaCode;
            var rng = new Random(1234 + (int)isa * 4 + (transA ? 2 : 0) + (transB ? 1 : 0));
            int combo = 0;
            foreach (int m in Sizes)
            foreach (int n in Sizes)
            foreach (int k in Sizes)
            {
                // Skip most of the biggest cubes to keep the scalar variant quick; every size still meets every other.
                if (m * n * k > 257 * 257 * 17 && combo++ % 3 != 0) continue;
                // Cycle through accumulate, epilogues and padded leading dimensions.
                int variant = (m * 7 + n * 3 + k) % 4;
                RunCase(rng, isa, transA, transB, m, n, k, pad: variant == 1 ? 3 : 0, accumulate: variant >= 2,
                    rowBias: variant == 1 || variant == 3, columnBias: variant == 2, relu: variant != 0);
            }
        }

        [Fact]
        public void Zero_depth_gives_zero_plus_epilogue()
        {
            var rng = new Random(5);
            RunCase(rng, Sgemm.CurrentIsa, false, false, 5, 9, 0, 0, accumulate: false, rowBias: true, columnBias: true, relu: true);
            RunCase(rng, Sgemm.CurrentIsa, true, true, 5, 9, 0, 0, accumulate: true, rowBias: false, columnBias: false, relu: false);
        }

        [Fact]
        public void Large_blocked_product_crosses_every_cache_block()
        {
            // K > KC, M > MC and N > NC, so every blocking loop takes more than one trip.
            var rng = new Random(77);
            RunCase(rng, Sgemm.CurrentIsa, false, false, 131, 2100, 300, 1, accumulate: true, rowBias: true, columnBias: false, relu: true);
        }

        [Fact]
        public void Rejects_bad_leading_dimension()
        {
            var p = new float[16];
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 2, 4, 3, p, 2, p, 4, p, 4, false));
            Assert.Contains("leading dimension of a", e.Message);
            var tooShort = Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 4, 4, 4, p, 4, p, 4, new float[15], 4, false));
            Assert.Contains("c holds 15", tooShort.Message);
        }

        private static void RunCase(Random rng, Sgemm.Isa isa, bool transA, bool transB, int m, int n, int k, int pad,
            bool accumulate, bool rowBias, bool columnBias, bool relu)
        {
            // Stored shapes: A is M×K (or K×M when transposed), B is K×N (or N×K); rows padded by `pad`.
            int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
            float[] a = DenseReference.Random(rng, Math.Max(1, aRows * lda));
            float[] b = DenseReference.Random(rng, Math.Max(1, bRows * ldb));
            float[] c = DenseReference.Random(rng, m * ldc);
            float[] rb = DenseReference.Random(rng, m), cb = DenseReference.Random(rng, n);
            var expected = new double[m * n];
            var scale = new double[m * n];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0, abs = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    abs += Math.Abs(av * bv);
                }
                if (rowBias) { sum += rb[i]; abs += Math.Abs(rb[i]); }
                if (columnBias) { sum += cb[j]; abs += Math.Abs(cb[j]); }
                if (relu) sum = Math.Max(0, sum);
                expected[i * n + j] = sum;
                scale[i * n + j] = abs;
            }
            float[] padding = (float[])c.Clone();

            Sgemm.Isa? before = Sgemm.ForcedIsa;
            Sgemm.ForcedIsa = isa;
            try
            {
                Sgemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
                    rowBias ? rb : default, columnBias ? cb : default, relu);
            }
            finally
            {
                Sgemm.ForcedIsa = before;
            }

            var actual = new float[m * n];
            for (int i = 0; i < m; i++)
            {
                Array.Copy(c, i * ldc, actual, i * n, n);
                for (int j = n; j < ldc; j++)
                    Assert.True(c[i * ldc + j] == padding[i * ldc + j], $"Padding of C row {i} was written.");
            }
            DenseReference.AssertClose(expected, scale, actual,
                $"C ({isa}, tA={transA}, tB={transB}, M={m}, N={n}, K={k}, acc={accumulate})");
        }
    }
}
