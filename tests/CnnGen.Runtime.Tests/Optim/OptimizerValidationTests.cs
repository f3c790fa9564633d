using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Optim;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Optim
{
    /// <summary>Hyperparameters refused wherever they can be set, and parameters without a gradient left alone (PyTorch's p.grad is None).</summary>
    public class OptimizerValidationTests
    {
        private static List<Parameter> TwoParameters()
        {
            var list = new List<Parameter>();
            for (int k = 0; k < 2; k++)
            {
                var data = Enumerable.Range(0, 19).Select(i => (float)Math.Sin(i + 7 * k)).ToArray();
                list.Add(new Parameter($"{k}.weight", new[] { 19 }, new FloatBuffer(data), new FloatBuffer(new float[19])));
            }
            return list;
        }

        private static void Fill(Parameter p, int seed)
        {
            var g = p.Grad;
            for (int i = 0; i < g.Length; i++) g[i] = (float)Math.Cos(3 * i + seed) * 0.5f;
        }

        public static IEnumerable<object[]> Optimizers() => new[]
        {
            new object[] { "Sgd", (Func<List<Parameter>, Optimizer>)(ps => new Sgd(ps, 0.1f, momentum: 0.9f, weightDecay: 0.1f)) },
            new object[] { "Adam", (Func<List<Parameter>, Optimizer>)(ps => new Adam(ps, 0.1f, weightDecay: 0.1f)) },
            new object[] { "AdamW", (Func<List<Parameter>, Optimizer>)(ps => new AdamW(ps, 0.1f, weightDecay: 0.1f)) },
        };

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void A_learning_rate_that_is_not_a_finite_number_at_least_0_is_refused_by_the_property(string name, Func<List<Parameter>, Optimizer> make)
        {
            var opt = make(TwoParameters());
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1e-3f })
            {
                var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = bad);
                Assert.Equal("LearningRate", e.ParamName);
                Assert.Equal(0.1f, opt.LearningRate);
            }
            Assert.NotNull(name);
        }

        [Fact]
        public void Constructors_refuse_infinite_and_NaN_hyperparameters_naming_them()
        {
            var ps = TwoParameters();
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, float.PositiveInfinity)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, float.PositiveInfinity)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, float.NaN)).ParamName);
            Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, momentum: float.NaN)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, weightDecay: float.PositiveInfinity)).ParamName);
            Assert.Equal("dampening", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, dampening: float.NaN)).ParamName);
            Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, beta1: float.NaN)).ParamName);
            Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, beta2: 1f)).ParamName);
            Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, eps: float.PositiveInfinity)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, weightDecay: float.NaN)).ParamName);
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void A_step_before_any_gradient_changes_no_weight(string name, Func<List<Parameter>, Optimizer> make)
        {
            var ps = TwoParameters();
            var before = ps.Select(p => p.Data.ToArray()).ToArray();
            var opt = make(ps);
            opt.Step();
            for (int k = 0; k < ps.Count; k++) Assert.Equal(before[k], ps[k].Data.ToArray());
            Assert.Equal(1, opt.StepCount);
            Assert.NotNull(name);
        }

        [Fact]
        public void Sgd_skips_a_parameter_without_gradient_and_starts_its_momentum_at_its_own_first_step()
        {
            const double lr = 0.1, wd = 0.1, mu = 0.9;
            var ps = TwoParameters();
            var p0 = ps[0].Data.ToArray().Select(v => (double)v).ToArray();
            var p1 = ps[1].Data.ToArray().Select(v => (double)v).ToArray();
            var opt = new Sgd(ps, (float)lr, momentum: (float)mu, weightDecay: (float)wd);

            // Step 1: only parameter 0 has a gradient.
            Fill(ps[0], 1);
            var g0 = ps[0].Grad.ToArray();
            opt.Step();
            var buf0 = new double[19];
            for (int i = 0; i < 19; i++)
            {
                buf0[i] = g0[i] + wd * p0[i];
                p0[i] -= lr * buf0[i];
            }
            Assert.Equal(p1.Select(v => (float)v), ps[1].Data.ToArray());

            // Step 2: both. Parameter 1's buffer starts as its gradient (buf = d), parameter 0's continues.
            Fill(ps[0], 2);
            Fill(ps[1], 3);
            g0 = ps[0].Grad.ToArray();
            var g1 = ps[1].Grad.ToArray();
            opt.Step();
            for (int i = 0; i < 19; i++)
            {
                buf0[i] = mu * buf0[i] + (g0[i] + wd * p0[i]);
                p0[i] -= lr * buf0[i];
                p1[i] -= lr * (g1[i] + wd * p1[i]);
                Assert.Equal(p0[i], ps[0].Data[i], 1e-6);
                Assert.Equal(p1[i], ps[1].Data[i], 1e-6);
            }
        }

        [Fact]
        public void Adam_counts_bias_correction_steps_per_parameter_and_a_saved_state_keeps_them()
        {
            const double lr = 0.1, eps = 1e-8;
            var ps = TwoParameters();
            var opt = new Adam(ps, (float)lr, eps: (float)eps);
            Fill(ps[0], 1);
            opt.Step();                                   // parameter 1 has no gradient yet
            string path = Path.Combine(TestData.TempDir(), "adam.safetensors");
            opt.SaveState(path);

            var p1 = ps[1].Data.ToArray();
            Fill(ps[0], 2);
            Fill(ps[1], 3);
            var g1 = ps[1].Grad.ToArray();
            var copy = TwoParameters();
            for (int k = 0; k < 2; k++) { ps[k].Data.CopyTo(copy[k].Data); ps[k].Grad.CopyTo(copy[k].Grad); }
            opt.Step();
            // Parameter 1's first step: m̂ = g and v̂ = g², so p − lr·g / (|g| + eps), whatever the optimizer's step count.
            for (int i = 0; i < 19; i++)
                Assert.Equal(p1[i] - lr * g1[i] / (Math.Abs(g1[i]) + eps), ps[1].Data[i], 1e-6);

            // The same from the saved state: the per-parameter steps come back with it.
            var restored = new Adam(copy, (float)lr, eps: (float)eps);
            restored.LoadState(path);
            restored.Step();
            for (int k = 0; k < 2; k++) Assert.Equal(ps[k].Data.ToArray(), copy[k].Data.ToArray());
        }

        [Fact]
        public void A_gradient_marked_as_written_counts_even_when_it_is_exactly_zero()
        {
            var ps = TwoParameters();
            var before = ps[0].Data.ToArray();
            var opt = new Sgd(ps, 0.5f, weightDecay: 0.1f);
            Assert.False(ps[0].HasGradient);
            ps[0].MarkGradientWritten();
            opt.Step();
            for (int i = 0; i < 19; i++) Assert.Equal(before[i] - 0.5f * (0.1f * before[i]), ps[0].Data[i], 6);
        }
    }
}
