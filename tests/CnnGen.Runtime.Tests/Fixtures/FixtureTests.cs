using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Sdk;

namespace CnnGen.Tests
{
    public class FixtureTests
    {
        [Theory]
        [InlineData("pools", 6)]
        [InlineData("strided", 6)]
        [InlineData("nested", 10)] // graph cases: nested names ("2.body.0.body.0.weight") take FixtureInit.InitLayer
        [InlineData("concat", 12)]
        public void FixtureInit_reproduces_the_initial_parameters_Python_stored_bit_for_bit(string name, int count)
        {
            var file = FixtureFile.Open(name).File;
            var keys = file.Tensors.Select(t => t.Name).Where(n => n.StartsWith("init.", StringComparison.Ordinal)
                && (n.EndsWith(".weight", StringComparison.Ordinal) || n.EndsWith(".bias", StringComparison.Ordinal))).ToList();
            Assert.Equal(count, keys.Count);
            var ps = keys.Select(k =>
            {
                int[] shape = file.GetTensor(k).Shape.Select(d => (int)d).ToArray();
                int n = shape.Aggregate(1, (a, d) => a * d);
                return new Parameter(k.Substring(5), shape, new FloatBuffer(new float[n]), new FloatBuffer(new float[n]));
            }).ToList();
            FixtureInit.FillAll(ps);
            foreach (var p in ps)
            {
                var stored = file.ReadFloat("init." + p.Name);
                var mine = p.Data.ToArray();
                for (int i = 0; i < stored.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(stored[i]) == BitConverter.SingleToInt32Bits(mine[i]),
                        $"{name} {p.Name}[{i}]: Python {stored[i]:R}, FixtureInit {mine[i]:R}");
            }
        }

        [Fact]
        public void FixtureInit_covers_BatchNorm_and_refuses_names_it_cannot_place()
        {
            var shapes = new Dictionary<string, IReadOnlyList<int>> { ["3.weight"] = new[] { 4 }, ["3.bias"] = new[] { 4 } };
            var w = FixtureInit.Values("3.weight", new[] { 4 }, FixtureInit.WeightShapeOf("3.weight", shapes));
            var b = FixtureInit.Values("3.bias", new[] { 4 }, FixtureInit.WeightShapeOf("3.bias", shapes));
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal((float)(1 + 0.1 * Math.Sin(0.7 * i + 3.9 + 1.0)), w[i]);
                Assert.Equal((float)(0.1 * Math.Cos(0.7 * i + 3.9 + 1.5)), b[i]);
            }
            Assert.Contains("'x.weight'", Assert.Throws<ArgumentException>(() => FixtureInit.Values("x.weight", new[] { 2, 2 }, new[] { 2, 2 })).Message);
            Assert.Contains("'7.weight'", Assert.Throws<ArgumentException>(() => FixtureInit.WeightShapeOf("7.bias", shapes)).Message);
            Assert.Contains("'body.0.weight'", Assert.Throws<ArgumentException>(() => FixtureInit.Values("body.0.weight", new[] { 2, 2 }, new[] { 2, 2 })).Message);
            // A nested module's L comes from its whole path: "3.body.0" → 100 + (Σ (k+1)·char) mod 900, distinct from "3.body.3".
            Assert.Equal(3, FixtureInit.InitLayer("3.weight", "3"));
            Assert.Equal(100 + "3.body.0".Select((c, k) => (k + 1) * c).Sum() % 900, FixtureInit.InitLayer("3.body.0.weight", "3.body.0"));
            Assert.NotEqual(FixtureInit.InitLayer("3.body.0.weight", "3.body.0"), FixtureInit.InitLayer("3.body.3.weight", "3.body.3"));
            Assert.Throws<ArgumentException>(() => FixtureInit.Fill("3.weight", new[] { 4 }, new float[3], new[] { 4 }));
        }

        [Fact]
        public void Subsampled_expectation_checks_samples_and_the_whole_tensor_through_its_sums()
        {
            // Built the way make_fixtures.py stores a large tensor: every 3rd element, float64 sum and sum of squares.
            var full = Enumerable.Range(0, 100).Select(i => (float)Math.Sin(i)).ToArray();
            var e = new ExpectedTensor("t", new[] { 10, 10 }, 3, full.Where((_, i) => i % 3 == 0).Select(v => (double)v).ToArray(),
                full.Sum(v => (double)v), full.Sum(v => (double)v * v));
            Assert.Equal(34, e.Sampled.Length);
            e.AssertClose(full, rel: 1e-6, abs: 1e-7);

            var sampleWrong = (float[])full.Clone();
            sampleWrong[99] += 1e-3f; // index 99 is sampled
            Assert.Contains("t[99]", Assert.Throws<XunitException>(() => e.AssertClose(sampleWrong, 1e-6, 1e-7)).Message);
            var hiddenWrong = (float[])full.Clone();
            hiddenWrong[50] += 0.5f; // not sampled: only the sums can see it
            Assert.Contains("sum", Assert.Throws<XunitException>(() => e.AssertClose(hiddenWrong, 1e-6, 1e-7)).Message);
            Assert.Throws<XunitException>(() => e.AssertClose(full.AsSpan(1), 1e-6, 1e-7));
        }

        [Fact]
        public void Every_case_stores_each_parameter_tensor_whole_or_subsampled_with_matching_layout()
        {
            foreach (string name in new[] { "simple_cnn", "max_pool", "no_max_pool", "strided", "pools", "bn_eval",
                "residual_identity", "residual_projection", "nested", "concat", "sequential", "residual_eval" })
            {
                var fixture = FixtureFile.Open(name);
                bool train = fixture.File.Metadata["meta.mode"] == "train";
                var keys = fixture.File.Tensors.Select(t => t.Name)
                    .Select(n => n.StartsWith("sub.", StringComparison.Ordinal) ? n.Substring(4) : n)
                    .Where(n => n.StartsWith("grad.", StringComparison.Ordinal)).Select(n => n.Substring(5)).ToList();
                Assert.NotEmpty(keys);
                foreach (string key in keys)
                {
                    var grad = fixture.Expect("grad", key);
                    Assert.Equal(grad.Count > 16384, !grad.IsComplete);
                    if (!grad.IsComplete) Assert.InRange(grad.Sampled.Length, 4096, 4096 * 2);
                    foreach (string prefix in new[] { "adam1", "adam3", "sgd1", "sgd3" })
                    {
                        Assert.Equal(train, fixture.Has(prefix + "." + key));
                        if (train) Assert.Equal(grad.Shape, fixture.Expect(prefix, key).Shape);
                    }
                }
            }
        }
    }
}
