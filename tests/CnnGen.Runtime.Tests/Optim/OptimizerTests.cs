using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Optim;
using CnnGen.Serialization;
using CnnGen.Tests.Serialization;
using Xunit;

namespace CnnGen.Tests.Optim
{
    [Collection(AllocationCollection.Name)]
    public class OptimizerTests
    {
        // Lengths around the SIMD width (8 or 16 floats) so both the vector loop and the scalar tail run; the last
        // is big enough (90,300, not a multiple of the chunk alignment) for Adam's update to split over the cores.
        private static readonly int[][] Shapes = { new[] { 1 }, new[] { 37 }, new[] { 4, 75 }, new[] { 16 }, new[] { 301, 300 } };

        private static List<Parameter> MakeParameters(int seed)
        {
            var rng = new Random(seed);
            var list = new List<Parameter>();
            for (int k = 0; k < Shapes.Length; k++)
            {
                int n = Shapes[k].Aggregate(1, (a, b) => a * b);
                var data = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                list.Add(new Parameter($"{k}.weight", Shapes[k], new FloatBuffer(data), new FloatBuffer(new float[n])));
            }
            return list;
        }

        /// <summary>Gradients for one step: mostly N(0,1)-ish, with a tiny-gradient parameter to exercise eps.</summary>
        private static void FillGradients(List<Parameter> ps, Random rng)
        {
            for (int k = 0; k < ps.Count; k++)
            {
                double scale = k == 3 ? 1e-7 : 1.0;
                var g = ps[k].Grad;
                for (int i = 0; i < g.Length; i++) g[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
            }
        }

        private static double[][] ToDouble(List<Parameter> ps, bool grad = false)
            => ps.Select(p => (grad ? p.Grad : p.Data).ToArray().Select(v => (double)v).ToArray()).ToArray();

        private static void AssertClose(double[][] expected, List<Parameter> actual, double rel = 1e-5, double abs = 1e-7)
        {
            for (int k = 0; k < expected.Length; k++)
            {
                var a = actual[k].Data;
                for (int i = 0; i < a.Length; i++)
                {
                    double e = expected[k][i];
                    Assert.True(Math.Abs(a[i] - e) <= rel * Math.Abs(e) + abs, $"{actual[k].Name}[{i}]: expected {e:R}, got {a[i]:R}");
                }
            }
        }

        // ---- float64 references, written from torch/optim/{sgd,adam,adamw}.py of PyTorch 1.13 ----

        private sealed class SgdReference
        {
            private readonly double _momentum, _weightDecay, _dampening;
            private readonly bool _nesterov;
            private double[][]? _buffers;

            public SgdReference(double momentum, double weightDecay, bool nesterov, double dampening)
                => (_momentum, _weightDecay, _nesterov, _dampening) = (momentum, weightDecay, nesterov, dampening);

            public void Step(double[][] p, double[][] g, double lr)
            {
                bool first = _buffers is null;
                _buffers ??= p.Select(x => new double[x.Length]).ToArray();
                for (int k = 0; k < p.Length; k++)
                    for (int i = 0; i < p[k].Length; i++)
                    {
                        double d = g[k][i] + _weightDecay * p[k][i];
                        if (_momentum != 0)
                        {
                            _buffers[k][i] = first ? d : _momentum * _buffers[k][i] + (1 - _dampening) * d;
                            d = _nesterov ? d + _momentum * _buffers[k][i] : _buffers[k][i];
                        }
                        p[k][i] -= lr * d;
                    }
            }
        }

        private sealed class AdamReference
        {
            private readonly double _b1, _b2, _eps, _wd;
            private readonly bool _decoupled;
            private double[][]? _m, _v;
            private int _step;

            public AdamReference(double b1, double b2, double eps, double wd, bool decoupled)
                => (_b1, _b2, _eps, _wd, _decoupled) = (b1, b2, eps, wd, decoupled);

            public void Step(double[][] p, double[][] g, double lr)
            {
                _m ??= p.Select(x => new double[x.Length]).ToArray();
                _v ??= p.Select(x => new double[x.Length]).ToArray();
                _step++;
                double bc1 = 1 - Math.Pow(_b1, _step), bc2 = 1 - Math.Pow(_b2, _step);
                for (int k = 0; k < p.Length; k++)
                    for (int i = 0; i < p[k].Length; i++)
                    {
                        double grad = g[k][i];
                        if (_decoupled) p[k][i] *= 1 - lr * _wd;
                        else grad += _wd * p[k][i];
                        _m[k][i] = _b1 * _m[k][i] + (1 - _b1) * grad;
                        _v[k][i] = _b2 * _v[k][i] + (1 - _b2) * grad * grad;
                        double denom = Math.Sqrt(_v[k][i]) / Math.Sqrt(bc2) + _eps;
                        p[k][i] -= lr / bc1 * _m[k][i] / denom;
                    }
            }
        }

        /// <summary>Runs both for 6 steps with fresh gradients each step and a learning-rate change after step 3.</summary>
        private static void CompareOverSteps(Func<List<Parameter>, Optimizer> make, Action<double[][], double[][], double> reference, float lr)
        {
            var ps = MakeParameters(11);
            var opt = make(ps);
            var expected = ToDouble(ps);
            var rng = new Random(12);
            for (int step = 1; step <= 6; step++)
            {
                if (step == 4) opt.LearningRate = lr * 0.5f;
                FillGradients(ps, rng);
                reference(expected, ToDouble(ps, grad: true), opt.LearningRate);
                opt.Step();
                Assert.Equal(step, opt.StepCount);
                AssertClose(expected, ps);
            }
        }

        [Theory]
        [InlineData(0f, 0f, false, 0f)]
        [InlineData(0f, 1e-2f, false, 0f)]
        [InlineData(0.9f, 0f, false, 0f)]
        [InlineData(0.9f, 1e-4f, false, 0f)]
        [InlineData(0.8f, 1e-2f, false, 0.3f)]
        [InlineData(0.9f, 1e-2f, true, 0f)]
        [InlineData(0.5f, 0f, true, 0f)]
        public void Sgd_matches_the_PyTorch_formula(float momentum, float weightDecay, bool nesterov, float dampening)
        {
            var reference = new SgdReference(momentum, weightDecay, nesterov, dampening);
            CompareOverSteps(ps => new Sgd(ps, 0.05f, momentum, weightDecay, nesterov, dampening), reference.Step, 0.05f);
        }

        [Theory]
        [InlineData(1e-3f, 0.9f, 0.999f, 1e-8f, 0f)]
        [InlineData(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f)]
        [InlineData(3e-3f, 0.5f, 0.9f, 1e-3f, 0f)]
        [InlineData(1e-2f, 0f, 0.99f, 1e-6f, 1e-2f)]
        public void Adam_matches_the_PyTorch_formula(float lr, float beta1, float beta2, float eps, float weightDecay)
        {
            var reference = new AdamReference(beta1, beta2, eps, weightDecay, decoupled: false);
            CompareOverSteps(ps => new Adam(ps, lr, beta1, beta2, eps, weightDecay), reference.Step, lr);
        }

        [Theory]
        [InlineData(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f)]
        [InlineData(1e-2f, 0.8f, 0.95f, 1e-6f, 0.5f)]
        [InlineData(1e-2f, 0.9f, 0.999f, 1e-8f, 0f)]
        public void AdamW_matches_the_PyTorch_formula(float lr, float beta1, float beta2, float eps, float weightDecay)
        {
            var reference = new AdamReference(beta1, beta2, eps, weightDecay, decoupled: true);
            CompareOverSteps(ps => new AdamW(ps, lr, beta1, beta2, eps, weightDecay), reference.Step, lr);
        }

        [Fact]
        public void Defaults_are_PyTorch_defaults()
        {
            var adam = new Adam(MakeParameters(1));
            Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay));
            var adamW = new AdamW(MakeParameters(1));
            Assert.Equal((1e-3f, 0.01f), (adamW.LearningRate, adamW.WeightDecay));
            var sgd = new Sgd(MakeParameters(1), 0.1f);
            Assert.Equal((0f, 0f, false, 0f), (sgd.Momentum, sgd.WeightDecay, sgd.Nesterov, sgd.Dampening));
        }

        [Fact]
        public void Bad_arguments_are_refused_naming_the_argument()
        {
            var ps = MakeParameters(1);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, -0.1f)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, float.NaN)).ParamName);
            Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, momentum: -1)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, weightDecay: -1)).ParamName);
            Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, nesterov: true)).ParamName);
            Assert.Equal("dampening", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, 0.1f, 0.9f, nesterov: true, dampening: 0.1f)).ParamName);
            Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, beta1: 1f)).ParamName);
            Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, beta2: -0.1f)).ParamName);
            Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, eps: -1e-8f)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, weightDecay: float.NaN)).ParamName);
            Assert.Throws<ArgumentNullException>(() => new Adam(null!));
            Assert.Throws<ArgumentException>(() => new Sgd(new Parameter[] { null! }, 0.1f));
        }

        [Fact]
        public void Step_does_not_allocate()
        {
            var ps = MakeParameters(2);
            FillGradients(ps, new Random(3));
            var optimizers = new Optimizer[] { new Sgd(ps, 0.01f, 0.9f, 1e-4f), new Sgd(ps, 0.01f), new Adam(ps), new AdamW(ps) };
            foreach (var o in optimizers) { o.Step(); o.Step(); } // warm up (JIT, first-step paths)
            Assert.Equal(0, SteadyState.BytesAllocated(() =>
            {
                for (int i = 0; i < 20; i++)
                    foreach (var o in optimizers) o.Step();
            }));
        }

        // ---- state files ----

        private static List<Parameter> Clone(List<Parameter> ps)
            => ps.Select(p => new Parameter(p.Name, p.Shape.ToArray(), new FloatBuffer(p.Data.ToArray()), new FloatBuffer(p.Grad.ToArray()))).ToList();

        public static IEnumerable<object[]> Makers() => new[]
        {
            new object[] { "sgd", (Func<List<Parameter>, Optimizer>)(ps => new Sgd(ps, 0.02f, 0.9f, 1e-3f, nesterov: true)) },
            new object[] { "sgd-dampening", (Func<List<Parameter>, Optimizer>)(ps => new Sgd(ps, 0.02f, 0.7f, dampening: 0.2f)) },
            new object[] { "sgd-plain", (Func<List<Parameter>, Optimizer>)(ps => new Sgd(ps, 0.02f)) },
            new object[] { "adam", (Func<List<Parameter>, Optimizer>)(ps => new Adam(ps, 1e-2f, weightDecay: 1e-3f)) },
            new object[] { "adamw", (Func<List<Parameter>, Optimizer>)(ps => new AdamW(ps, 1e-2f)) },
        };

        [Theory]
        [MemberData(nameof(Makers))]
        public void State_round_trip_continues_exactly_where_it_left_off(string name, Func<List<Parameter>, Optimizer> make)
        {
            using var dir = new TempFolder();
            string path = dir.File(name + ".safetensors");
            var ps = MakeParameters(4);
            var a = make(ps);
            var rng = new Random(5);
            for (int s = 0; s < 3; s++) { FillGradients(ps, rng); a.Step(); }
            a.LearningRate *= 0.25f;
            a.SaveState(path);
            Assert.Equal(new[] { name + ".safetensors" }, dir.Entries());

            var file = SafetensorsFile.Read(path);
            Assert.Equal("3", file.Metadata["step"]);
            Assert.Equal(a.LearningRate, float.Parse(file.Metadata["lr"], System.Globalization.CultureInfo.InvariantCulture));
            if (a is Adam) Assert.Equal(new long[] { 4, 75 }, file.GetTensor("2.weight.exp_avg_sq").Shape);
            if (a is Sgd { Momentum: > 0 }) Assert.True(file.Contains("0.weight.momentum_buffer"));

            var psB = Clone(ps);
            var b = make(psB);
            b.LoadState(path);
            Assert.Equal(a.StepCount, b.StepCount);
            Assert.Equal(a.LearningRate, b.LearningRate);
            for (int s = 0; s < 2; s++)
            {
                FillGradients(ps, rng);
                for (int k = 0; k < ps.Count; k++) ps[k].Grad.CopyTo(psB[k].Grad);
                a.Step();
                b.Step();
            }
            for (int k = 0; k < ps.Count; k++) Assert.Equal(ps[k].Data.ToArray(), psB[k].Data.ToArray());
        }

        [Fact]
        public void Sgd_state_saved_before_the_first_step_has_no_buffers_and_restarts_them()
        {
            using var dir = new TempFolder();
            string path = dir.File("s.safetensors");
            var ps = MakeParameters(6);
            new Sgd(ps, 0.1f, 0.9f).SaveState(path);
            Assert.Empty(SafetensorsFile.Read(path).Tensors);

            // Loading "no buffers" into a used optimizer makes its next step a first step again (buf = d).
            var used = new Sgd(ps, 0.1f, 0.9f);
            FillGradients(ps, new Random(7));
            used.Step();
            used.LoadState(path);
            Assert.Equal(0, used.StepCount);
            var expected = ToDouble(ps);
            new SgdReference(0.9, 0, false, 0).Step(expected, ToDouble(ps, grad: true), 0.1);
            used.Step();
            AssertClose(expected, ps);
        }

        [Fact]
        public void LoadState_refuses_a_mismatched_file_and_changes_nothing()
        {
            using var dir = new TempFolder();
            var ps = MakeParameters(8);
            var adam = new Adam(ps, 1e-2f);
            var rng = new Random(9);
            FillGradients(ps, rng);
            adam.Step();
            string adamPath = dir.File("adam.safetensors");
            adam.SaveState(adamPath);

            // Another shape for parameter 2, and one parameter fewer.
            var other = MakeParameters(8);
            other[2] = new Parameter("2.weight", new[] { 3, 100 }, new FloatBuffer(new float[300]), new FloatBuffer(new float[300]));
            other.RemoveAt(3);
            var otherAdam = new Adam(other);
            string otherPath = dir.File("other.safetensors");
            otherAdam.SaveState(otherPath);

            var sgd = new Sgd(ps, 0.1f, 0.9f);
            FillGradients(ps, rng);
            sgd.Step();
            string sgdPath = dir.File("sgd.safetensors");
            sgd.SaveState(sgdPath);

            var target = new Adam(Clone(ps), 5e-3f);
            FillGradients(target.Parameters.ToList(), rng);
            target.Step();
            var m = Enumerable.Range(0, 4).Select(i => target.ExpAvg(i).ToArray()).ToArray();

            var ex = Assert.Throws<SafetensorsFormatException>(() => target.LoadState(otherPath));
            Assert.Contains(otherPath, ex.Message);
            Assert.Contains("'2.weight.exp_avg': expected shape [4, 75], found [3, 100]", ex.Message);
            Assert.Contains("missing '3.weight.exp_avg' (expected shape [16])", ex.Message);
            ex = Assert.Throws<SafetensorsFormatException>(() => target.LoadState(sgdPath));
            Assert.Contains("holds Sgd state, not Adam", ex.Message);
            Assert.Contains("unexpected '0.weight.momentum_buffer'", ex.Message);
            ex = Assert.Throws<SafetensorsFormatException>(() => new AdamW(Clone(ps)).LoadState(adamPath));
            Assert.Contains("holds Adam state, not AdamW", ex.Message);

            File.WriteAllBytes(dir.File("bad.safetensors"), File.ReadAllBytes(adamPath).AsSpan(0, 100).ToArray());
            Assert.Throws<SafetensorsFormatException>(() => target.LoadState(dir.File("bad.safetensors")));

            Assert.Equal(1, target.StepCount);
            Assert.Equal(5e-3f, target.LearningRate);
            for (int i = 0; i < 4; i++) Assert.Equal(m[i], target.ExpAvg(i).ToArray());
        }

        // ---- real PyTorch: one step from FixtureInit's parameters and the fixture's gradients ----

        public static IEnumerable<object[]> OneStepCases() =>
            from c in new[] { "simple_cnn", "max_pool", "no_max_pool", "strided", "pools" }
            from p in new[] { "adam1", "sgd1" }
            select new object[] { c, p };

        [Theory]
        [MemberData(nameof(OneStepCases))]
        public void One_step_on_a_fixture_matches_torch_optim(string name, string prefix)
        {
            // The optimizers are element-wise, so stepping only the stored (possibly subsampled) elements of each
            // parameter gives exactly those elements of torch's full step.
            var fixture = FixtureFile.Open(name);
            var gradKeys = fixture.File.Tensors.Select(t => t.Name)
                .Select(n => n.StartsWith("sub.grad.", StringComparison.Ordinal) ? n.Substring(4) : n)
                .Where(n => n.StartsWith("grad.", StringComparison.Ordinal)).Select(n => n.Substring(5)).ToList();
            var expectations = gradKeys.Select(k => fixture.Expect("grad", k)).ToList();
            var shapes = expectations.ToDictionary(e => e.Name.Substring(5), e => (IReadOnlyList<int>)e.Shape);
            var ps = new List<Parameter>();
            foreach (var (key, grad) in gradKeys.Zip(expectations))
            {
                var init = FixtureInit.Values(key, grad.Shape, FixtureInit.WeightShapeOf(key, shapes));
                float[] g = grad.Sampled.Select(v => (float)v).ToArray();
                ps.Add(new Parameter(key, new[] { g.Length }, new FloatBuffer(grad.Gather(init)), new FloatBuffer(g)));
            }
            Assert.Contains(expectations, e => e.IsComplete);

            Optimizer opt = prefix == "adam1" ? new Adam(ps, 1e-3f) : new Sgd(ps, 0.01f, momentum: 0.9f, weightDecay: 1e-4f);
            opt.Step();
            foreach (var (p, grad) in ps.Zip(expectations))
            {
                var expected = fixture.Expect(prefix, p.Name);
                Assert.Equal(grad.Stride, expected.Stride);
                expected.AssertSamplesClose(p.Data, rel: 1e-5, abs: 1e-8);
            }
        }

        [Theory]
        [InlineData("simple_cnn")]
        [InlineData("no_max_pool")]
        [InlineData("max_pool")]
        public void Subsampled_fixture_sums_agree_with_FixtureInit_over_the_whole_tensor(string name)
        {
            // torch's first SGD step (momentum buffer starts as the gradient): p1 = p0 − lr·(g + wd·p0), so
            // Σp1 = (1 − lr·wd)·Σp0 − lr·Σg over every element: the stored full sums tie C#'s FixtureInit of the
            // whole large tensor (not just its samples) to what PyTorch started from.
            var fixture = FixtureFile.Open(name);
            var large = fixture.File.Tensors.Select(t => t.Name).Where(n => n.StartsWith("sub.grad.", StringComparison.Ordinal))
                .Select(n => n.Substring("sub.grad.".Length)).ToList();
            Assert.NotEmpty(large);
            foreach (string key in large)
            {
                var grad = fixture.Expect("grad", key);
                var sgd1 = fixture.Expect("sgd1", key);
                var init = FixtureInit.Values(key, grad.Shape, grad.Shape);
                double sum0 = init.Sum(v => (double)v), abs0 = init.Sum(v => Math.Abs((double)v));
                double expected = (1 - 0.01 * 1e-4) * sum0 - 0.01 * grad.Sum!.Value;
                Assert.False(sgd1.IsComplete);
                Assert.True(Math.Abs(sgd1.Sum!.Value - expected) <= 2e-7 * abs0, // float32 rounding of each stored p1 element: ≤ 2^-24 relative
                    $"{name} {key}: stored Σsgd1 {sgd1.Sum.Value:R}, from FixtureInit and Σgrad {expected:R}");
            }
        }
    }
}
