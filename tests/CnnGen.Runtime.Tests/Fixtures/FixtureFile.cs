using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CnnGen.Serialization;
using Xunit.Sdk;

namespace CnnGen.Tests
{
    /// <summary>
    /// One PyTorch fixture (tests/fixtures/make_fixtures.py): reads a tensor X whether it is stored whole ("X") or,
    /// above 16384 elements, as a subsample "sub.X" (every stride-th element; stride and full shape in the
    /// metadata "stride.X" / "shape.X") with its full float64 "sum.X" and "sumsq.X".
    /// </summary>
    public sealed class FixtureFile
    {
        private FixtureFile(string name, SafetensorsFile file)
        {
            Name = name;
            File = file;
        }

        /// <summary>The case name ("simple_cnn", "max_pool", ...).</summary>
        public string Name { get; }

        /// <summary>The underlying file, for tensors read directly (input, labels, init.*, after.*).</summary>
        public SafetensorsFile File { get; }

        /// <summary>Where the test run finds fixture <paramref name="name"/> (copied next to the test assembly).</summary>
        public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".safetensors");

        /// <summary>Opens fixture <paramref name="name"/>.</summary>
        public static FixtureFile Open(string name) => new(name, SafetensorsFile.Read(PathOf(name)));

        /// <summary>Whether tensor <paramref name="name"/> is stored, whole or subsampled.</summary>
        public bool Has(string name) => File.Contains(name) || File.Contains("sub." + name);

        /// <summary>The expected values of "<paramref name="prefix"/>.<paramref name="key"/>", e.g. ("grad", "0.weight").</summary>
        public ExpectedTensor Expect(string prefix, string key) => Expect(prefix + "." + key);

        /// <summary>The expected values of tensor <paramref name="name"/> ("logits", "grad.0.weight", "adam3.7.weight").</summary>
        public ExpectedTensor Expect(string name)
        {
            if (File.Contains(name))
            {
                var info = File.GetTensor(name);
                var values = File.ReadDouble(name);
                return new ExpectedTensor(name, info.Shape.Select(d => (int)d).ToArray(), 1, values, null, null);
            }
            if (!File.Contains("sub." + name))
                throw new KeyNotFoundException($"Fixture '{Name}' holds neither '{name}' nor 'sub.{name}'.");
            int stride = int.Parse(File.Metadata["stride." + name], NumberStyles.None, CultureInfo.InvariantCulture);
            int[] shape = File.Metadata["shape." + name].Split(',').Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            return new ExpectedTensor(name, shape, stride, File.ReadDouble("sub." + name),
                File.ReadDouble("sum." + name)[0], File.ReadDouble("sumsq." + name)[0]);
        }
    }

    /// <summary>A fixture tensor's expected values: all of them, or every <see cref="Stride"/>-th plus the full sums.</summary>
    public sealed class ExpectedTensor
    {
        /// <summary>Creates an expectation; <paramref name="sum"/> and <paramref name="sumSq"/> are required when <paramref name="stride"/> &gt; 1.</summary>
        public ExpectedTensor(string name, int[] shape, int stride, double[] sampled, double? sum, double? sumSq)
        {
            Name = name;
            Shape = shape;
            Count = shape.Aggregate(1L, (a, d) => a * d);
            Stride = stride;
            Sampled = sampled;
            Sum = sum;
            SumSq = sumSq;
            long expectedSamples = (Count + stride - 1) / stride;
            if (sampled.Length != expectedSamples || (stride > 1 && (sum is null || sumSq is null)))
                throw new ArgumentException($"'{name}': {sampled.Length} samples for {Count} elements at stride {stride}, or sums missing.");
        }

        /// <summary>Tensor name without the sub./sum. prefixes.</summary>
        public string Name { get; }

        /// <summary>The full tensor's shape.</summary>
        public int[] Shape { get; }

        /// <summary>Element count of the full tensor.</summary>
        public long Count { get; }

        /// <summary>1 when stored whole; else the distance between sampled flat indices.</summary>
        public int Stride { get; }

        /// <summary>True when every element is stored.</summary>
        public bool IsComplete => Stride == 1;

        /// <summary>The stored elements: flat indices 0, Stride, 2·Stride, …</summary>
        public double[] Sampled { get; }

        /// <summary>Float64 sum of the full tensor (subsampled tensors only).</summary>
        public double? Sum { get; }

        /// <summary>Float64 sum of squares of the full tensor (subsampled tensors only).</summary>
        public double? SumSq { get; }

        /// <summary>Flat index of sample <paramref name="k"/>.</summary>
        public long IndexOf(int k) => (long)k * Stride;

        /// <summary>The elements of a full tensor at the sampled indices (all of them when complete).</summary>
        public float[] Gather(ReadOnlySpan<float> full)
        {
            CheckLength(full.Length);
            var picked = new float[Sampled.Length];
            for (int k = 0; k < picked.Length; k++) picked[k] = full[(int)IndexOf(k)];
            return picked;
        }

        /// <summary>
        /// Asserts a full tensor matches: each stored element within abs + rel·|expected|, and for a subsampled tensor
        /// also the sum and sum of squares of all elements within what that per-element tolerance allows.
        /// </summary>
        public void AssertClose(ReadOnlySpan<float> actual, double rel, double abs)
        {
            CheckLength(actual.Length);
            AssertSamplesClose(Gather(actual), rel, abs);
            if (IsComplete) return;
            double sum = 0, sumSq = 0;
            foreach (float v in actual) { sum += v; sumSq += (double)v * v; }
            double n = Count, s = SumSq!.Value;
            // If every |a_i − e_i| ≤ d_i = abs + rel·|e_i|, then |Σa − Σe| ≤ Σd_i ≤ n·abs + rel·sqrt(n·Σe²) (Cauchy–Schwarz),
            // and |Σa² − Σe²| ≤ Σ d_i (2|e_i| + d_i) ≤ 2·abs·sqrt(n·Σe²) + 2·rel·Σe² + 2(n·abs² + rel²·Σe²).
            double sumTol = n * abs + rel * Math.Sqrt(n * s);
            double sqTol = 2 * abs * Math.Sqrt(n * s) + 2 * rel * s + 2 * (n * abs * abs + rel * rel * s);
            if (!(Math.Abs(sum - Sum!.Value) <= sumTol))
                throw new XunitException($"{Name}: sum of all {Count} elements expected {Sum.Value:R}, got {sum:R} (tolerance {sumTol:G3}).");
            if (!(Math.Abs(sumSq - s) <= sqTol))
                throw new XunitException($"{Name}: sum of squares expected {s:R}, got {sumSq:R} (tolerance {sqTol:G3}).");
        }

        /// <summary>Asserts values at the sampled indices only (e.g. computed element-wise at those indices).</summary>
        public void AssertSamplesClose(ReadOnlySpan<float> sampledActual, double rel, double abs)
        {
            if (sampledActual.Length != Sampled.Length)
                throw new XunitException($"{Name}: {Sampled.Length} sampled values expected, got {sampledActual.Length}.");
            for (int k = 0; k < Sampled.Length; k++)
            {
                double e = Sampled[k], a = sampledActual[k];
                if (!(Math.Abs(a - e) <= abs + rel * Math.Abs(e)))
                    throw new XunitException($"{Name}[{IndexOf(k)}] (shape [{string.Join(", ", Shape)}]): expected {e:R}, got {a:R}.");
            }
        }

        private void CheckLength(int length)
        {
            if (length != Count)
                throw new XunitException($"{Name}: expected {Count} elements (shape [{string.Join(", ", Shape)}]), got {length}.");
        }
    }
}
