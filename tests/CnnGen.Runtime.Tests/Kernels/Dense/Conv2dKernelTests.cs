using System;
using System.Collections.Generic;
using CnnGen.Cpu;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    [Collection(AllocationCollection.Name)]
    public class Conv2dKernelTests
    {
        /// <summary>
        /// (cin, h, w, cout, k, stride, pad, dil, groups, bias, relu, n, dxEmpty): every stride 1–3 × padding 0–2 ×
        /// dilation 1–2 × groups 1/2/4 (4 with 4 input channels is depthwise), with the kernel size, bias, ReLU,
        /// batch and missing dx cycling through their values; then a few hand-picked cases.
        /// </summary>
        public static IEnumerable<object[]> Configurations()
        {
            int index = 0;
            int[] batches = { 1, 37, 2, 3 };
            (int H, int W)[] images = { (5, 7), (6, 5), (9, 4) };
            foreach (int stride in new[] { 1, 2, 3 })
            foreach (int pad in new[] { 0, 1, 2 })
            foreach (int dil in new[] { 1, 2 })
            foreach (int groups in new[] { 1, 2, 4 })
            {
                int k = 1 + index % 3;
                var (h, w) = images[index % images.Length];
                if ((h + 2 * pad - dil * (k - 1) - 1) < 0 || (w + 2 * pad - dil * (k - 1) - 1) < 0) k = 1;
                (int cin, int cout) = groups switch { 1 => (3, 5), 2 => (4, 6), _ => index % 2 == 0 ? (4, 4) : (4, 8) };
                yield return new object[] { cin, h, w, cout, k, stride, pad, dil, groups, index % 2 == 0, index % 3 != 1, batches[index % 4], index % 5 == 4 };
                index++;
            }
            // 1×1, stride 1, no padding: the path that skips im2col.
            yield return new object[] { 5, 5, 7, 3, 1, 1, 0, 1, 1, true, true, 37, false };
            yield return new object[] { 4, 3, 3, 6, 1, 1, 0, 2, 2, false, false, 2, false };
            // Kernel larger than the image with padding; and a 1×1 output.
            yield return new object[] { 2, 3, 2, 3, 5, 1, 2, 1, 1, true, false, 3, false };
            yield return new object[] { 3, 4, 4, 2, 4, 1, 0, 1, 1, true, true, 1, false };
            // Per-group depth Kg = 32·9 = 288 > the GEMM's 256-deep block; P = 196.
            yield return new object[] { 32, 14, 14, 40, 3, 1, 1, 1, 1, true, true, 3, false };
            // Several samples per GEMM (their columns side by side, then scattered back): P = 30 puts 34 samples in
            // one GEMM, so batch 37 ends with a short group of 3 (per thread chunk: other splits also end short);
            // P = 196 (SimpleCnn's conv2) puts 5 in one, batch 12 ends with 2. Cout > 64 keeps the direct path out.
            yield return new object[] { 3, 6, 5, 66, 3, 1, 1, 1, 1, true, true, 37, false };
            yield return new object[] { 3, 6, 5, 66, 3, 1, 1, 1, 1, false, false, 37, true };
            yield return new object[] { 2, 14, 14, 67, 3, 1, 1, 1, 1, true, true, 12, false };
            // The direct path for few channels (groups 1, stride 1, dilation 1, Cin·k·k ≤ 160, Cout ≤ 16): Cin 1–6,
            // k 3–5, odd sizes and channel counts, padding, batch 1 and 37, ReLU and dx cycling.
            int[] cins = { 1, 2, 3, 4, 5, 6 }, couts = { 6, 1, 7, 12, 16, 5 };
            (int H, int W)[] odd = { (7, 9), (11, 5), (13, 13), (6, 17) };
            for (int i = 0; i < 12; i++)
            {
                int k = 3 + i % 3;
                var (h, w) = odd[i % odd.Length];
                yield return new object[] { cins[i % 6], h, w, couts[(i + i / 6) % 6], k, 1, i % 4 == 3 ? k / 2 : 0, 1, 1,
                    i % 2 == 0, i % 3 != 2, i % 2 == 0 ? 37 : 1, i % 4 == 1 };
            }
            // The seed MaxPoolNet's two convolutions, and Cin·k·k = 150 at the edge of the direct path.
            yield return new object[] { 1, 28, 28, 6, 5, 1, 0, 1, 1, true, true, 5, true };
            yield return new object[] { 6, 12, 12, 12, 5, 1, 0, 1, 1, true, true, 5, false };
            yield return new object[] { 6, 5, 5, 16, 5, 1, 2, 1, 1, false, false, 37, false };
            // First layers (Cin·k·k ≤ 32) with more output channels, also direct: SimpleCnn's conv1 (1→32 on 28×28)
            // and the VGG net's (3→32 on 32×32), then Cout 33 (not a multiple of the 3-channel register block) and
            // 64 at the path's edge.
            yield return new object[] { 1, 28, 28, 32, 3, 1, 1, 1, 1, true, true, 5, true };
            yield return new object[] { 3, 32, 32, 32, 3, 1, 1, 1, 1, true, true, 3, false };
            yield return new object[] { 2, 9, 13, 33, 3, 1, 1, 1, 1, false, false, 37, false };
            yield return new object[] { 3, 15, 6, 64, 3, 1, 0, 1, 1, true, false, 2, false };
            // Rows of 16 or more outputs go straight into y, 32 a step with the last block shifted left: 41 wide
            // (a second, overlapping step), 18 wide with Cout 7 (the padded channels of the last block not stored).
            yield return new object[] { 2, 5, 41, 8, 3, 1, 1, 1, 1, true, true, 3, false };
            yield return new object[] { 3, 4, 20, 7, 3, 1, 0, 1, 1, true, false, 2, false };
        }

        public static IEnumerable<object[]> DirectShapesOnEveryIsa()
        {
            // Shapes the AVX-512 direct path takes (MaxPoolNet's layers, a padded odd one); batch 1 keeps the
            // kernel on this thread, where the forced instruction set applies. Forced below AVX-512, the same
            // shapes go through im2col and the 256-bit or scalar GEMM: the paths other machines take.
            foreach (int isa in new[] { (int)Cpu.Gemm.Sgemm.Isa.Vector512, (int)Cpu.Gemm.Sgemm.Isa.Vector256, (int)Cpu.Gemm.Sgemm.Isa.Scalar })
            {
                yield return new object[] { 1, 28, 28, 6, 5, 0, true, isa };
                yield return new object[] { 6, 12, 12, 12, 5, 0, false, isa };
                yield return new object[] { 3, 11, 5, 7, 3, 1, true, isa };
                yield return new object[] { 1, 28, 28, 32, 3, 1, true, isa };
                yield return new object[] { 3, 10, 7, 33, 3, 1, false, isa };
            }
        }

        [Theory]
        [MemberData(nameof(DirectShapesOnEveryIsa))]
        public void Few_channel_shapes_match_float64_reference_on_every_instruction_set(int cin, int h, int w, int cout, int k, int pad, bool relu, int isaCode)
        {
            var before = Cpu.Gemm.Sgemm.ForcedIsa;
            Cpu.Gemm.Sgemm.ForcedIsa = (Cpu.Gemm.Sgemm.Isa)isaCode;
            try
            {
                Forward_and_backward_match_float64_reference(cin, h, w, cout, k, 1, pad, 1, 1, true, relu, 1, false);
            }
            finally { Cpu.Gemm.Sgemm.ForcedIsa = before; }
        }

        [Theory]
        [MemberData(nameof(Configurations))]
        public void Forward_and_backward_match_float64_reference(int cin, int h, int w, int cout, int k, int stride, int pad, int dil,
            int groups, bool hasBias, bool relu, int n, bool dxEmpty)
        {
            Conv2dShape s = DenseReference.ConvShape(cin, h, w, cout, k, stride, pad, dil, groups);
            var rng = new Random(cin * 1000 + h * 100 + k * 10 + stride + pad * 7 + dil * 13 + groups * 17 + n);
            string what = $"conv cin{cin} {h}x{w} cout{cout} k{k} s{stride} p{pad} d{dil} g{groups} bias={hasBias} relu={relu} n={n}";

            float[] x = DenseReference.Random(rng, (long)n * s.InputSize);
            float[] wt = DenseReference.Random(rng, s.WeightSize);
            float[]? b = hasBias ? DenseReference.Random(rng, cout) : null;
            // Offset windows into bigger arrays, so a kernel that ignores FloatBuffer.Offset fails.
            FloatBuffer xb = Window(x, 3), wb = Window(wt, 1), bb = b is null ? FloatBuffer.Empty : Window(b, 2);
            FloatBuffer yb = Window(new float[(long)n * s.OutputSize], 5);
            Epilogue ep = relu ? Epilogue.ReLU : Epilogue.None;

            Conv2dKernel.Forward(xb, wb, bb, yb, n, in s, ep);
            var (yRef, yScale) = DenseReference.ConvForward(x, wt, b, n, s, relu);
            DenseReference.AssertClose(yRef, yScale, yb.Span, what + " y");

            // Backward of L = Σ r·y. The reference masks r by the y the kernel is given, as the contract says.
            float[] r = DenseReference.Random(rng, yb.Length);
            float[] masked = (float[])r.Clone();
            if (relu) for (int i = 0; i < masked.Length; i++) if (!(yb.Span[i] > 0)) masked[i] = 0;
            FloatBuffer dyb = Window(r, 4);
            FloatBuffer dxb = dxEmpty ? FloatBuffer.Empty : Window(Garbage(rng, x.Length), 1);
            FloatBuffer dwb = Window(Garbage(rng, wt.Length), 6), dbb = hasBias ? Window(Garbage(rng, cout), 0) : FloatBuffer.Empty;

            Conv2dKernel.Backward(xb, wb, yb, dyb, dxb, dwb, dbb, n, in s, ep);
            var g = DenseReference.ConvBackward(x, wt, masked, n, s);
            if (relu) Assert.Equal(masked, dyb.Span.ToArray()); // dy is masked in place
            if (!dxEmpty) DenseReference.AssertClose(g.Dx, g.DxScale, dxb.Span, what + " dx");
            DenseReference.AssertClose(g.Dw, g.DwScale, dwb.Span, what + " dW");
            if (hasBias) DenseReference.AssertClose(g.Db, g.DbScale, dbb.Span, what + " db");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Gradients_match_finite_differences(bool relu)
        {
            // Loss L = Σ r·y computed in float64 from the float kernel's outputs; central differences on a few
            // elements of x, w and b. Convolution is linear in each, so away from ReLU's kink the difference
            // quotient is exact up to float rounding of y.
            Conv2dShape s = DenseReference.ConvShape(4, 6, 5, 6, 3, 2, 1, 1, 2);
            const int n = 3;
            var rng = new Random(relu ? 11 : 10);
            float[] x = DenseReference.Random(rng, n * s.InputSize), w = DenseReference.Random(rng, s.WeightSize), b = DenseReference.Random(rng, 6);
            float[] r = DenseReference.Random(rng, n * s.OutputSize);
            Epilogue ep = relu ? Epilogue.ReLU : Epilogue.None;
            double Loss()
            {
                var y = new float[n * s.OutputSize];
                Conv2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(b), new FloatBuffer(y), n, in s, ep);
                double sum = 0;
                for (int i = 0; i < y.Length; i++) sum += (double)r[i] * y[i];
                return sum;
            }

            var y0 = new float[n * s.OutputSize];
            Conv2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(b), new FloatBuffer(y0), n, in s, ep);
            float[] dy = (float[])r.Clone(), dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
            Conv2dKernel.Backward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(y0), new FloatBuffer(dy), new FloatBuffer(dx),
                new FloatBuffer(dw), new FloatBuffer(db), n, in s, ep);

            FiniteDifference.Check(x, dx, Loss, rng, "dx", relu);
            FiniteDifference.Check(w, dw, Loss, rng, "dW", relu);
            FiniteDifference.Check(b, db, Loss, rng, "db", relu);
        }

        [Fact]
        public void Second_call_allocates_nothing()
        {
            Conv2dShape s = DenseReference.ConvShape(8, 10, 10, 16, 3, 1, 1, 1, 1);
            const int n = 5;
            var rng = new Random(3);
            var x = new FloatBuffer(DenseReference.Random(rng, n * s.InputSize));
            var w = new FloatBuffer(DenseReference.Random(rng, s.WeightSize));
            var b = new FloatBuffer(DenseReference.Random(rng, 16));
            var y = new FloatBuffer(new float[n * s.OutputSize]);
            var dy = new FloatBuffer(DenseReference.Random(rng, n * s.OutputSize));
            var dx = new FloatBuffer(new float[n * s.InputSize]);
            var dw = new FloatBuffer(new float[s.WeightSize]);
            var db = new FloatBuffer(new float[16]);
            void Step()
            {
                Conv2dKernel.Forward(x, w, b, y, n, in s, Epilogue.ReLU);
                Conv2dKernel.Backward(x, w, y, dy, dx, dw, db, n, in s, Epilogue.ReLU);
            }
            Step();
            Assert.Equal(0, SteadyState.BytesAllocated(Step));
        }

        [Fact]
        public void Empty_batch_zeroes_the_gradients()
        {
            Conv2dShape s = DenseReference.ConvShape(2, 4, 4, 3, 3, 1, 1, 1, 1);
            var dw = new float[s.WeightSize];
            var db = new float[3];
            Array.Fill(dw, 7f);
            Array.Fill(db, 7f);
            Conv2dKernel.Backward(FloatBuffer.Empty, new FloatBuffer(new float[s.WeightSize]), FloatBuffer.Empty, FloatBuffer.Empty,
                FloatBuffer.Empty, new FloatBuffer(dw), new FloatBuffer(db), 0, in s, Epilogue.None);
            Assert.All(dw, v => Assert.Equal(0f, v));
            Assert.All(db, v => Assert.Equal(0f, v));
        }

        [Fact]
        public void Bad_input_names_what_is_wrong()
        {
            Conv2dShape s = DenseReference.ConvShape(4, 5, 5, 6, 3, 1, 0, 1, 2);
            var x = new FloatBuffer(new float[2 * s.InputSize - 1]);
            var w = new FloatBuffer(new float[s.WeightSize]);
            var y = new FloatBuffer(new float[2 * s.OutputSize]);
            var e = Assert.Throws<ArgumentException>(() => Conv2dKernel.Forward(x, w, FloatBuffer.Empty, y, 2, in s, Epilogue.None));
            Assert.Equal("x", e.ParamName);
            Assert.Contains("Conv2dKernel.Forward", e.Message);

            var wrongOut = new Conv2dShape(4, 5, 5, 6, 3, 1, 0, 1, 2, 4, 3);
            var e2 = Assert.Throws<ArgumentException>(() => Conv2dKernel.Forward(x, w, FloatBuffer.Empty, y, 1, in wrongOut, Epilogue.None));
            Assert.Contains("gives 3x3", e2.Message);

            var badGroups = new Conv2dShape(4, 5, 5, 6, 3, 1, 0, 1, 4, 3, 3);
            var e3 = Assert.Throws<ArgumentException>(() => Conv2dKernel.Forward(x, w, FloatBuffer.Empty, y, 1, in badGroups, Epilogue.None));
            Assert.Contains("groups=4", e3.Message);
        }

        private static FloatBuffer Window(float[] data, int offset)
        {
            var big = new float[data.Length + offset + 3];
            Array.Fill(big, float.NaN); // anything read outside the window poisons the result
            Array.Copy(data, 0, big, offset, data.Length);
            return new FloatBuffer(big, offset, data.Length);
        }

        private static float[] Garbage(Random rng, long length) => DenseReference.Random(rng, length, 100);
    }

    internal static class FiniteDifference
    {
        /// <summary>
        /// Compares analytic gradients with central differences of <paramref name="loss"/> on a few elements of
        /// <paramref name="param"/> (restored afterwards).
        /// </summary>
        public static void Check(float[] param, float[] grad, Func<double> loss, Random rng, string what, bool kinks)
        {
            // Linear layers allow a large step (float rounding of y is what limits accuracy); near ReLU's kink a
            // large step would straddle it, so take a smaller one there.
            float h = kinks ? 1e-2f : 0.25f;
            for (int t = 0; t < 6; t++)
            {
                int i = rng.Next(param.Length);
                float old = param[i];
                param[i] = old + h;
                double plus = loss();
                param[i] = old - h;
                double minus = loss();
                param[i] = old;
                double numeric = (plus - minus) / (2.0 * h);
                double tol = 2e-3 * Math.Max(1.0, Math.Abs(numeric)) + (kinks ? 2e-3 : 0);
                Assert.True(Math.Abs(numeric - grad[i]) <= tol,
                    $"{what}[{i}]: analytic {grad[i]:R}, finite difference {numeric:R}.");
            }
        }
    }
}
