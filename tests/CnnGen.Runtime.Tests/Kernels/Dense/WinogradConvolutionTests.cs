using System;
using System.Collections.Generic;
using CnnGen.Cpu;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Winograd;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    /// <summary>
    /// The Winograd F(2×2, 3×3) path of <see cref="Conv2dKernel"/> (forward and input gradient) against the float64
    /// direct convolution of <see cref="DenseReference"/>, on every instruction set the GEMM micro-kernel has.
    /// </summary>
    [Collection(AllocationCollection.Name)]
    public class WinogradConvolutionTests
    {
        // Winograd rounds differently from a direct sum: the input transform adds up to 4 values, the weight
        // transform up to 9 (halved twice), the output transform 9 products of Cin-long dot products, so each
        // output's float32 error is a few ulps times sums of transformed magnitudes, which exceed the direct sum of
        // |terms| (the reference's scale) by a small constant factor (at most 4·2.25·9/9 ≈ 9 per term before
        // cancellation). Measured errors stay below 1e-6 of that scale; 2e-5 leaves a margin of twenty while still
        // catching a wrong tile or coefficient (one transform coefficient off by 1e-5 of itself fails).
        private const double Tolerance = 2e-5;

        /// <summary>(cin, h, w, cout, pad, n, bias, relu): shapes the Winograd path takes, none of which the few-channel direct path does.</summary>
        private static readonly (int Cin, int H, int W, int Cout, int Pad, int N, bool Bias, bool Relu)[] Shapes =
        {
            (8, 1, 1, 20, 1, 3, true, true),      // 1×1 image: one tile, three quarters of it outside
            (9, 1, 1, 17, 2, 1, false, false),    // 1×1 image padded to a 3×3 output
            (9, 2, 2, 17, 1, 2, true, false),     // 2×2 image
            (19, 2, 2, 8, 2, 1, false, true),     // 2×2 image padded to 4×4
            (13, 5, 7, 19, 0, 4, true, true),     // odd sizes without padding: a 3×5 output, partial edge tiles
            (13, 5, 7, 19, 1, 1, false, true),
            (13, 5, 7, 19, 2, 3, true, false),
            (20, 6, 4, 25, 1, 2, true, true),     // even sizes
            (17, 9, 11, 23, 2, 37, true, true),   // many samples: several per block, split over threads
            (32, 14, 14, 64, 1, 5, true, true),   // SimpleCnn's conv2
            (40, 3, 8, 8, 1, 1, false, false),    // few output channels: one short register-tile panel
            (300, 5, 5, 10, 1, 2, true, false),   // Cin above the GEMM's 256-deep block
            (128, 3, 130, 9, 1, 1, true, true),   // a tile row wider than a block: one tile row per block
        };

        public static IEnumerable<object[]> Cases()
        {
            foreach (var isa in new[] { Sgemm.Isa.Vector512, Sgemm.Isa.Vector256, Sgemm.Isa.Scalar })
                for (int i = 0; i < Shapes.Length; i++)
                    yield return new object[] { i, (int)isa };
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Forward_and_input_gradient_match_float64_reference(int shape, int isaCode)
        {
            var (cin, h, w, cout, pad, n, hasBias, relu) = Shapes[shape];
            Conv2dShape s = DenseReference.ConvShape(cin, h, w, cout, 3, 1, pad, 1, 1);
            Assert.True(WinogradConvolution.Applies(in s));
            string what = $"winograd cin{cin} {h}x{w} cout{cout} p{pad} n{n} bias={hasBias} relu={relu} isa={(Sgemm.Isa)isaCode}";
            var rng = new Random(shape * 7 + isaCode);

            float[] x = DenseReference.Random(rng, (long)n * s.InputSize);
            float[] wt = DenseReference.Random(rng, s.WeightSize);
            float[]? b = hasBias ? DenseReference.Random(rng, cout) : null;
            float[] y = new float[(long)n * s.OutputSize];
            Epilogue ep = relu ? Epilogue.ReLU : Epilogue.None;

            float[] dy = DenseReference.Random(rng, y.Length);
            float[] masked = (float[])dy.Clone();
            float[] dx = DenseReference.Random(rng, x.Length, 100); // overwritten, not accumulated into
            float[] dw = new float[wt.Length], db = new float[cout];

            WithIsa((Sgemm.Isa)isaCode, () =>
            {
                Conv2dKernel.Forward(new(x), new(wt), b is null ? FloatBuffer.Empty : new(b), new(y), n, in s, ep);
                Conv2dKernel.Backward(new(x), new(wt), new(y), new(masked), new(dx), new(dw), hasBias ? new(db) : FloatBuffer.Empty, n, in s, ep);
            });

            var (yRef, yScale) = DenseReference.ConvForward(x, wt, b, n, s, relu);
            DenseReference.AssertClose(yRef, yScale, y, what + " y", Tolerance);

            // The backward masks dy by y > 0 in place; the reference takes that mask from the y the kernel gave.
            if (relu) for (int i = 0; i < dy.Length; i++) if (!(y[i] > 0)) dy[i] = 0;
            var g = DenseReference.ConvBackward(x, wt, dy, n, s);
            DenseReference.AssertClose(g.Dx, g.DxScale, dx, what + " dx", Tolerance);
            DenseReference.AssertClose(g.Dw, g.DwScale, dw, what + " dW");
            if (hasBias) DenseReference.AssertClose(g.Db, g.DbScale, db, what + " db");
        }

        [Theory]
        [InlineData((int)Sgemm.Isa.Vector512)]
        [InlineData((int)Sgemm.Isa.Vector256)]
        [InlineData((int)Sgemm.Isa.Scalar)]
        public void Nan_input_stays_nan_through_relu(int isaCode)
        {
            // A NaN must reach every output whose 3×3 window holds it, through the fused ReLU (torch.relu keeps
            // NaN). A Winograd tile mixes its whole 4×4 input window into all four of its outputs, so the NaN may
            // also reach outputs of the same tile whose own window misses it; every other output is a number
            // matching the reference.
            Conv2dShape s = DenseReference.ConvShape(12, 7, 9, 18, 3, 1, 1, 1, 1);
            const int n = 2;
            var rng = new Random(isaCode);
            float[] x = DenseReference.Random(rng, n * s.InputSize), wt = DenseReference.Random(rng, s.WeightSize), b = DenseReference.Random(rng, 18);
            const int nanSample = 1, nanChannel = 5, nanY = 3, nanX = 4;
            x[DenseReference.XIndex(s, nanSample, nanChannel, nanY, nanX)] = float.NaN;
            float[] y = new float[n * s.OutputSize];
            WithIsa((Sgemm.Isa)isaCode, () => Conv2dKernel.Forward(new(x), new(wt), new(b), new(y), n, in s, Epilogue.ReLU));

            var (yRef, yScale) = DenseReference.ConvForward(x, wt, b, n, s, relu: true);
            int nanOutputs = 0;
            for (int i = 0; i < n; i++)
                for (int co = 0; co < s.OutChannels; co++)
                    for (int oy = 0; oy < s.OutHeight; oy++)
                        for (int ox = 0; ox < s.OutWidth; ox++)
                        {
                            long at = DenseReference.YIndex(s, i, co, oy, ox);
                            // The padded input position of the NaN is (nanY + 1, nanX + 1); tile (oy/2, ox/2) reads padded rows and columns 2t .. 2t + 3.
                            bool tileSeesNan = i == nanSample && (oy / 2) * 2 <= nanY + 1 && nanY + 1 <= (oy / 2) * 2 + 3
                                && (ox / 2) * 2 <= nanX + 1 && nanX + 1 <= (ox / 2) * 2 + 3;
                            if (double.IsNaN(yRef[at]))
                            {
                                nanOutputs++;
                                Assert.True(float.IsNaN(y[at]), $"y[{i},{co},{oy},{ox}] = {y[at]:R}, expected NaN");
                            }
                            else if (!(tileSeesNan && float.IsNaN(y[at])))
                            {
                                DenseReference.AssertClose(new[] { yRef[at] }, new[] { yScale[at] }, new[] { y[at] }, $"y[{i},{co},{oy},{ox}]", Tolerance);
                            }
                        }
            Assert.Equal(s.OutChannels * 9, nanOutputs); // the NaN is inside the image: 9 windows per output channel hold it
        }

        [Fact]
        public void Weights_changed_in_place_between_calls_are_seen()
        {
            // The forward's transformed weights are kept between calls while the weights stay the same; an update
            // in place (as an optimiser makes) must be seen, and a square layer's forward and input-gradient forms
            // (same shape, same weights, different transforms) must not be mixed up.
            Conv2dShape s = DenseReference.ConvShape(24, 6, 5, 24, 3, 1, 1, 1, 1);
            const int n = 2;
            var rng = new Random(5);
            float[] x = DenseReference.Random(rng, n * s.InputSize), wt = DenseReference.Random(rng, s.WeightSize);
            float[] y = new float[n * s.OutputSize], dy = DenseReference.Random(rng, y.Length), dx = new float[x.Length], dw = new float[wt.Length];
            for (int step = 0; step < 3; step++)
            {
                Conv2dKernel.Forward(new(x), new(wt), FloatBuffer.Empty, new(y), n, in s, Epilogue.None);
                var (yRef, yScale) = DenseReference.ConvForward(x, wt, null, n, s, relu: false);
                DenseReference.AssertClose(yRef, yScale, y, $"step {step} y", Tolerance);

                Conv2dKernel.Backward(new(x), new(wt), new(y), new(dy), new(dx), new(dw), FloatBuffer.Empty, n, in s, Epilogue.None);
                var g = DenseReference.ConvBackward(x, wt, dy, n, s);
                DenseReference.AssertClose(g.Dx, g.DxScale, dx, $"step {step} dx", Tolerance);

                wt[step * 7 % wt.Length] += 0.5f; // one weight changes in place, as a training step would change them all
            }
        }

        private static void WithIsa(Sgemm.Isa isa, Action body)
        {
            Sgemm.Isa? before = Sgemm.ForcedIsa;
            Sgemm.ForcedIsa = isa;
            try { body(); }
            finally { Sgemm.ForcedIsa = before; }
        }
    }
}
