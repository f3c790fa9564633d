using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Tests.Infrastructure;
using CnnGen.Shapes;
using CsCheck;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>
    /// Output sizes of convolution and pooling against a reference that counts window positions one by one,
    /// written from what the layers do rather than from the closed-form formulas the generator uses.
    /// </summary>
    public class ShapeInferenceTests
    {
        // ---- The reference ----

        /// <summary>
        /// How many windows a sliding layer places along one axis of <paramref name="size"/> positions.
        /// The padded axis has size + 2p positions; a window starts at o·s (o = 0, 1, …) and spans d(k − 1) + 1
        /// positions. A window counts if it lies inside the padded axis. With ceil mode a window that hangs
        /// off the end is kept as well, as long as the window before it had not reached the last padded position
        /// (for the first window, an imaginary one starting s before it) and it does not start inside the right
        /// padding (PyTorch: "the last pooling starts inside the image").
        /// </summary>
        internal static long CountWindows(long size, long k, long s, long p, long d, bool ceil)
        {
            long padded = size + 2 * p, span = d * (k - 1) + 1, count = 0;
            for (long start = 0; ; start += s)
            {
                if (ceil && start >= size + p) break;
                if (start + span <= padded)
                {
                    count++;
                    continue;
                }
                long previousLast = start - s + span - 1;
                if (ceil && previousLast < padded - 1) count++;
                break;
            }
            return count;
        }

        [Theory]
        // Sizes worked out by hand from PyTorch's documentation examples and common layers.
        [InlineData(28, 3, 1, 1, 1, false, 28)]   // "same" 3×3 convolution
        [InlineData(28, 2, 2, 0, 1, false, 14)]   // MaxPool2d(2)
        [InlineData(7, 2, 2, 0, 1, false, 3)]     // MaxPool2d(2) on 7: the last row is dropped
        [InlineData(7, 2, 2, 0, 1, true, 4)]      // … unless ceil_mode keeps a half-window
        [InlineData(28, 3, 3, 0, 1, false, 9)]
        [InlineData(28, 3, 3, 0, 1, true, 10)]
        [InlineData(32, 3, 2, 1, 1, false, 16)]
        [InlineData(16, 3, 2, 1, 1, true, 9)]     // 8 windows fit, a 9th starts at the last real row
        [InlineData(4, 1, 2, 0, 1, true, 2)]      // a 3rd window would start past the input: dropped
        [InlineData(10, 3, 1, 0, 2, false, 6)]    // dilation 2: span 5
        [InlineData(3, 5, 1, 0, 1, false, 0)]     // window larger than the input
        [InlineData(1, 1, 1, 0, 1, false, 1)]
        public void Reference_counts_known_sizes(long size, long k, long s, long p, long d, bool ceil, long expected)
            => Assert.Equal(expected, CountWindows(size, k, s, p, d, ceil));

        // ---- ShapeMath directly, over every small configuration ----

        [Fact]
        public void ShapeMath_ConvOutput_matches_the_reference_on_a_full_grid()
        {
            int checkedCount = 0;
            for (long size = 1; size <= 64; size++)
            for (long k = 1; k <= 7; k++)
            for (long s = 1; s <= 4; s++)
            for (long p = 0; p <= 3; p++)
            for (long d = 1; d <= 3; d++)
            {
                long expected = CountWindows(size, k, s, p, d, ceil: false);
                long actual = ShapeMath.ConvOutput(size, k, s, p, d);
                // Where no window fits, the formula may go to zero or below; the generator reports CNN0006 for both.
                if (Math.Max(0, actual) != expected)
                    Assert.Fail($"ConvOutput(size {size}, k {k}, s {s}, p {p}, d {d}) = {actual}, reference {expected}");
                checkedCount++;
            }
            Assert.Equal(64 * 7 * 4 * 4 * 3, checkedCount);
        }

        [Fact]
        public void ShapeMath_PoolOutput_matches_the_reference_on_a_full_grid()
        {
            for (long size = 1; size <= 64; size++)
            for (long k = 1; k <= 7; k++)
            for (long s = 1; s <= 4; s++)
            for (long p = 0; p <= k / 2; p++) // PyTorch (and CNN0003) allow padding up to half the kernel
            for (long d = 1; d <= 3; d++)
            foreach (bool ceil in new[] { false, true })
            {
                long expected = CountWindows(size, k, s, p, d, ceil);
                long actual = ShapeMath.PoolOutput(size, k, s, p, d, ceil);
                if (Math.Max(0, actual) != expected)
                    Assert.Fail($"PoolOutput(size {size}, k {k}, s {s}, p {p}, d {d}, ceil {ceil}) = {actual}, reference {expected}");
            }
        }

        // ---- Shape inference on random layer chains ----

        /// <summary>One random sliding layer: its kind and raw numbers, resolved against the channels that arrive.</summary>
        public sealed record RandomLayer(int Kind, int Kernel, int Stride, int Padding, int Dilation, bool Ceil, int GroupPick, int OutPerGroup, bool IncludePad)
        {
            public override string ToString()
                => $"{(Kind == 0 ? "Conv2d" : Kind == 1 ? "MaxPool2d" : "AvgPool2d")}(k {Kernel}, s {Stride}, p {Padding}, d {Dilation}, ceil {Ceil}, g# {GroupPick}, out/g {OutPerGroup})";
        }

        private static readonly Gen<RandomLayer> LayerGen =
            Gen.Select(Gen.Int[0, 2], Gen.Int[1, 7], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Int[1, 3], Gen.Bool, Gen.Int[0, 7], Gen.Select(Gen.Int[1, 4], Gen.Bool),
                (kind, k, s, p, d, ceil, g, rest) => new RandomLayer(kind, k, s, p, d, ceil, g, rest.Item1, rest.Item2));

        /// <summary>A random input (channels 1–8, height and width 1–64) and one to four sliding layers.</summary>
        private static readonly Gen<(int C, int H, int W, RandomLayer[] Layers)> ChainGen =
            Gen.Select(Gen.Int[1, 8], Gen.Int[1, 64], Gen.Int[1, 64], LayerGen.Array[1, 4]);

        private static long[] Divisors(long n) => Enumerable.Range(1, (int)n).Where(g => n % g == 0).Select(g => (long)g).ToArray();

        /// <summary>What a random layer becomes given <paramref name="channels"/>: a spec and the reference's verdict.</summary>
        private static (LayerSpec Spec, string Attribute, long OutC, long OutH, long OutW, string? ExpectedError) Resolve(
            int index, RandomLayer r, long channels, long h, long w)
        {
            long k = r.Kernel, p = r.Padding, d = r.Dilation;
            if (r.Kind == 0)
            {
                long s = Math.Max(1, r.Stride);
                var divisors = Divisors(channels);
                long g = divisors[r.GroupPick % divisors.Length];
                long cout = g * r.OutPerGroup;
                long oh = CountWindows(h, k, s, p, d, false), ow = CountWindows(w, k, s, p, d, false);
                return (Specs.Conv2d(index, channels, cout, k, s, p, d, g),
                    $"Conv2d({channels}, {cout}, {k}, stride: {s}, padding: {p}, dilation: {d}, groups: {g})",
                    cout, oh, ow, oh < 1 || ow < 1 ? "CNN0006" : null);
            }
            bool max = r.Kind == 1;
            long stride = r.Stride; // 0: the kernel size, as PyTorch's stride=None
            long effective = stride == 0 ? k : stride;
            if (!max) d = 1;
            long ph = CountWindows(h, k, effective, p, d, r.Ceil), pw = CountWindows(w, k, effective, p, d, r.Ceil);
            string? error = p > k / 2 ? "CNN0003" : ph < 1 || pw < 1 ? "CNN0006" : null;
            string ceil = r.Ceil ? "true" : "false";
            return max
                ? (Specs.MaxPool2d(index, k, stride, p, r.Ceil, d), $"MaxPool2d({k}, {stride}, padding: {p}, ceilMode: {ceil}, dilation: {d})", channels, ph, pw, error)
                : (Specs.AvgPool2d(index, k, stride, p, r.Ceil, r.IncludePad), $"AvgPool2d({k}, {stride}, {p}, {ceil}, countIncludePad: {(r.IncludePad ? "true" : "false")})", channels, ph, pw, error);
        }

        [Fact]
        public void Infer_matches_the_reference_on_random_layer_chains()
        {
            ChainGen.Sample(t =>
            {
                var (c, h, w, random) = t;
                var specs = new List<LayerSpec>();
                var expected = new List<(long C, long H, long W)>();
                string? expectedError = null;
                long ch = c, hh = h, ww = w;
                for (int i = 0; i < random.Length; i++)
                {
                    var r = Resolve(i, random[i], ch, hh, ww);
                    specs.Add(r.Spec);
                    if (r.ExpectedError is not null) { expectedError = r.ExpectedError; break; }
                    expected.Add((r.OutC, r.OutH, r.OutW));
                    (ch, hh, ww) = (r.OutC, r.OutH, r.OutW);
                }
                var plan = ShapeInference.Infer(Specs.Network(c, h, w, specs.ToArray()));
                Assert.Equal(expected.Count, plan.Nodes.Count);
                for (int i = 0; i < expected.Count; i++)
                {
                    var o = plan.Nodes[i].Output.Shape;
                    Assert.True(o.IsSpatial);
                    Assert.Equal(expected[i], (o.Channels, o.Height, o.Width));
                }
                var errors = plan.Diagnostics.Select(d => d.Id).Where(id => id != "CNN0008").ToList();
                // A chain that never fails still ends spatial, which is CNN0010; a failing one stops at its error.
                Assert.Equal(new[] { expectedError ?? "CNN0010" }, errors);
            }, iter: 4000, threads: 1);
        }

        // ---- The same through the real generator, reading the generated Shapes constants ----

        private static readonly Regex LayerConstants = new(@"public const int Layer0Channels = (\d+), Layer0Height = (\d+), Layer0Width = (\d+), Layer0Size = (\d+);", RegexOptions.CultureInvariant);

        [Fact]
        public void Generator_shape_constants_match_the_reference()
        {
            // 320 valid single-layer networks, 20 classes per compilation; each ends in Flatten and a Linear sized by
            // the reference, so a disagreement would also show as CNN0005.
            var gen = Gen.Select(Gen.Int[1, 8], Gen.Int[1, 64], Gen.Int[1, 64], LayerGen);
            var cases = new List<(string Attribute, long C, long H, long W)>();
            var batches = new List<List<(string Attribute, long C, long H, long W)>>();
            gen.Sample(t =>
            {
                var (c, h, w, random) = t;
                var r = Resolve(0, random, c, h, w);
                if (r.ExpectedError is not null) return;
                lock (cases) cases.Add(($"[Network({c}, {h}, {w})]\n[{r.Attribute}]\n[Flatten]\n[Linear({r.OutC * r.OutH * r.OutW}, 10)]", r.OutC, r.OutH, r.OutW));
            }, iter: 600, threads: 1);
            Assert.True(cases.Count >= 320, $"only {cases.Count} valid cases");

            int checkedCount = 0;
            for (int batch = 0; batch < 16; batch++)
            {
                var source = new StringBuilder("using CnnGen;\n\nnamespace Shapes;\n\n");
                for (int j = 0; j < 20; j++)
                    source.Append(cases[batch * 20 + j].Attribute).Append("\npublic partial class Net").Append(j).Append(";\n\n");
                var run = GeneratorHarness.RunGeneratorOnly(source.ToString());
                var errors = run.GeneratorDiagnostics.Where(d => d.Id != "CNN0008").ToList();
                Assert.True(errors.Count == 0, GeneratorHarness.Describe(errors) + "\n" + source);
                Assert.Equal(20, run.Sources.Length);
                foreach (var (hint, text) in run.Sources)
                {
                    int j = int.Parse(hint.Substring("Shapes.Net".Length, hint.Length - "Shapes.Net".Length - ".g.cs".Length), CultureInfo.InvariantCulture);
                    var expected = cases[batch * 20 + j];
                    var m = LayerConstants.Match(text);
                    Assert.True(m.Success, "no Layer0 constants in " + hint);
                    Assert.Equal((expected.C, expected.H, expected.W, expected.C * expected.H * expected.W),
                        (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                         long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture)));
                    checkedCount++;
                }
            }
            Assert.Equal(320, checkedCount);
        }

        // ---- Other layers' shapes, parameters and FLOPs, by hand ----

        [Fact]
        public void Grouped_dilated_conv_parameters_and_flops()
        {
            // Conv2d(12, 24, 3, padding 2, dilation 2, groups 3, no bias) on 12×16×16: weight [24, 4, 3, 3].
            var plan = ShapeInference.Infer(Specs.Network(12, 16, 16, Specs.Conv2d(0, 12, 24, 3, 1, 2, 2, 3, bias: false)));
            var layer = plan.Nodes[0];
            Assert.Equal((24L, 16L, 16L), (layer.Output.Shape.Channels, layer.Output.Shape.Height, layer.Output.Shape.Width));
            var weight = Assert.Single(layer.Parameters);
            Assert.Equal(new long[] { 24, 4, 3, 3 }, weight.Shape);
            Assert.Equal(4 * 3 * 3, weight.FanIn);
            Assert.Equal(2L * 24 * 16 * 16 * (4 * 3 * 3), layer.Flops); // a multiply-add per tap is two FLOPs
        }
    }
}
