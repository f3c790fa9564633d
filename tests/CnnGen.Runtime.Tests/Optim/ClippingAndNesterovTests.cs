using System;
using System.Linq;
using CnnGen.Optim;
using Xunit;
using static CnnGen.Tests.Optim.OptimFixtures;

namespace CnnGen.Tests.Optim
{
    /// <summary>clip_grad_norm_ and SGD with Nesterov momentum against PyTorch 1.13 (Fixtures/optim_fixtures.json).</summary>
    public class ClippingAndNesterovTests
    {
        [Fact]
        public void ClipGradNorm_matches_PyTorch()
        {
            var cases = Section("clipping");
            Assert.Equal(3, cases.Length);
            int clippedCases = 0;
            foreach (var c in cases)
            {
                var shapes = c.GetProperty("shapes").EnumerateArray().Select(Shape).ToArray();
                var grads = c.GetProperty("grads").EnumerateArray().Select(Floats).ToArray();
                var ps = shapes.Select((s, i) => Param("p" + i, s)).ToList();
                for (int i = 0; i < ps.Count; i++) grads[i].CopyTo(ps[i].Grad);
                var nt = c.GetProperty("norm_type");
                double normType = nt.ValueKind == System.Text.Json.JsonValueKind.String ? double.PositiveInfinity : nt.GetDouble();
                double maxNorm = c.GetProperty("max_norm").GetDouble();
                float total = GradientClipping.ClipGradNorm(ps, maxNorm, normType);
                double expectedTotal = c.GetProperty("total_norm").GetDouble();
                Assert.True(Math.Abs(total - expectedTotal) <= 1e-6 * expectedTotal, $"norm {normType}: total {total} vs PyTorch {expectedTotal}");
                if (expectedTotal > maxNorm) clippedCases++;
                var clipped = c.GetProperty("clipped").EnumerateArray().Select(Floats).ToArray();
                for (int i = 0; i < ps.Count; i++)
                    for (int j = 0; j < clipped[i].Length; j++)
                        Assert.True(Math.Abs(ps[i].Grad[j] - clipped[i][j]) <= 1e-6 * Math.Abs(clipped[i][j]) + 1e-9,
                            $"norm {normType}, p{i}[{j}]: {ps[i].Grad[j]} vs PyTorch {clipped[i][j]}");
            }
            Assert.Equal(2, clippedCases);   // one case is under the limit and must come back unchanged
        }

        [Fact]
        public void ClipGradNorm_with_a_NaN_gradient_poisons_or_throws_as_asked()
        {
            var p = Param("0.weight", new[] { 3 }, new float[3]);
            var q = Param("0.bias", new[] { 2 }, new float[2]);
            new float[] { 1, float.NaN, 2 }.CopyTo(p.Grad);
            new float[] { 3, 4 }.CopyTo(q.Grad);
            var e = Assert.Throws<NonFiniteGradientException>(() => GradientClipping.ClipGradNorm(new[] { q, p }, 1.0, errorIfNonfinite: true));
            Assert.Equal("0.weight", e.ParameterName);
            Assert.Contains("'0.weight'", e.Message);
            Assert.Equal(new float[] { 3, 4 }, q.Grad.ToArray());    // untouched when it throws
            Assert.True(float.IsNaN(GradientClipping.ClipGradNorm(new[] { q, p }, 1.0)));
            Assert.All(q.Grad.ToArray(), g => Assert.True(float.IsNaN(g)));   // PyTorch multiplies by the NaN coefficient too
        }

        [Fact]
        public void ClipGradNorm_scales_to_the_limit_and_returns_the_norm_before()
        {
            var p = Param("w", new[] { 2 }, new float[2]);
            new float[] { 3, 4 }.CopyTo(p.Grad);
            Assert.Equal(5f, GradientClipping.ClipGradNorm(new[] { p }, 1.0));
            double coef = 1.0 / (5 + 1e-6);
            Assert.Equal((float)(3 * coef), p.Grad[0], 6);
            Assert.Equal((float)(4 * coef), p.Grad[1], 6);
            Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm(new[] { p }, 0)).ParamName);
        }

        [Fact]
        public void Sgd_with_Nesterov_matches_PyTorch_over_five_steps()
        {
            foreach (var run in Section("sgd"))
            {
                var args = run.GetProperty("args");
                Assert.True(args.GetProperty("nesterov").GetBoolean());
                var shapes = run.GetProperty("shapes").EnumerateArray().Select(Shape).ToArray();
                var init = run.GetProperty("init").EnumerateArray().Select(Floats).ToArray();
                var ps = shapes.Select((s, i) => Param("p" + i, s, init[i])).ToList();
                var sgd = new Sgd(ps, (float)args.GetProperty("lr").GetDouble(), (float)args.GetProperty("momentum").GetDouble(),
                                  (float)args.GetProperty("weight_decay").GetDouble(), nesterov: true);
                var grads = run.GetProperty("grads").EnumerateArray().ToArray();
                var after = run.GetProperty("after").EnumerateArray().ToArray();
                Assert.Equal(5, grads.Length);
                for (int step = 0; step < grads.Length; step++)
                {
                    var g = grads[step].EnumerateArray().Select(Floats).ToArray();
                    for (int i = 0; i < ps.Count; i++) g[i].CopyTo(ps[i].Grad);
                    sgd.Step();
                    var expected = after[step].EnumerateArray().Select(Floats).ToArray();
                    for (int i = 0; i < ps.Count; i++)
                        for (int j = 0; j < expected[i].Length; j++)
                            Assert.True(Math.Abs(ps[i].Data[j] - expected[i][j]) <= 2e-6 * Math.Abs(expected[i][j]) + 1e-7,
                                $"step {step + 1}, p{i}[{j}]: {ps[i].Data[j]} vs PyTorch {expected[i][j]}");
                }
            }
        }
    }
}
