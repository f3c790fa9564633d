using System;
using System.Collections.Generic;
using CnnGen.Cpu;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Winograd;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    public class WinogradWeightGradientTests
    {
        /// <summary>
        /// (n, cin, cout, h, w, pad): odd and even sizes (partial edge tiles), 1×1 and 2×2 images, padding 0–2,
        /// channel counts off the 4×4 register block, several samples (one chunk per thread), SimpleCnn's conv2,
        /// 64→64 channels on 14×14, whose blocks of whole tile rows end inside samples (7 tile rows a sample), and
        /// samples of a single tile row (every tile row begins a sample: no input rows shared with the row above).
        /// </summary>
        public static IEnumerable<object[]> Shapes()
        {
            var shapes = new (int N, int Cin, int Cout, int H, int W, int Pad)[]
            {
                (1, 8, 8, 1, 1, 1), (1, 8, 8, 2, 2, 1), (2, 9, 13, 7, 5, 1), (3, 16, 8, 14, 14, 1), (1, 8, 12, 6, 9, 0),
                (2, 8, 8, 5, 5, 2), (1, 11, 10, 3, 3, 0), (4, 32, 64, 14, 14, 1), (3, 64, 64, 14, 14, 1), (1, 8, 9, 33, 31, 1),
                (3, 8, 8, 2, 2, 1), (5, 16, 12, 3, 3, 0),
            };
            foreach (var isa in new[] { Sgemm.Isa.Vector512, Sgemm.Isa.Vector256, Sgemm.Isa.Scalar })
                foreach (var s in shapes)
                    yield return new object[] { s.N, s.Cin, s.Cout, s.H, s.W, s.Pad, (int)isa };
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Weight_gradient_matches_float64_reference(int n, int cin, int cout, int h, int w, int pad, int isaCode)
        {
            var isa = (Sgemm.Isa)isaCode;
            if (isa == Sgemm.Isa.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;
            Conv2dShape s = DenseReference.ConvShape(cin, h, w, cout, 3, 1, pad, 1, 1);
            Assert.True(WinogradWeightGradient.Supports(in s));
            var rng = new Random(n * 7919 + cin * 131 + cout * 17 + h * 5 + w + pad);
            float[] x = DenseReference.Random(rng, (long)n * s.InputSize);
            float[] dy = DenseReference.Random(rng, (long)n * s.OutputSize);
            var dw = new float[s.WeightSize];
            Array.Fill(dw, float.NaN);   // the gradient is overwritten, whatever was there

            var before = Sgemm.ForcedIsa;
            Sgemm.ForcedIsa = isa;
            try
            {
                WinogradWeightGradient.Compute(x, dy, dw, n, in s);
            }
            finally { Sgemm.ForcedIsa = before; }

            var reference = DenseReference.ConvBackward(x, new float[s.WeightSize], dy, n, s);
            // The Winograd sums run over transformed tiles whose terms are sums of up to 4×4 products of the direct
            // terms (|B|, |A| and |G| entries are at most 1), so the rounding stays a small multiple of the direct
            // form's: far inside 1e-4 of the sum of absolute terms (an index or transform mistake is off by O(1)).
            DenseReference.AssertClose(reference.Dw, reference.DwScale, dw, $"dW n{n} cin{cin} cout{cout} {h}x{w} p{pad} {isa}");
        }

        [Fact]
        public void A_NaN_in_the_input_reaches_only_the_weights_it_touches()
        {
            // One NaN pixel at the image centre: every tap of every (co, ci = its channel) weight sees it, the other
            // input channels' weights stay finite. Tiles past the edge must not smear stale values into them.
            Conv2dShape s = DenseReference.ConvShape(8, 6, 6, 8, 3, 1, 1, 1, 1);
            var rng = new Random(5);
            float[] x = DenseReference.Random(rng, s.InputSize);
            float[] dy = DenseReference.Random(rng, s.OutputSize);
            x[DenseReference.XIndex(s, 0, 3, 3, 3)] = float.NaN;
            var dw = new float[s.WeightSize];
            WinogradWeightGradient.Compute(x, dy, dw, 1, in s);
            for (int co = 0; co < 8; co++)
                for (int ci = 0; ci < 8; ci++)
                    for (int k = 0; k < 9; k++)
                    {
                        float v = dw[DenseReference.WIndex(s, co, ci, k / 3, k % 3)];
                        if (ci == 3) Assert.True(float.IsNaN(v), $"dW[{co},{ci},{k}] = {v}, expected NaN");
                        else Assert.True(float.IsFinite(v), $"dW[{co},{ci},{k}] = {v}, expected a number");
                    }
        }
    }
}
