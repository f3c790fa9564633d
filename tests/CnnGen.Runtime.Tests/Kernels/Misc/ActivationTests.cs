using System;
using CnnGen.Cpu;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    public class ActivationTests
    {
        private static double Reference(ActivationKind kind, double x, double slope) => kind switch
        {
            ActivationKind.ReLU => x > 0 ? x : 0,
            ActivationKind.LeakyReLU => x > 0 ? x : slope * x,
            ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
            ActivationKind.Tanh => Math.Tanh(x),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        /// <summary>f'(x) written from y, in double.</summary>
        private static double ReferenceGrad(ActivationKind kind, double y, double slope) => kind switch
        {
            ActivationKind.ReLU => y > 0 ? 1 : 0,
            ActivationKind.LeakyReLU => y > 0 ? 1 : slope,
            ActivationKind.Sigmoid => y * (1 - y),
            ActivationKind.Tanh => 1 - y * y,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        [Theory]
        [InlineData(ActivationKind.ReLU, 0f)]
        [InlineData(ActivationKind.LeakyReLU, 0.01f)]
        [InlineData(ActivationKind.LeakyReLU, 0.2f)]
        [InlineData(ActivationKind.Sigmoid, 0f)]
        [InlineData(ActivationKind.Tanh, 0f)]
        public void Forward_and_backward_match_reference(ActivationKind kind, float slope)
        {
            foreach (int length in new[] { 1, 7, 16, 33, 1000, 1027 })
            {
                float[] x = Uniform(length + 3, (ulong)length, -6f, 6f);
                var y = new float[length + 3];
                y[length] = 42f; // beyond length: untouched
                ActivationKernel.Forward(kind, new FloatBuffer(x), new FloatBuffer(y), length, slope);
                var yr = new double[length];
                for (int i = 0; i < length; i++) yr[i] = Reference(kind, x[i], slope);
                AllClose(yr, y, 2e-6, 1e-7, $"{kind} y (length {length})");
                Assert.Equal(42f, y[length]);

                float[] dy = Uniform(length, 1000 + (ulong)length);
                var dx = new float[length];
                ActivationKernel.Backward(kind, new FloatBuffer(y), new FloatBuffer(dy), new FloatBuffer(dx), length, slope);
                var dxr = new double[length];
                for (int i = 0; i < length; i++) dxr[i] = dy[i] * ReferenceGrad(kind, y[i], slope);
                AllClose(dxr, dx, 1e-6, 1e-7, $"{kind} dx (length {length})");

                // In place both ways gives the same numbers.
                var inPlace = (float[])x.Clone();
                ActivationKernel.Forward(kind, new FloatBuffer(inPlace), new FloatBuffer(inPlace), length, slope);
                Assert.Equal(y.AsSpan(0, length).ToArray(), inPlace.AsSpan(0, length).ToArray());
                var dyInPlace = (float[])dy.Clone();
                ActivationKernel.Backward(kind, new FloatBuffer(y), new FloatBuffer(dyInPlace), new FloatBuffer(dyInPlace), length, slope);
                Assert.Equal(dx, dyInPlace);
            }
        }

        [Theory]
        [InlineData(ActivationKind.ReLU, 0f)]
        [InlineData(ActivationKind.LeakyReLU, 0.1f)]
        [InlineData(ActivationKind.Sigmoid, 0f)]
        [InlineData(ActivationKind.Tanh, 0f)]
        public void Gradient_matches_finite_differences(ActivationKind kind, float slope)
        {
            const int length = 37;
            float[] x = Uniform(length, 7, -3f, 3f);
            for (int i = 0; i < length; i++)
                if (Math.Abs(x[i]) < 0.05f) x[i] = 0.5f; // keep away from ReLU's kink
            float[] wts = Uniform(length, 8);
            var y = new float[length];
            double Loss()
            {
                ActivationKernel.Forward(kind, new FloatBuffer(x), new FloatBuffer(y), length, slope);
                return Dot(wts, y);
            }
            double[] numeric = CentralDifferences(x, Loss, 1e-3);
            Loss();
            var dx = new float[length];
            ActivationKernel.Backward(kind, new FloatBuffer(y), new FloatBuffer(wts), new FloatBuffer(dx), length, slope);
            AllClose(numeric, dx, 1e-2, 1e-3, $"{kind} dx");
        }

        [Theory]
        [InlineData(ActivationKind.ReLU)]
        [InlineData(ActivationKind.LeakyReLU)]
        [InlineData(ActivationKind.Sigmoid)]
        [InlineData(ActivationKind.Tanh)]
        public void NaN_propagates_through_forward(ActivationKind kind)
        {
            var x = new float[40];
            x[3] = float.NaN;
            x[37] = float.NaN; // scalar tail and vector body
            var y = new float[40];
            ActivationKernel.Forward(kind, new FloatBuffer(x), new FloatBuffer(y), 40);
            Assert.True(float.IsNaN(y[3]));
            Assert.True(float.IsNaN(y[37]));
        }

        [Fact]
        public void Saturated_sigmoid_and_tanh_stay_finite()
        {
            var x = new float[] { -1000f, -90f, 90f, 1000f, float.NegativeInfinity, float.PositiveInfinity };
            var y = new float[x.Length];
            ActivationKernel.Forward(ActivationKind.Sigmoid, new FloatBuffer(x), new FloatBuffer(y), x.Length);
            Assert.Equal(new float[] { 0, 0, 1, 1, 0, 1 }, y);
            ActivationKernel.Forward(ActivationKind.Tanh, new FloatBuffer(x), new FloatBuffer(y), x.Length);
            Assert.Equal(new float[] { -1, -1, 1, 1, -1, 1 }, y);
        }
    }
}
