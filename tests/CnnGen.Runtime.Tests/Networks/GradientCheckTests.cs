using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace CnnGen.Tests.Networks
{
    /// <summary>
    /// Whole-network gradient checks: the directional derivative Σ grad·v that ForwardBackward's gradients give must
    /// equal the central difference (L(θ + hv) − L(θ − hv)) / 2h of the loss ForwardBackward itself returns.
    /// </summary>
    public partial class GradientCheckTests
    {
        /// <summary>A random input batch and labels in range, from a fixed seed.</summary>
        internal static (float[] Input, int[] Labels) RandomBatch(INetwork model, int batch, int seed)
        {
            var random = new Random(seed);
            var input = new float[batch * model.InputSize];
            for (int i = 0; i < input.Length; i++) input[i] = (float)Normal(random);
            var labels = Enumerable.Range(0, batch).Select(i => (i * 7 + 3) % model.OutputSize).ToArray();
            return (input, labels);
        }

        internal static double Normal(Random random)
            => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

        /// <summary>
        /// A direction of unit length over the parameters <paramref name="which"/> selects (zero elsewhere), one array
        /// per parameter: half the gradient's direction, half a random one. The gradient part keeps Σ grad·v well
        /// away from zero (a purely random direction is nearly orthogonal to the gradient in many dimensions, leaving
        /// only rounding to compare); the random part makes every element count, so a wrong element is still seen.
        /// </summary>
        private static float[][] Direction(INetwork model, Random random, Func<Parameter, bool> which, float[][] grads)
        {
            var r = model.Parameters.Select(p => new double[p.Length]).ToArray();
            double rNorm = 0, gNorm = 0;
            for (int k = 0; k < r.Length; k++)
            {
                if (!which(model.Parameters[k])) continue;
                for (int i = 0; i < r[k].Length; i++)
                {
                    r[k][i] = Normal(random);
                    rNorm += r[k][i] * r[k][i];
                    gNorm += (double)grads[k][i] * grads[k][i];
                }
            }
            double rScale = 1 / Math.Sqrt(rNorm), gScale = gNorm > 0 ? 1 / Math.Sqrt(gNorm) : 0;
            var v = model.Parameters.Select(p => new float[p.Length]).ToArray();
            double norm = 0;
            for (int k = 0; k < v.Length; k++)
                for (int i = 0; i < v[k].Length; i++)
                {
                    v[k][i] = (float)(r[k][i] * rScale + (which(model.Parameters[k]) ? grads[k][i] * gScale : 0));
                    norm += (double)v[k][i] * v[k][i];
                }
            float scale = (float)(1 / Math.Sqrt(norm));
            foreach (var a in v) for (int i = 0; i < a.Length; i++) a[i] *= scale;
            return v;
        }

        /// <summary>θ ← θ + t·v.</summary>
        private static void Move(INetwork model, float[][] v, double t)
        {
            for (int k = 0; k < v.Length; k++)
            {
                var data = model.Parameters[k].Data;
                for (int i = 0; i < data.Length; i++) data[i] = (float)(data[i] + t * v[k][i]);
            }
        }

        /// <summary>
        /// Checks Σ grad·v against the central difference along v, for v over all parameters at once and over each
        /// parameter tensor alone (so a wrong gradient of one small tensor cannot hide in the total).
        /// </summary>
        private static void CheckDirectionalDerivatives(INetwork model, int batch, double h, double rel, int seed)
        {
            var (input, labels) = RandomBatch(model, batch, seed);
            var random = new Random(seed + 1);
            model.ForwardBackward(input, labels, batch);
            var grads = model.Parameters.Select(p => p.Grad.ToArray()).ToArray();
            var original = model.Parameters.Select(p => p.Data.ToArray()).ToArray();

            var selections = new List<(string What, Func<Parameter, bool> Which)> { ("all parameters", _ => true) };
            selections.AddRange(model.Parameters.Select(p => (p.Name, (Func<Parameter, bool>)(q => ReferenceEquals(q, p)))));
            foreach (var (what, which) in selections)
            {
                // A ReLU or max-pool kink inside [−h, h] bends the loss: the central difference over h and over h/2
                // then disagree. Such a direction says nothing about the gradient, so another is drawn. A wrong
                // gradient cannot hide this way: along a smooth direction both differences agree with each other
                // and still not with Σ grad·v.
                string last = "";
                for (int attempt = 0; ; attempt++)
                {
                    var v = Direction(model, random, which, grads);
                    double analytic = 0, gradNorm = 0;
                    for (int k = 0; k < v.Length; k++)
                    {
                        if (!which(model.Parameters[k])) continue;
                        for (int i = 0; i < v[k].Length; i++)
                        {
                            analytic += (double)grads[k][i] * v[k][i];
                            gradNorm += (double)grads[k][i] * grads[k][i];
                        }
                    }
                    gradNorm = Math.Sqrt(gradNorm);
                    double numeric = CentralDifference(model, input, labels, batch, original, v, h);
                    double half = CentralDifference(model, input, labels, batch, original, v, h / 2);

                    // Relative to the derivative, plus float32 rounding of the loss (about 1e-7, over a distance of 2h).
                    double tolerance = rel * Math.Abs(analytic) + 4e-7 / h;
                    last = $"{model.Name}, direction over {what}: Σ grad·v = {analytic:G6}, central difference = {numeric:G6} (h/2: {half:G6}; h {h}, |grad| {gradNorm:G3}, tolerance {tolerance:G3}).";
                    bool smooth = Math.Abs(numeric - half) <= tolerance;
                    if (smooth)
                    {
                        Assert.True(Math.Abs(numeric - analytic) <= tolerance, last);
                        break;
                    }
                    Assert.True(attempt < 5, "No direction without a kink in 6 attempts; last: " + last);
                }
            }
        }

        private static double CentralDifference(INetwork model, float[] input, int[] labels, int batch, float[][] original, float[][] v, double h)
        {
            Move(model, v, h);
            double plus = model.ForwardBackward(input, labels, batch);
            Restore(model, original);
            Move(model, v, -h);
            double minus = model.ForwardBackward(input, labels, batch);
            Restore(model, original);
            return (plus - minus) / (2 * h);
        }

        private static void Restore(INetwork model, float[][] original)
        {
            for (int k = 0; k < original.Length; k++) original[k].CopyTo(model.Parameters[k].Data);
        }

        [Fact]
        public void Smooth_network_with_strided_dilated_grouped_convs_BatchNorm_and_average_pools_in_training_mode()
        {
            // Smooth everywhere, so a larger step keeps float32 rounding small against the difference.
            var model = new SmoothNet(11, maxBatch: 5);
            Assert.True(model.IsTraining);
            CheckDirectionalDerivatives(model, batch: 5, h: 1e-2, rel: 0.01, seed: 100);
        }

        [Fact]
        public void Smooth_network_in_eval_mode_where_BatchNorm_uses_its_running_statistics()
        {
            var model = new SmoothNet(12, maxBatch: 3);
            // Non-trivial running statistics, so the eval-mode backward really depends on them.
            var random = new Random(7);
            foreach (var b in model.Buffers)
                for (int i = 0; i < b.Data.Length; i++)
                    b.Data[i] = b.Name.EndsWith("running_mean", StringComparison.Ordinal) ? (float)(0.3 * Normal(random))
                        : b.Name.EndsWith("running_var", StringComparison.Ordinal) ? (float)(0.5 + random.NextDouble()) : 3;
            model.Eval();
            CheckDirectionalDerivatives(model, batch: 3, h: 1e-2, rel: 0.01, seed: 200);
        }

        [Fact]
        public void ReLU_and_MaxPool_network_with_a_small_step_so_no_kink_is_crossed()
        {
            var model = new KinkyNet(13, maxBatch: 4);
            CheckDirectionalDerivatives(model, batch: 4, h: 1e-3, rel: 0.02, seed: 300);
        }

        [Fact]
        public void LeakyReLU_ceil_mode_MaxPool_and_bias_free_layers()
        {
            var model = new LeakyNet(14, maxBatch: 3);
            CheckDirectionalDerivatives(model, batch: 3, h: 1e-3, rel: 0.02, seed: 400);
        }

        [Fact]
        public void Dropout_draws_a_new_mask_every_training_step_and_is_the_identity_in_eval_mode()
        {
            var model = new DropoutNet(15, maxBatch: 8);
            var twin = new DropoutFreeNet(16, maxBatch: 8);
            foreach (var (p, q) in model.Parameters.Zip(twin.Parameters))
            {
                Assert.Equal(p.Name, q.Name);
                p.Data.CopyTo(q.Data);
            }
            var (input, labels) = RandomBatch(model, 8, 500);

            // Training: each call draws a fresh mask, so the loss changes from call to call with nothing else changed.
            float first = model.ForwardBackward(input, labels, 8);
            float second = model.ForwardBackward(input, labels, 8);
            float third = model.ForwardBackward(input, labels, 8);
            Assert.True(first != second && second != third, $"Dropout(0.5) gave losses {first}, {second}, {third}.");
            float withoutDropout = twin.ForwardBackward(input, labels, 8);
            Assert.NotEqual(withoutDropout, first);


            // Eval: identity, so Predict and an eval-mode ForwardBackward equal the p = 0 twin's exactly.
            float[] a = new float[8 * 3], b = new float[8 * 3];
            model.Predict(input, 8, a);
            twin.Predict(input, 8, b);
            Assert.Equal(b, a);
            model.Eval();
            twin.Eval();
            float[] la = new float[8 * 3], lb = new float[8 * 3];
            Assert.Equal(twin.ForwardBackward(input, labels, 8, lb), model.ForwardBackward(input, labels, 8, la));
            Assert.Equal(lb, la);
            foreach (var (p, q) in model.Parameters.Zip(twin.Parameters)) Assert.Equal(q.Grad.ToArray(), p.Grad.ToArray());
        }

        [Fact]
        public void Dropout_in_training_zeroes_about_half_the_units_and_scales_the_rest_by_two()
        {
            // With the second Linear's weight the identity on the first 3 units and zero bias, the logits are the
            // dropped-out hidden units 0..2 themselves: each is either 0 or twice the p = 0 value.
            var model = new DropoutNet(17, maxBatch: 64);
            var twin = new DropoutFreeNet(17, maxBatch: 64);
            var w3 = model.Parameters.Single(p => p.Name == "4.weight").Data;
            w3.Clear();
            for (int i = 0; i < 3; i++) w3[i * 20 + i] = 1;
            model.Parameters.Single(p => p.Name == "4.bias").Data.Clear();
            foreach (var (p, q) in model.Parameters.Zip(twin.Parameters)) p.Data.CopyTo(q.Data);
            var (input, labels) = RandomBatch(model, 64, 600);
            // Positive first-layer outputs for units 0..2, so the ReLU passes them all.
            model.Parameters.Single(p => p.Name == "1.bias").Data.Slice(0, 3).Fill(10);
            twin.Parameters.Single(p => p.Name == "1.bias").Data.Slice(0, 3).Fill(10);

            float[] dropped = new float[64 * 3], plain = new float[64 * 3];
            model.ForwardBackward(input, labels, 64, dropped);
            twin.Predict(input, 64, plain);
            int zeros = 0;
            for (int i = 0; i < dropped.Length; i++)
            {
                if (dropped[i] == 0) zeros++;
                else Assert.True(Math.Abs(dropped[i] - 2 * plain[i]) <= 1e-5 * Math.Abs(plain[i]), $"logit {i}: {dropped[i]} is neither 0 nor 2 × {plain[i]}.");
            }
            // 192 Bernoulli(0.5) draws: 96 ± 7 expected; 60..132 is more than 5 standard deviations.
            Assert.InRange(zeros, 60, 132);
        }
    }
}
