using System;
using System.Linq;
using System.Text.Json;
using CnnGen.Cpu;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;
using static CnnGen.Tests.Optim.OptimFixtures;

namespace CnnGen.Tests.Kernels.Losses
{
    /// <summary>
    /// The loss kernels against PyTorch 1.13 (torch.nn.CrossEntropyLoss with weight and label_smoothing,
    /// BCEWithLogitsLoss, MSELoss; Fixtures/optim_fixtures.json) and against float64 references written here from
    /// the definitions (not from the kernels' fused formulas).
    /// </summary>
    public class LossKernelTests
    {
        private static JsonElement[] Cases(string kind) => Section("losses").Where(c => c.GetProperty("kind").GetString() == kind).ToArray();

        private static void MatchesFixture(JsonElement c, Func<float[], float[], float> run)
        {
            float[] input = Floats(c.GetProperty("input"));
            var grad = new float[input.Length];
            float loss = run(input, grad);
            string what = c.GetProperty("kind").GetString() + " " + c.GetProperty("args").GetRawText();
            Close(c.GetProperty("loss").GetDouble(), loss, 2e-6, 1e-7, what + " loss");
            AllClose(Doubles(c.GetProperty("grad")), grad, 2e-5, 1e-7, what + " gradient");
        }

        [Fact]
        public void CrossEntropy_with_weights_and_label_smoothing_matches_PyTorch()
        {
            var cases = Cases("cross_entropy");
            Assert.Equal(5, cases.Length);
            foreach (var c in cases)
            {
                int n = c.GetProperty("batch").GetInt32(), classes = c.GetProperty("width").GetInt32();
                int[] labels = Ints(c.GetProperty("target"));
                float eps = (float)c.GetProperty("args").GetProperty("label_smoothing").GetDouble();
                float[] weights = c.GetProperty("args").TryGetProperty("weight", out var w) ? Floats(w) : Array.Empty<float>();
                MatchesFixture(c, (x, g) => CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(x), labels, new FloatBuffer(g), n, classes, eps, weights));
                Close(c.GetProperty("loss").GetDouble(), CrossEntropyLossKernel.Loss(Floats(c.GetProperty("input")), labels, n, classes, eps, weights), 2e-6, 1e-7, "Loss()");
            }
        }

        [Fact]
        public void BCEWithLogits_matches_PyTorch_with_saturated_logits()
        {
            var c = Cases("bce_with_logits").Single();
            int n = c.GetProperty("batch").GetInt32(), k = c.GetProperty("width").GetInt32();
            float[] targets = Floats(c.GetProperty("target"));
            Assert.Contains(40f, Floats(c.GetProperty("input")));
            MatchesFixture(c, (x, g) => BCEWithLogitsLossKernel.ForwardBackward(new FloatBuffer(x), targets, new FloatBuffer(g), n, k));
        }

        [Fact]
        public void MSE_matches_PyTorch()
        {
            var c = Cases("mse").Single();
            int n = c.GetProperty("batch").GetInt32(), k = c.GetProperty("width").GetInt32();
            float[] targets = Floats(c.GetProperty("target"));
            MatchesFixture(c, (x, g) => MSELossKernel.ForwardBackward(new FloatBuffer(x), targets, new FloatBuffer(g), n, k));
        }

        /// <summary>The definition in float64: log-softmax, the weighted NLL and smoothing terms, each divided by Σ w[y].</summary>
        private static double CrossEntropyReference(float[] z, int[] y, int n, int classes, double eps, float[] w)
        {
            double W = 0, nll = 0, smooth = 0;
            for (int i = 0; i < n; i++)
            {
                double max = Enumerable.Range(0, classes).Max(c => (double)z[i * classes + c]);
                double lse = Math.Log(Enumerable.Range(0, classes).Sum(c => Math.Exp(z[i * classes + c] - max))) + max;
                double Weight(int c) => w.Length == 0 ? 1.0 : w[c];
                W += Weight(y[i]);
                nll += Weight(y[i]) * (lse - z[i * classes + y[i]]);
                for (int c = 0; c < classes; c++) smooth += Weight(c) * (lse - z[i * classes + c]);
            }
            return (1 - eps) * nll / W + eps / classes * smooth / W;
        }

        [Theory]
        [InlineData(1, 3, 0.0, false)]
        [InlineData(7, 10, 0.1, false)]
        [InlineData(7, 10, 0.25, true)]
        [InlineData(33, 300, 0.05, true)]
        public void CrossEntropy_matches_the_float64_definition_and_finite_differences(int n, int classes, double eps, bool weighted)
        {
            float[] z = Uniform(n * classes, (ulong)(n * 31 + classes), -6f, 6f);
            int[] y = Enumerable.Range(0, n).Select(i => (i * 7 + 3) % classes).ToArray();
            float[] w = weighted ? Uniform(classes, 9, 0.1f, 3f) : Array.Empty<float>();
            var g = new float[z.Length];
            float loss = CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), y, new FloatBuffer(g), n, classes, (float)eps, w);
            Close(CrossEntropyReference(z, y, n, classes, eps, w), loss, 1e-5, 1e-6, "loss");
            if (n * classes <= 100)
            {
                double[] numeric = CentralDifferences(z, () => CrossEntropyReference(z, y, n, classes, eps, w), 1e-3);
                AllClose(numeric, g, 1e-3, 1e-5, "dLogits vs finite differences of the definition");
            }
            else
            {
                // Each row's gradient sums to zero whatever ε and w (softmax's gradient is orthogonal to shifts).
                for (int i = 0; i < n; i++) Assert.True(Math.Abs(g.AsSpan(i * classes, classes).ToArray().Sum()) < 1e-6);
            }
        }

        [Fact]
        public void Losses_match_float64_definitions_and_finite_differences()
        {
            const int n = 5, k = 4;
            float[] x = Uniform(n * k, 17, -5f, 5f);
            x[3] = 90f;
            x[7] = -90f;
            float[] y = Uniform(n * k, 18, 0f, 1f);
            // −[y·log σ(x) + (1 − y)·log(1 − σ(x))], with −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x).
            static double Softplus(double t) => t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));
            double Bce() => Enumerable.Range(0, n * k).Sum(i => y[i] * Softplus(-x[i]) + (1 - y[i]) * Softplus(x[i])) / (n * k);
            double Mse() => Enumerable.Range(0, n * k).Sum(i => ((double)x[i] - y[i]) * ((double)x[i] - y[i])) / (n * k);

            var g = new float[n * k];
            Close(Bce(), BCEWithLogitsLossKernel.ForwardBackward(new FloatBuffer(x.ToArray()), y, new FloatBuffer(g), n, k), 1e-6, 1e-7, "BCE loss");
            AllClose(CentralDifferences(x, Bce, 1e-3), g, 1e-3, 1e-6, "BCE gradient");
            Close(Bce(), BCEWithLogitsLossKernel.Loss(x, y, n, k), 1e-6, 1e-7, "BCE Loss()");
            Close(Mse(), MSELossKernel.ForwardBackward(new FloatBuffer(x.ToArray()), y, new FloatBuffer(g), n, k), 1e-6, 1e-7, "MSE loss");
            AllClose(CentralDifferences(x, Mse, 1e-2), g, 1e-3, 1e-5, "MSE gradient");
            Close(Mse(), MSELossKernel.Loss(x, y, n, k), 1e-6, 1e-7, "MSE Loss()");
        }

        [Fact]
        public void A_NaN_logit_gives_a_NaN_loss_never_a_finite_one()
        {
            float[] z = { 1f, float.NaN, 0.5f, 2f, -1f, 0f };
            var g = new float[6];
            Assert.True(float.IsNaN(CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), new[] { 0, 1 }, new FloatBuffer(g), 2, 3)));
            Assert.True(float.IsNaN(CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), new[] { 2, 0 }, new FloatBuffer(g), 2, 3, 0.1f, new[] { 1f, 2f, 3f })));
            Assert.True(float.IsNaN(CrossEntropyLossKernel.Loss(z, new[] { 2, 0 }, 2, 3)));
            float[] t = { 0, 1, 0, 1, 0, 1 };
            Assert.True(float.IsNaN(BCEWithLogitsLossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), t, new FloatBuffer(g), 2, 3)));
            Assert.True(float.IsNaN(g[1]));
            Assert.True(float.IsNaN(BCEWithLogitsLossKernel.Loss(z, t, 2, 3)));
            Assert.True(float.IsNaN(MSELossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), t, new FloatBuffer(g), 2, 3)));
            Assert.True(float.IsNaN(MSELossKernel.Loss(z, t, 2, 3)));
        }

        [Fact]
        public void The_gradient_may_overwrite_the_logits()
        {
            float[] z = Uniform(12, 5, -3f, 3f);
            int[] y = { 1, 0, 3 };
            float[] w = { 1f, 0.5f, 2f, 1.5f };
            var separate = new float[12];
            float a = CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z.ToArray()), y, new FloatBuffer(separate), 3, 4, 0.2f, w);
            var inPlace = z.ToArray();
            float b = CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(inPlace), y, new FloatBuffer(inPlace), 3, 4, 0.2f, w);
            Assert.Equal(a, b);
            Assert.Equal(separate, inPlace);
        }

        [Fact]
        public void Bad_inputs_are_refused_before_anything_is_written()
        {
            var z = new float[6];
            var g = Enumerable.Repeat(7f, 6).ToArray();
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z), new[] { 0, 3 }, new FloatBuffer(g), 2, 3));
            Assert.Contains("label 3 of row 1", e.Message);
            Assert.Contains("2 class weights for 3 classes", Assert.Throws<ArgumentException>(() => CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z), new[] { 0, 1 }, new FloatBuffer(g), 2, 3, 0f, new[] { 1f, 1f })).Message);
            Assert.Contains("weight of class 1", Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z), new[] { 0, 1 }, new FloatBuffer(g), 2, 3, 0f, new[] { 1f, -1f, 1f })).Message);
            Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropyLossKernel.ForwardBackward(new FloatBuffer(z), new[] { 0, 1 }, new FloatBuffer(g), 2, 3, 1.5f)).ParamName);
            Assert.Contains("targets hold 5 floats", Assert.Throws<ArgumentException>(() => MSELossKernel.ForwardBackward(new FloatBuffer(z), new float[5], new FloatBuffer(g), 2, 3)).Message);
            Assert.All(g, v => Assert.Equal(7f, v));
        }
    }
}
