using System;
using CnnGen.Cpu;
using CnnGen.Randomness;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    public class SoftmaxCrossEntropyTests
    {
        private static int[] Labels(int n, int classes, ulong seed)
        {
            var rng = new Rng(seed);
            var labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = rng.NextInt(classes);
            return labels;
        }

        /// <summary>Mean of −log softmax(z)[label] and (softmax − onehot)/n, in double, with the max subtracted.</summary>
        private static (double loss, double[] grad) Reference(float[] logits, int[] labels, int n, int classes)
        {
            double total = 0;
            var grad = new double[n * classes];
            for (int r = 0; r < n; r++)
            {
                double max = double.NegativeInfinity;
                for (int c = 0; c < classes; c++) max = Math.Max(max, logits[r * classes + c]);
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(logits[r * classes + c] - max);
                total += Math.Log(sum) + max - logits[r * classes + labels[r]];
                for (int c = 0; c < classes; c++)
                    grad[r * classes + c] = (Math.Exp(logits[r * classes + c] - max) / sum - (c == labels[r] ? 1 : 0)) / n;
            }
            return (total / n, grad);
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(1, 10)]
        [InlineData(37, 3)]
        [InlineData(37, 10)]
        [InlineData(5, 300)]  // longer than Loss's stack buffer
        [InlineData(64, 1000)]
        public void Loss_and_gradient_match_reference(int n, int classes)
        {
            float[] logits = Uniform(n * classes, (ulong)(n * 1000 + classes), -8f, 8f);
            int[] labels = Labels(n, classes, 5);
            var grad = new float[n * classes];
            float loss = SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), n, classes);
            var (lossRef, gradRef) = Reference(logits, labels, n, classes);
            Close(lossRef, loss, 1e-5, 1e-6, "loss");
            AllClose(gradRef, grad, 1e-4, 1e-7, "dLogits");
            Close(lossRef, SoftmaxCrossEntropyKernel.Loss(logits, labels, n, classes), 1e-5, 1e-6, "Loss()");
        }

        [Fact]
        public void Large_logits_do_not_overflow()
        {
            var logits = new float[] { 1000f, 1001f, 999f, -1000f, 50000f, 49990f };
            var labels = new[] { 0, 1 };
            var grad = new float[6];
            float loss = SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), 2, 3);
            var (lossRef, gradRef) = Reference(logits, labels, 2, 3);
            Assert.True(float.IsFinite(loss));
            Close(lossRef, loss, 1e-5, 1e-6, "loss");
            AllClose(gradRef, grad, 1e-4, 1e-7, "dLogits");
        }

        [Fact]
        public void Gradient_matches_finite_differences()
        {
            const int n = 4, classes = 5;
            float[] logits = Uniform(n * classes, 3, -2f, 2f);
            int[] labels = Labels(n, classes, 4);
            double[] numeric = CentralDifferences(logits, () => SoftmaxCrossEntropyKernel.Loss(logits, labels, n, classes), 1e-2);
            var grad = new float[n * classes];
            SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), n, classes);
            AllClose(numeric, grad, 2e-2, 2e-4, "dLogits");
        }

        [Fact]
        public void Gradient_may_overwrite_the_logits()
        {
            const int n = 6, classes = 7;
            float[] logits = Uniform(n * classes, 13);
            int[] labels = Labels(n, classes, 14);
            var grad = new float[n * classes];
            float loss = SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), n, classes);
            float lossInPlace = SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(logits), n, classes);
            Assert.Equal(loss, lossInPlace);
            Assert.Equal(grad, logits);
        }

        [Theory]
        [InlineData(10)]
        [InlineData(-1)]
        public void Label_out_of_range_names_row_and_label(int bad)
        {
            var logits = new float[4 * 10];
            var labels = new[] { 0, 9, bad, 3 };
            var grad = new float[40];
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
                SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), 4, 10));
            Assert.Contains("row 2", ex.Message);
            Assert.Contains($"label {bad}", ex.Message);
            Assert.All(grad, g => Assert.Equal(0f, g)); // nothing written before the check
            ex = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropyKernel.Loss(logits, labels, 4, 10));
            Assert.Contains("row 2", ex.Message);
        }

        [Theory]
        [InlineData(float.NaN, 1)]
        [InlineData(float.NaN, 0)]
        [InlineData(float.PositiveInfinity, 1)]
        [InlineData(float.PositiveInfinity, 0)]
        public void Non_finite_logits_give_NaN_loss(float bad, int label)
        {
            var logits = new float[] { 0.5f, 1f, bad, 2f, 0f, -1f };
            var labels = new[] { label, 2 };
            var grad = new float[6];
            Assert.True(float.IsNaN(SoftmaxCrossEntropyKernel.ForwardBackward(new FloatBuffer(logits), labels, new FloatBuffer(grad), 2, 3)));
            Assert.True(float.IsNaN(SoftmaxCrossEntropyKernel.Loss(logits, labels, 2, 3)));
        }
    }
}
