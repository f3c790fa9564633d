using System;
using CnnGen.Cpu;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    /// <summary>
    /// Plain float64 loops that define the expected results, written straight from PyTorch's formulas and
    /// sharing nothing with the kernels under test. Every result comes with the sum of the absolute values
    /// of its terms, the natural scale for judging float32 rounding.
    /// </summary>
    internal static class DenseReference
    {
        public static float[] Random(Random rng, long length, double scale = 1.0)
        {
            var a = new float[length];
            for (long i = 0; i < length; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
            return a;
        }

        public static Conv2dShape ConvShape(int cin, int h, int w, int cout, int k, int stride, int pad, int dil, int groups)
        {
            int oh = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            int ow = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            return new Conv2dShape(cin, h, w, cout, k, stride, pad, dil, groups, oh, ow);
        }

        /// <summary>y = conv(x, w) + b (then ReLU), each output with the absolute sum of its terms.</summary>
        public static (double[] Y, double[] Scale) ConvForward(float[] x, float[] w, float[]? b, int n, Conv2dShape s, bool relu)
        {
            int cinG = s.InChannels / s.Groups, coutG = s.OutChannels / s.Groups, k = s.Kernel;
            var y = new double[(long)n * s.OutputSize];
            var scale = new double[y.Length];
            for (int i = 0; i < n; i++)
            for (int co = 0; co < s.OutChannels; co++)
            {
                int g = co / coutG;
                for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    double sum = b is null ? 0 : b[co], abs = b is null ? 0 : Math.Abs(b[co]);
                    for (int ci = 0; ci < cinG; ci++)
                    for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                    {
                        int iy = oy * s.Stride - s.Padding + ky * s.Dilation;
                        int ix = ox * s.Stride - s.Padding + kx * s.Dilation;
                        if (iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width) continue;
                        double term = (double)x[XIndex(s, i, g * cinG + ci, iy, ix)] * w[WIndex(s, co, ci, ky, kx)];
                        sum += term;
                        abs += Math.Abs(term);
                    }
                    long yi = YIndex(s, i, co, oy, ox);
                    y[yi] = relu ? Math.Max(0, sum) : sum;
                    scale[yi] = abs;
                }
            }
            return (y, scale);
        }

        /// <summary>The gradients of L = Σ dy·y with respect to x, w and b (dy taken as given, already masked).</summary>
        public static (double[] Dx, double[] Dw, double[] Db, double[] DxScale, double[] DwScale, double[] DbScale)
            ConvBackward(float[] x, float[] w, float[] dy, int n, Conv2dShape s)
        {
            int cinG = s.InChannels / s.Groups, coutG = s.OutChannels / s.Groups, k = s.Kernel;
            var dx = new double[(long)n * s.InputSize];
            var dxs = new double[dx.Length];
            var dw = new double[s.WeightSize];
            var dws = new double[dw.Length];
            var db = new double[s.OutChannels];
            var dbs = new double[db.Length];
            for (int i = 0; i < n; i++)
            for (int co = 0; co < s.OutChannels; co++)
            {
                int g = co / coutG;
                for (int oy = 0; oy < s.OutHeight; oy++)
                for (int ox = 0; ox < s.OutWidth; ox++)
                {
                    double d = dy[YIndex(s, i, co, oy, ox)];
                    db[co] += d;
                    dbs[co] += Math.Abs(d);
                    for (int ci = 0; ci < cinG; ci++)
                    for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                    {
                        int iy = oy * s.Stride - s.Padding + ky * s.Dilation;
                        int ix = ox * s.Stride - s.Padding + kx * s.Dilation;
                        if (iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width) continue;
                        long xi = XIndex(s, i, g * cinG + ci, iy, ix);
                        long wi = WIndex(s, co, ci, ky, kx);
                        dw[wi] += d * x[xi];
                        dws[wi] += Math.Abs(d * x[xi]);
                        dx[xi] += d * w[wi];
                        dxs[xi] += Math.Abs(d * w[wi]);
                    }
                }
            }
            return (dx, dw, db, dxs, dws, dbs);
        }

        public static long XIndex(Conv2dShape s, int i, int c, int y, int x) => (((long)i * s.InChannels + c) * s.Height + y) * s.Width + x;
        public static long YIndex(Conv2dShape s, int i, int c, int y, int x) => (((long)i * s.OutChannels + c) * s.OutHeight + y) * s.OutWidth + x;
        public static long WIndex(Conv2dShape s, int co, int ci, int ky, int kx) => (((long)co * (s.InChannels / s.Groups) + ci) * s.Kernel + ky) * s.Kernel + kx;

        /// <summary>
        /// Asserts |actual − expected| ≤ tol · (scale + 1e-3) for every element: float32 rounding of a sum grows
        /// with the sum of the absolute values of its terms, not with its (possibly cancelled) value.
        /// </summary>
        public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> scale, ReadOnlySpan<float> actual, string what, double tol = 1e-4)
        {
            Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
            for (int i = 0; i < expected.Length; i++)
            {
                // A NaN in the reference (a NaN input reached this output) must come out as NaN, not as a number.
                if (double.IsNaN(expected[i]))
                {
                    if (!float.IsNaN(actual[i])) Assert.Fail($"{what}[{i}]: got {actual[i]:R}, expected NaN.");
                    continue;
                }
                double err = Math.Abs(actual[i] - expected[i]);
                if (!(err <= tol * (scale[i] + 1e-3)))
                    Assert.Fail($"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (scale {scale[i]:G4}, error {err:G4}).");
            }
        }
    }
}
