using System;
using System.Linq;
using Xunit;

namespace CnnGen.Tests.Losses
{
    [Network(1, 4, 4)]
    [Flatten]
    [Linear(16, 3)]
    [MSELoss]
    public partial class MseRegressor;

    [Network(1, 4, 4)]
    [Flatten]
    [Linear(16, 3)]
    [BCEWithLogitsLoss]
    public partial class MultiLabelNet;

    [Network(1, 4, 4)]
    [Flatten]
    [Linear(16, 3)]
    [CrossEntropyLoss(labelSmoothing: 0.1, classWeights: new[] { 1f, 2f, 0.5f })]
    public partial class SmoothedWeightedNet;

    /// <summary>
    /// The loss declared on a network is the one its generated ForwardBackward trains with: the returned loss and the
    /// last Linear's bias gradient (Σ over the batch of dLoss/dLogits) against float64 definitions of torch.nn's losses,
    /// computed here from the logits Predict gives. (The kernels themselves are checked against PyTorch fixtures.)
    /// </summary>
    public class DeclaredLossTests
    {
        private const int Batch = 5, Classes = 3;

        private static float[] Input(int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, Batch * 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }

        private static double[] Logits(INetwork net, float[] input)
        {
            var logits = new float[Batch * Classes];
            net.Predict(input, Batch, logits);
            return logits.Select(v => (double)v).ToArray();
        }

        private static void AssertBiasGradient(INetwork net, double[] dLogits)
        {
            var bias = net.Parameters.Single(p => p.Name == "1.bias");
            for (int c = 0; c < Classes; c++)
            {
                double expected = 0;
                for (int i = 0; i < Batch; i++) expected += dLogits[i * Classes + c];
                Assert.Equal(expected, bias.Grad[c], 5);
            }
        }

        [Fact]
        public void MSELoss_trains_on_float_targets()
        {
            INetwork net = new MseRegressor(seed: 1);
            var input = Input(2);
            var targets = Enumerable.Range(0, Batch * Classes).Select(i => (float)Math.Sin(i)).ToArray();
            var y = Logits(net, input);
            double expected = y.Select((v, i) => (v - targets[i]) * (v - targets[i])).Average();
            float loss = net.ForwardBackward(input, targets, Batch);
            Assert.Equal(expected, loss, 5);
            AssertBiasGradient(net, y.Select((v, i) => 2 * (v - targets[i]) / y.Length).ToArray());
        }

        [Fact]
        public void BCEWithLogitsLoss_trains_on_float_targets()
        {
            INetwork net = new MultiLabelNet(seed: 3);
            var input = Input(4);
            var targets = Enumerable.Range(0, Batch * Classes).Select(i => i % 3 == 0 ? 1f : i % 3 == 1 ? 0f : 0.25f).ToArray();
            var x = Logits(net, input);
            double expected = x.Select((v, i) => Math.Max(v, 0) - v * targets[i] + Math.Log(1 + Math.Exp(-Math.Abs(v)))).Average();
            float loss = net.ForwardBackward(input, targets, Batch);
            Assert.Equal(expected, loss, 5);
            AssertBiasGradient(net, x.Select((v, i) => (1 / (1 + Math.Exp(-v)) - targets[i]) / x.Length).ToArray());
        }

        [Fact]
        public void CrossEntropyLoss_with_label_smoothing_and_class_weights()
        {
            INetwork net = new SmoothedWeightedNet(seed: 5);
            var input = Input(6);
            int[] labels = { 0, 1, 2, 1, 0 };
            double[] w = { 1, 2, 0.5 };
            const double eps = 0.1;
            var x = Logits(net, input);
            // torch.nn.CrossEntropyLoss(weight=w, label_smoothing=ε), mean reduction: both terms divided by Σ w[label].
            double norm = labels.Sum(l => w[l]), nll = 0, smooth = 0;
            var dLogits = new double[x.Length];
            for (int i = 0; i < Batch; i++)
            {
                var row = x.Skip(i * Classes).Take(Classes).ToArray();
                double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
                var logp = row.Select(v => v - max - Math.Log(sum)).ToArray();
                nll -= w[labels[i]] * logp[labels[i]];
                for (int c = 0; c < Classes; c++) smooth -= w[c] * logp[c] / Classes;
                // d/dx of −(1−ε)·w_y·log p_y − ε/C·Σ_c w_c·log p_c, over the normaliser.
                double wAll = w.Sum() * eps / Classes;
                for (int c = 0; c < Classes; c++)
                {
                    double p = Math.Exp(logp[c]);
                    double target = (c == labels[i] ? (1 - eps) * w[c] : 0) + eps / Classes * w[c];
                    dLogits[i * Classes + c] = (p * ((1 - eps) * w[labels[i]] + wAll) - target) / norm;
                }
            }
            double expected = ((1 - eps) * nll + eps * smooth) / norm;
            float loss = net.ForwardBackward(input, labels, Batch);
            Assert.Equal(expected, loss, 5);
            AssertBiasGradient(net, dLogits);
        }

        [Fact]
        public void A_float_target_network_refuses_class_labels_and_the_reverse()
        {
            INetwork regressor = new MseRegressor(seed: 1);
            var e = Assert.Throws<InvalidOperationException>(() => regressor.ForwardBackward(Input(1), new int[Batch], Batch));
            Assert.Contains("[MSELoss]", e.Message);
            INetwork classifier = new SmoothedWeightedNet(seed: 1);
            e = Assert.Throws<InvalidOperationException>(() => classifier.ForwardBackward(Input(1), new float[Batch * Classes], Batch));
            Assert.Contains("class labels", e.Message);
        }

        [Fact]
        public void Targets_of_the_wrong_size_or_not_finite_are_refused_before_any_pass()
        {
            INetwork net = new MseRegressor(seed: 1);
            var before = net.Parameters.Single(p => p.Name == "1.bias").Grad.ToArray();
            Assert.Throws<ArgumentException>(() => net.ForwardBackward(Input(1), new float[Batch * Classes - 1], Batch));
            var targets = new float[Batch * Classes];
            targets[7] = float.NaN;
            var e = Assert.Throws<ArgumentException>(() => net.ForwardBackward(Input(1), targets, Batch));
            Assert.Contains("target 1 of sample 2", e.Message);
            Assert.Equal(before, net.Parameters.Single(p => p.Name == "1.bias").Grad.ToArray());
        }
    }
}
