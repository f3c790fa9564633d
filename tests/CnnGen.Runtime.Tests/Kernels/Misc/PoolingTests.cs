using System;
using System.Collections.Generic;
using CnnGen.Cpu;
using CnnGen.Shapes;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    public class PoolingTests
    {
        // (n, C, H, W, kernel, stride, padding, dilation, ceilMode). Padding ≤ kernel/2 as PyTorch requires.
        public static IEnumerable<object[]> Configs() => new[]
        {
            new object[] { 1, 3, 7, 7, 2, 2, 0, 1, false },
            new object[] { 1, 3, 7, 7, 2, 2, 0, 1, true },      // last window runs past the input
            new object[] { 37, 2, 8, 8, 2, 2, 0, 1, false },    // the 2×2 fast path
            new object[] { 37, 2, 9, 9, 2, 2, 0, 1, true },
            new object[] { 2, 2, 9, 8, 3, 2, 1, 1, true },
            new object[] { 2, 3, 10, 11, 3, 1, 1, 1, false },   // overlapping windows
            new object[] { 37, 2, 11, 9, 2, 3, 0, 1, false },   // stride > kernel: gaps
            new object[] { 2, 2, 11, 9, 2, 3, 1, 1, true },
            new object[] { 1, 1, 13, 12, 3, 2, 1, 2, false },   // dilation
            new object[] { 2, 2, 13, 12, 3, 3, 1, 2, true },
            new object[] { 2, 2, 7, 9, 2, 1, 1, 2, true },
            new object[] { 1, 2, 5, 5, 5, 1, 2, 1, false },     // window as large as the input
            new object[] { 3, 1, 6, 5, 4, 3, 2, 1, true },
            new object[] { 1, 2, 1, 1, 1, 1, 0, 1, false },
            new object[] { 37, 4, 6, 6, 3, 2, 1, 1, true },     // last window clipped to the padded input
            new object[] { 37, 8, 16, 16, 2, 2, 0, 1, false },  // large enough to run in parallel
            new object[] { 37, 8, 17, 15, 3, 2, 1, 1, true },
            new object[] { 3, 2, 22, 38, 2, 2, 0, 1, false },   // wide rows: 2×2 vector blocks plus an overlapping last block
            new object[] { 2, 1, 22, 34, 2, 2, 0, 1, true },
            new object[] { 3, 2, 10, 14, 2, 2, 0, 1, false },   // narrow rows: 7 outputs, two overlapping 4-wide blocks
            new object[] { 2, 3, 12, 10, 2, 2, 0, 1, false },   // 5 outputs a row
            new object[] { 2, 2, 9, 11, 2, 2, 0, 1, false },    // odd input: the last column is never read
            new object[] { 2, 3, 28, 28, 2, 2, 0, 1, false },   // SimpleCnn's pool1: 14 outputs a row
            new object[] { 2, 2, 9, 10, 2, 2, 0, 2, false },    // 2×2 stride 2 but dilated: not the plain 2×2 window
            new object[] { 1, 2, 5, 6, 2, 2, 0, 1, false },     // 3 outputs a row: the scalar loop, odd last row
        };

        private static Pool2dShape Shape(int c, int h, int w, int k, int s, int p, int d, bool ceil, bool countIncludePad = true)
            => new Pool2dShape(c, h, w, k, s, p, d,
                (int)ShapeMath.PoolOutput(h, k, s, p, d, ceil), (int)ShapeMath.PoolOutput(w, k, s, p, d, ceil), countIncludePad);

        // ---- float64 references, written from the definitions ----

        /// <summary>Max over the taps inside the input, scanned row-major; a later tap wins if strictly larger or NaN.</summary>
        private static (double[] y, int[] idx) MaxRef(float[] x, int n, Pool2dShape s)
        {
            int planes = n * s.Channels, oh = s.OutHeight, ow = s.OutWidth;
            var y = new double[planes * oh * ow];
            var idx = new int[y.Length];
            for (int p = 0; p < planes; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double best = double.NegativeInfinity;
                        int at = -1;
                        for (int a = 0; a < s.Kernel; a++)
                            for (int b = 0; b < s.Kernel; b++)
                            {
                                int h = i * s.Stride - s.Padding + a * s.Dilation, w = j * s.Stride - s.Padding + b * s.Dilation;
                                if (h < 0 || h >= s.Height || w < 0 || w >= s.Width) continue;
                                double v = x[(p * s.Height + h) * s.Width + w];
                                if (at < 0 || v > best || double.IsNaN(v)) { best = v; at = h * s.Width + w; }
                            }
                        int o = (p * oh + i) * ow + j;
                        y[o] = best;
                        idx[o] = at;
                    }
            return (y, idx);
        }

        /// <summary>Average: sum of real taps; divisor counts taps inside the padded input (include pad) or inside the real input.</summary>
        private static (double[] y, double[] dx) AvgRef(float[] x, float[] dy, int n, Pool2dShape s)
        {
            int planes = n * s.Channels, oh = s.OutHeight, ow = s.OutWidth;
            var y = new double[planes * oh * ow];
            var dx = new double[x.Length];
            for (int p = 0; p < planes; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int paddedRows = 0, paddedCols = 0, realRows = 0, realCols = 0;
                        for (int a = 0; a < s.Kernel; a++)
                        {
                            int h = i * s.Stride - s.Padding + a;
                            if (h < s.Height + s.Padding) paddedRows++;
                            if (h >= 0 && h < s.Height) realRows++;
                            int w = j * s.Stride - s.Padding + a;
                            if (w < s.Width + s.Padding) paddedCols++;
                            if (w >= 0 && w < s.Width) realCols++;
                        }
                        int o = (p * oh + i) * ow + j;
                        if (realRows == 0 || realCols == 0) continue;
                        double divisor = s.CountIncludePad ? paddedRows * paddedCols : realRows * realCols;
                        double sum = 0;
                        for (int a = 0; a < s.Kernel; a++)
                            for (int b = 0; b < s.Kernel; b++)
                            {
                                int h = i * s.Stride - s.Padding + a, w = j * s.Stride - s.Padding + b;
                                if (h < 0 || h >= s.Height || w < 0 || w >= s.Width) continue;
                                int at = (p * s.Height + h) * s.Width + w;
                                sum += x[at];
                                dx[at] += dy[o] / divisor;
                            }
                        y[o] = sum / divisor;
                    }
            return (y, dx);
        }

        // ---- MaxPool2d ----

        public static IEnumerable<object[]> ConfigsOnEveryIsa()
        {
            foreach (object[] config in Configs())
                foreach (int isa in new[] { (int)Cpu.Gemm.Sgemm.Isa.Vector512, (int)Cpu.Gemm.Sgemm.Isa.Vector256, (int)Cpu.Gemm.Sgemm.Isa.Scalar })
                    yield return [.. config, isa];
        }

        [Theory]
        [MemberData(nameof(ConfigsOnEveryIsa))]
        public void MaxPool_inference_forward_matches_reference_with_NaN_on_every_path(int n, int c, int h, int w, int k, int st, int p, int d, bool ceil, int isaCode)
        {
            // The evaluation forward (no argmax) must give the training forward's values, NaN included, on the
            // 512-bit, 128-bit and scalar paths of its 2×2 fast path and on the general scan.
            Pool2dShape s = Shape(c, h, w, k, st, p, d, ceil);
            float[] x = SmallIntegers(n * c * h * w, (ulong)(n * 31 + h * 7 + w + isaCode));
            for (int i = 5; i < x.Length; i += 37) x[i] = float.NaN;
            var y = new float[n * s.OutputSize];
            Array.Fill(y, 12345f);
            var before = Cpu.Gemm.Sgemm.ForcedIsa;
            Cpu.Gemm.Sgemm.ForcedIsa = (Cpu.Gemm.Sgemm.Isa)isaCode;
            try
            {
                MaxPool2dKernel.ForwardInference(new FloatBuffer(x), new FloatBuffer(y), n, in s);
            }
            finally { Cpu.Gemm.Sgemm.ForcedIsa = before; }
            var (expected, _) = MaxRef(x, n, s);
            for (int i = 0; i < expected.Length; i++)
            {
                if (double.IsNaN(expected[i])) Assert.True(float.IsNaN(y[i]), $"y[{i}] = {y[i]}, expected NaN ({(Cpu.Gemm.Sgemm.Isa)isaCode})");
                else Assert.True(expected[i] == y[i], $"y[{i}] = {y[i]}, expected {expected[i]} ({(Cpu.Gemm.Sgemm.Isa)isaCode})");
            }
        }

        [Theory]
        [MemberData(nameof(ConfigsOnEveryIsa))]
        public void MaxPool_forward_and_backward_match_reference(int n, int c, int h, int w, int k, int st, int p, int d, bool ceil, int isaCode)
        {
            var before = Cpu.Gemm.Sgemm.ForcedIsa;
            Cpu.Gemm.Sgemm.ForcedIsa = (Cpu.Gemm.Sgemm.Isa)isaCode;
            try { MaxPoolForwardAndBackward(n, c, h, w, k, st, p, d, ceil); }
            finally { Cpu.Gemm.Sgemm.ForcedIsa = before; }
        }

        private static void MaxPoolForwardAndBackward(int n, int c, int h, int w, int k, int st, int p, int d, bool ceil)
        {
            var s = Shape(c, h, w, k, st, p, d, ceil);
            float[] x = SmallIntegers(n * s.InputSize, 11); // ties everywhere: the first maximum must win
            var y = new float[n * s.OutputSize];
            var idx = new int[y.Length];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), n, s);
            var (yr, ir) = MaxRef(x, n, s);
            for (int o = 0; o < y.Length; o++)
            {
                Assert.Equal(yr[o], y[o]);
                Assert.Equal(ir[o], idx[o]);
            }

            float[] dy = Uniform(y.Length, 12);
            var dx = new float[x.Length];
            Array.Fill(dx, 99f); // must be overwritten
            MaxPool2dKernel.Backward(new FloatBuffer(dy), new IntBuffer(idx), new FloatBuffer(dx), n, s);
            var dxr = new double[x.Length];
            int plane = s.Height * s.Width, outPlane = s.OutHeight * s.OutWidth;
            for (int o = 0; o < dy.Length; o++)
                if (ir[o] >= 0) dxr[o / outPlane * plane + ir[o]] += dy[o];
            AllClose(dxr, dx, 1e-6, 1e-6, "dx");
        }

        [Fact]
        public void MaxPool_propagates_NaN()
        {
            var s = Shape(1, 4, 4, 2, 2, 0, 1, false);
            float[] x = SmallIntegers(16, 3);
            x[5] = float.NaN;   // window (0,0)
            x[2] = float.NaN;   // window (0,1): two NaNs, PyTorch keeps the last one
            x[7] = float.NaN;
            var y = new float[4];
            var idx = new int[4];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), 1, s);
            Assert.True(float.IsNaN(y[0]));
            Assert.Equal(5, idx[0]);
            Assert.True(float.IsNaN(y[1]));
            Assert.Equal(7, idx[1]);
            Assert.False(float.IsNaN(y[2]));
            var (_, ir) = MaxRef(x, 1, s);
            Assert.Equal(ir, idx);
        }

        [Theory]
        [InlineData(2, 2, 0)]
        [InlineData(3, 2, 1)]
        [InlineData(2, 1, 0)]
        public void MaxPool_NaN_and_ties_in_wide_rows_match_reference(int k, int st, int p)
        {
            var s = Shape(2, 6, 38, k, st, p, 1, false);
            float[] x = SmallIntegers(2 * s.InputSize, 17, levels: 3);
            var rng = new CnnGen.Randomness.Rng(18);
            for (int i = 0; i < 40; i++) x[rng.NextInt(x.Length)] = float.NaN;
            var y = new float[2 * s.OutputSize];
            var idx = new int[y.Length];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), 2, s);
            var (yr, ir) = MaxRef(x, 2, s);
            for (int o = 0; o < y.Length; o++)
            {
                Assert.Equal(yr[o], y[o]); // NaN equals NaN here
                Assert.Equal(ir[o], idx[o]);
            }
        }

        [Fact]
        public void MaxPool_window_entirely_in_padding_gives_minus_infinity_and_no_gradient()
        {
            // H = 1, kernel 2, dilation 2, padding 1: the row taps are −1 and 1, both outside.
            var s = Shape(1, 1, 3, 2, 1, 1, 2, false);
            var x = new float[] { 1, 2, 3 };
            var y = new float[s.OutputSize];
            var idx = new int[y.Length];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), 1, s);
            Assert.All(y, v => Assert.Equal(float.NegativeInfinity, v));
            Assert.All(idx, i => Assert.Equal(-1, i));
            var dx = new float[] { 5, 5, 5 };
            MaxPool2dKernel.Backward(new FloatBuffer(new float[y.Length]), new IntBuffer(idx), new FloatBuffer(dx), 1, s);
            Assert.Equal(new float[3], dx);
        }

        [Theory]
        [InlineData(2, 2, 6, 7, 2, 2, 0, 1, true)]
        [InlineData(2, 1, 7, 6, 3, 2, 1, 1, false)]
        [InlineData(1, 2, 7, 7, 3, 1, 1, 2, true)]
        [InlineData(3, 1, 8, 5, 2, 3, 1, 1, true)]
        public void MaxPool_gradient_matches_finite_differences(int n, int c, int h, int w, int k, int st, int p, int d, bool ceil)
        {
            var s = Shape(c, h, w, k, st, p, d, ceil);
            float[] x = DistinctPerPlane(n * c, h * w, 21);
            var y = new float[n * s.OutputSize];
            var idx = new int[y.Length];
            float[] wts = Uniform(y.Length, 22);
            double Loss()
            {
                MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), n, s);
                return Dot(wts, y);
            }
            double[] numeric = CentralDifferences(x, Loss, 1e-2);
            Loss();
            var dx = new float[x.Length];
            MaxPool2dKernel.Backward(new FloatBuffer(wts), new IntBuffer(idx), new FloatBuffer(dx), n, s);
            AllClose(numeric, dx, 1e-3, 1e-4, "dx");
        }

        // ---- AvgPool2d ----

        [Theory]
        [MemberData(nameof(Configs))]
        public void AvgPool_forward_and_backward_match_reference(int n, int c, int h, int w, int k, int st, int p, int d, bool ceil)
        {
            _ = d; // average pooling has no dilation
            foreach (bool includePad in new[] { true, false })
            {
                var s = Shape(c, h, w, k, st, p, 1, ceil, includePad);
                float[] x = Uniform(n * s.InputSize, 31);
                float[] dy = Uniform(n * s.OutputSize, 32);
                var y = new float[dy.Length];
                Array.Fill(y, 99f);
                AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), n, s);
                var (yr, dxr) = AvgRef(x, dy, n, s);
                AllClose(yr, y, 1e-5, 1e-6, $"y (count_include_pad {includePad})");

                var dx = new float[x.Length];
                Array.Fill(dx, 99f);
                AvgPool2dKernel.Backward(new FloatBuffer(dy), new FloatBuffer(dx), n, s);
                AllClose(dxr, dx, 1e-5, 1e-6, $"dx (count_include_pad {includePad})");
            }
        }

        [Fact]
        public void AvgPool_ceil_mode_divisor_is_clipped_to_the_padded_input()
        {
            // H = W = 6, kernel 3, stride 2, padding 1, ceil: 4 outputs; the last window starts at 5 and the padded
            // input ends at 7, so with count_include_pad its divisor is 2·2 = 4 at the corner, not 9.
            var s = Shape(1, 6, 6, 3, 2, 1, 1, true, countIncludePad: true);
            Assert.Equal(4, s.OutHeight);
            var x = new float[36];
            Array.Fill(x, 1f);
            var y = new float[16];
            AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), 1, s);
            Assert.Equal(1f / 4f, y[15]);          // one real element (5,5) over a 2×2 clipped window
            Assert.Equal(4f / 9f, y[0], 6);        // rows/cols 0..1 real of a full 3×3 window
            Assert.Equal(2f / 6f, y[3], 6);        // rows 0..1 × col 5 over 3×2
            var t = Shape(1, 6, 6, 3, 2, 1, 1, true, countIncludePad: false);
            AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), 1, t);
            Assert.All(y, v => Assert.Equal(1f, v));
        }

        [Theory]
        [InlineData(2, 2, 6, 7, 2, 2, 0, true, true)]
        [InlineData(2, 1, 7, 6, 3, 2, 1, true, false)]
        [InlineData(1, 2, 7, 7, 3, 1, 1, false, true)]
        [InlineData(3, 1, 8, 5, 2, 3, 1, true, false)]
        public void AvgPool_gradient_matches_finite_differences(int n, int c, int h, int w, int k, int st, int p, bool ceil, bool includePad)
        {
            var s = Shape(c, h, w, k, st, p, 1, ceil, includePad);
            float[] x = Uniform(n * s.InputSize, 41);
            var y = new float[n * s.OutputSize];
            float[] wts = Uniform(y.Length, 42);
            double Loss()
            {
                AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), n, s);
                return Dot(wts, y);
            }
            double[] numeric = CentralDifferences(x, Loss, 1e-2);
            var dx = new float[x.Length];
            AvgPool2dKernel.Backward(new FloatBuffer(wts), new FloatBuffer(dx), n, s);
            AllClose(numeric, dx, 1e-3, 1e-4, "dx");
        }

        // ---- the worked example from the docs ----

        [Fact]
        public void Worked_example_from_the_docs()
        {
            var x = new float[] { 2, 1, 5, 3, 6, 4, 9, 8, 7, 2, 3, 1, 5, 4, 2, 6 };
            var s = Shape(1, 4, 4, 2, 2, 0, 1, false);
            var y = new float[4];
            var idx = new int[4];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), new IntBuffer(idx), 1, s);
            Assert.Equal(new float[] { 6, 9, 7, 6 }, y);
            Assert.Equal(new[] { 4, 6, 8, 15 }, idx);
            AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), 1, s);
            Assert.Equal(new float[] { 3.25f, 6.25f, 4.5f, 3f }, y);
        }

        // ---- AdaptiveAvgPool2d ----

        [Theory]
        [InlineData(1, 2, 7, 7, 3, 3)]
        [InlineData(37, 3, 5, 9, 2, 4)]
        [InlineData(2, 1, 4, 4, 4, 4)]
        [InlineData(2, 2, 3, 5, 6, 7)]    // output larger than input: cells overlap
        [InlineData(37, 1, 1, 1, 2, 2)]
        [InlineData(3, 2, 10, 13, 1, 1)]  // global average
        [InlineData(37, 8, 16, 16, 5, 5)] // parallel
        public void AdaptiveAvgPool_matches_reference(int n, int c, int h, int w, int oh, int ow)
        {
            float[] x = Uniform(n * c * h * w, 51);
            float[] dy = Uniform(n * c * oh * ow, 52);
            var y = new float[dy.Length];
            var dx = new float[x.Length];
            Array.Fill(dx, 99f);
            AdaptiveAvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), n, c, h, w, oh, ow);
            AdaptiveAvgPool2dKernel.Backward(new FloatBuffer(dy), new FloatBuffer(dx), n, c, h, w, oh, ow);

            var yr = new double[y.Length];
            var dxr = new double[x.Length];
            for (int p = 0; p < n * c; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int h0 = i * h / oh, h1 = (int)Math.Ceiling((i + 1) * (double)h / oh);
                        int w0 = j * w / ow, w1 = (int)Math.Ceiling((j + 1) * (double)w / ow);
                        double count = (h1 - h0) * (w1 - w0), sum = 0;
                        int o = (p * oh + i) * ow + j;
                        for (int a = h0; a < h1; a++)
                            for (int b = w0; b < w1; b++)
                            {
                                sum += x[(p * h + a) * w + b];
                                dxr[(p * h + a) * w + b] += dy[o] / count;
                            }
                        yr[o] = sum / count;
                    }
            AllClose(yr, y, 1e-5, 1e-6, "y");
            AllClose(dxr, dx, 1e-5, 1e-6, "dx");
        }

        [Fact]
        public void AdaptiveAvgPool_gradient_matches_finite_differences()
        {
            const int n = 2, c = 2, h = 5, w = 7, oh = 3, ow = 4;
            float[] x = Uniform(n * c * h * w, 61);
            var y = new float[n * c * oh * ow];
            float[] wts = Uniform(y.Length, 62);
            double Loss()
            {
                AdaptiveAvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(y), n, c, h, w, oh, ow);
                return Dot(wts, y);
            }
            double[] numeric = CentralDifferences(x, Loss, 1e-2);
            var dx = new float[x.Length];
            AdaptiveAvgPool2dKernel.Backward(new FloatBuffer(wts), new FloatBuffer(dx), n, c, h, w, oh, ow);
            AllClose(numeric, dx, 1e-3, 1e-4, "dx");
        }

        // ---- argument checks ----

        [Fact]
        public void Short_buffers_are_rejected_with_their_name()
        {
            var s = Shape(2, 4, 4, 2, 2, 0, 1, false);
            var ex = Assert.Throws<ArgumentException>(() =>
                MaxPool2dKernel.Forward(new FloatBuffer(new float[32]), new FloatBuffer(new float[7]), new IntBuffer(new int[8]), 1, s));
            Assert.Equal("y", ex.ParamName);
            Assert.Contains("8", ex.Message);
            ex = Assert.Throws<ArgumentException>(() =>
                AvgPool2dKernel.Backward(new FloatBuffer(new float[8]), new FloatBuffer(new float[31]), 1, s));
            Assert.Equal("dx", ex.ParamName);
        }
    }
}
