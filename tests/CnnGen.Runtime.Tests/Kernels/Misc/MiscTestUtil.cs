using System;
using System.Globalization;
using CnnGen.Randomness;
using Xunit;

namespace CnnGen.Tests.Kernels.Misc
{
    /// <summary>Random data, finite differences and tolerant comparisons for the non-GEMM kernel tests.</summary>
    internal static class MiscTestUtil
    {
        /// <summary>Uniform floats in [lo, hi).</summary>
        public static float[] Uniform(int length, ulong seed, float lo = -2f, float hi = 2f)
        {
            var rng = new Rng(seed);
            var a = new float[length];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(lo + (hi - lo) * rng.NextDouble());
            return a;
        }

        /// <summary>Small integers in [0, levels): many ties, exact sums.</summary>
        public static float[] SmallIntegers(int length, ulong seed, int levels = 5)
        {
            var rng = new Rng(seed);
            var a = new float[length];
            for (int i = 0; i < a.Length; i++) a[i] = rng.NextInt(levels);
            return a;
        }

        /// <summary>Each plane of <paramref name="planeSize"/> gets a shuffle of 0, spacing, 2·spacing, …: no ties, so max is differentiable.</summary>
        public static float[] DistinctPerPlane(int planes, int planeSize, ulong seed, float spacing = 0.05f)
        {
            var rng = new Rng(seed);
            var a = new float[planes * planeSize];
            var order = new int[planeSize];
            for (int p = 0; p < planes; p++)
            {
                for (int i = 0; i < planeSize; i++) order[i] = i;
                rng.Shuffle(order);
                for (int i = 0; i < planeSize; i++) a[p * planeSize + i] = order[i] * spacing - planeSize * spacing / 2;
            }
            return a;
        }

        /// <summary>Σ w·y in double.</summary>
        public static double Dot(float[] w, float[] y)
        {
            double s = 0;
            for (int i = 0; i < w.Length; i++) s += (double)w[i] * y[i];
            return s;
        }

        /// <summary>Central differences of <paramref name="loss"/> with respect to every element of <paramref name="x"/> (restored afterwards).</summary>
        public static double[] CentralDifferences(float[] x, Func<double> loss, double h)
        {
            var g = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                float keep = x[i];
                x[i] = (float)(keep + h);
                double up = loss();
                double realUp = (double)x[i] - keep;
                x[i] = (float)(keep - h);
                double down = loss();
                double realDown = keep - (double)x[i];
                x[i] = keep;
                // Divide by the step actually taken: keep ± h is rounded to float.
                g[i] = (up - down) / (realUp + realDown);
            }
            return g;
        }

        public static void Close(double expected, double actual, double rtol, double atol, string what)
        {
            if (double.IsNaN(expected) && double.IsNaN(actual)) return;
            if (expected == actual) return;
            double err = Math.Abs(expected - actual);
            if (!(err <= atol + rtol * Math.Abs(expected)))
                Assert.Fail(string.Format(CultureInfo.InvariantCulture, "{0}: expected {1:R}, got {2:R} (error {3:G3})", what, expected, actual, err));
        }

        public static void AllClose(double[] expected, float[] actual, double rtol, double atol, string what)
        {
            Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
            for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], rtol, atol, $"{what}[{i}]");
        }

        public static void AllClose(double[] expected, double[] actual, double rtol, double atol, string what)
        {
            for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], rtol, atol, $"{what}[{i}]");
        }
    }
}
