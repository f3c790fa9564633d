using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Serialization;
using Xunit;

namespace CnnGen.Tests.Serialization
{
    public class StateDictTests
    {
        /// <summary>A tiny conv + BatchNorm "network": parameters and buffers with PyTorch names, filled from a seed.</summary>
        private sealed class Net
        {
            public readonly List<Parameter> Parameters = new();
            public readonly List<ModelBuffer> Buffers = new();

            public Net(int seed, int channels = 3)
            {
                var rng = new Random(seed);
                Parameters.Add(Param("0.weight", new[] { channels, 2, 3, 3 }, rng));
                Parameters.Add(Param("0.bias", new[] { channels }, rng));
                Parameters.Add(Param("1.weight", new[] { channels }, rng));
                Parameters.Add(Param("1.bias", new[] { channels }, rng));
                Buffers.Add(new ModelBuffer("1.running_mean", new[] { channels }, new FloatBuffer(Fill(channels, rng))));
                Buffers.Add(new ModelBuffer("1.running_var", new[] { channels }, new FloatBuffer(Fill(channels, rng))));
                Buffers.Add(new ModelBuffer("1.num_batches_tracked", Array.Empty<int>(), new FloatBuffer(new float[] { rng.Next(1, 1000) }), isInteger: true));
            }

            private static Parameter Param(string name, int[] shape, Random rng)
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                return new Parameter(name, shape, new FloatBuffer(Fill(n, rng)), new FloatBuffer(new float[n]));
            }

            private static float[] Fill(int n, Random rng) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

            public float[][] Snapshot() => Parameters.Select(p => p.Data.ToArray()).Concat(Buffers.Select(b => b.Data.ToArray())).ToArray();
        }

        private static void AssertSame(float[][] expected, Net net)
        {
            var actual = net.Snapshot();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
        }

        [Fact]
        public void Save_then_load_restores_everything_with_PyTorch_dtypes()
        {
            using var dir = new TempFolder();
            string path = dir.File("net.safetensors");
            var a = new Net(1);
            StateDict.Save(path, a.Parameters, a.Buffers);

            var file = SafetensorsFile.Read(path);
            Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked" }, file.Names);
            Assert.Equal(SafetensorsDType.F32, file.GetTensor("0.weight").DType);
            Assert.Equal(new long[] { 3, 2, 3, 3 }, file.GetTensor("0.weight").Shape);
            Assert.Equal(SafetensorsDType.I64, file.GetTensor("1.num_batches_tracked").DType);
            Assert.Empty(file.GetTensor("1.num_batches_tracked").Shape);
            Assert.Equal(new[] { (long)a.Buffers[2].Data[0] }, file.ReadInt64("1.num_batches_tracked"));

            var b = new Net(2);
            StateDict.Load(path, b.Parameters, b.Buffers);
            AssertSame(a.Snapshot(), b);
            Assert.Equal(new[] { "net.safetensors" }, dir.Entries());
        }

        [Fact]
        public void Load_accepts_F64_floats_and_I32_or_F32_integer_buffers()
        {
            using var dir = new TempFolder();
            string path = dir.File("alt.safetensors");
            var source = new Net(3);
            var writer = new SafetensorsWriter();
            foreach (var p in source.Parameters) writer.AddDouble(p.Name, p.Shape, p.Data.ToArray().Select(v => (double)v).ToArray());
            writer.AddDouble("1.running_mean", new[] { 3 }, source.Buffers[0].Data.ToArray().Select(v => (double)v).ToArray());
            writer.AddFloat("1.running_var", new[] { 3 }, source.Buffers[1].Data);
            writer.AddInt32("1.num_batches_tracked", Array.Empty<int>(), new[] { 42 });
            writer.Save(path);

            var net = new Net(4);
            StateDict.Load(path, net.Parameters, net.Buffers);
            for (int i = 0; i < 4; i++) Assert.Equal(source.Parameters[i].Data.ToArray(), net.Parameters[i].Data.ToArray());
            Assert.Equal(42f, net.Buffers[2].Data[0]);

            writer = new SafetensorsWriter();
            foreach (var p in source.Parameters) writer.AddFloat(p.Name, p.Shape, p.Data);
            foreach (var buf in source.Buffers.Take(2)) writer.AddFloat(buf.Name, buf.Shape, buf.Data);
            writer.AddFloat("1.num_batches_tracked", Array.Empty<int>(), new[] { 9f });
            writer.Save(path);
            StateDict.Load(path, net.Parameters, net.Buffers);
            Assert.Equal(9f, net.Buffers[2].Data[0]);
        }

        /// <summary>Files that do not match the net: (case, what the message must list).</summary>
        public static IEnumerable<object[]> Mismatches() => new[]
        {
            new object[] { "missing", new[] { "missing '0.bias' (expected shape [3])", "missing '1.num_batches_tracked' (expected shape [])" } },
            new object[] { "extra", new[] { "unexpected 'classifier.weight' (shape [10, 4])" } },
            new object[] { "shape", new[] { "'0.weight': expected shape [3, 2, 3, 3], found [4, 2, 3, 3]", "'1.num_batches_tracked': expected shape [], found [1]" } },
            new object[] { "dtype", new[] { "'1.weight': dtype I64 is not accepted (expected F32 or F64)", "'1.num_batches_tracked': dtype F64 is not accepted (expected I64, I32 or F32)" } },
            new object[] { "all", new[] { "missing '0.bias'", "unexpected 'classifier.weight'", "'0.weight': expected shape [3, 2, 3, 3], found [4, 2, 3, 3]" } },
        };

        [Theory]
        [MemberData(nameof(Mismatches))]
        public void Load_of_a_mismatched_file_lists_every_problem_and_changes_nothing(string kind, string[] expectedLines)
        {
            using var dir = new TempFolder();
            string path = dir.File(kind + ".safetensors");
            var other = new Net(5);
            var bigger = new Net(6, channels: 4);
            var writer = new SafetensorsWriter();
            // Valid tensors come first so a loader that copied as it went would have changed the target.
            foreach (var p in other.Parameters)
            {
                if (kind is "missing" or "all" && p.Name == "0.bias") continue;
                if (kind is "shape" or "all" && p.Name == "0.weight") { writer.AddFloat(p.Name, bigger.Parameters[0].Shape, bigger.Parameters[0].Data); continue; }
                if (kind == "dtype" && p.Name == "1.weight") { writer.AddInt64(p.Name, p.Shape, new long[] { 1, 2, 3 }); continue; }
                writer.AddFloat(p.Name, p.Shape, p.Data);
            }
            writer.AddFloat("1.running_mean", new[] { 3 }, other.Buffers[0].Data);
            writer.AddFloat("1.running_var", new[] { 3 }, other.Buffers[1].Data);
            if (kind == "shape") writer.AddInt64("1.num_batches_tracked", new[] { 1 }, new long[] { 3 });
            else if (kind == "dtype") writer.AddDouble("1.num_batches_tracked", Array.Empty<int>(), new double[] { 3 });
            else if (kind != "missing") writer.AddInt64("1.num_batches_tracked", Array.Empty<int>(), new long[] { 3 });
            if (kind is "extra" or "all") writer.AddFloat("classifier.weight", new[] { 10, 4 }, new float[40]);
            writer.Save(path);

            var target = new Net(7);
            var before = target.Snapshot();
            var ex = Assert.Throws<SafetensorsFormatException>(() => StateDict.Load(path, target.Parameters, target.Buffers));
            Assert.Contains(path, ex.Message);
            Assert.Contains("nothing was loaded", ex.Message);
            foreach (var line in expectedLines) Assert.Contains(line, ex.Message);
            AssertSame(before, target);
        }

        [Fact]
        public void Load_of_a_corrupt_file_changes_nothing()
        {
            using var dir = new TempFolder();
            string path = dir.File("corrupt.safetensors");
            var source = new Net(8);
            StateDict.Save(path, source.Parameters, source.Buffers);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 4).ToArray()); // truncated data section

            var target = new Net(9);
            var before = target.Snapshot();
            var ex = Assert.Throws<SafetensorsFormatException>(() => StateDict.Load(path, target.Parameters, target.Buffers));
            Assert.Contains(path, ex.Message);
            AssertSame(before, target);
            Assert.Throws<FileNotFoundException>(() => StateDict.Load(dir.File("absent.safetensors"), target.Parameters, target.Buffers));
        }

        [Fact]
        public void Save_refuses_duplicate_names_and_data_that_does_not_fit_the_shape()
        {
            using var dir = new TempFolder();
            var net = new Net(10);
            var dup = new List<Parameter>(net.Parameters) { net.Parameters[0] };
            Assert.Throws<ArgumentException>(() => StateDict.Save(dir.File("d.safetensors"), dup, net.Buffers));
            var wrong = new List<ModelBuffer>(net.Buffers) { new ModelBuffer("2.running_mean", new[] { 5 }, new FloatBuffer(new float[4])) };
            var ex = Assert.Throws<ArgumentException>(() => StateDict.Save(dir.File("w.safetensors"), net.Parameters, wrong));
            Assert.Contains("2.running_mean", ex.Message);
            Assert.Empty(dir.Entries());
        }

        [Fact]
        public void PyTorch_state_dict_loads_into_matching_parameters()
        {
            // max_pool's state_dict exactly as PyTorch holds it (torch's own random init), nothing else in the file.
            var file = SafetensorsFile.Read(FixtureFile.PathOf("max_pool_state_dict"));
            var parameters = new List<Parameter>();
            var buffers = new List<ModelBuffer>();
            foreach (var t in file.Tensors)
            {
                int[] shape = t.Shape.Select(d => (int)d).ToArray();
                int n = (int)t.ElementCount;
                if (t.Name.EndsWith(".weight", StringComparison.Ordinal) || t.Name.EndsWith(".bias", StringComparison.Ordinal))
                    parameters.Add(new Parameter(t.Name, shape, new FloatBuffer(new float[n]), new FloatBuffer(new float[n])));
                else
                    buffers.Add(new ModelBuffer(t.Name, shape, new FloatBuffer(new float[n]), isInteger: t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
            }
            Assert.Equal(14, parameters.Count); // 2 Conv + 3 Linear + 2 BatchNorm, weight and bias each
            Assert.Equal(6, buffers.Count);

            // Strict load: every key matches, nothing missing or extra.
            StateDict.Load(file, parameters, buffers);

            var w = parameters.Single(p => p.Name == "0.weight");
            Assert.Equal(new[] { 6, 1, 5, 5 }, w.Shape);
            Assert.Equal(file.ReadFloat("0.weight"), w.Data.ToArray());
            Assert.Equal(7f, buffers.Single(b => b.Name == "3.num_batches_tracked").Data[0]); // set to 7 by the script
            Assert.Equal(file.ReadFloat("10.running_var"), buffers.Single(b => b.Name == "10.running_var").Data.ToArray());

            // Saved back, the file has PyTorch's layout: the same keys, dtypes and shapes as the source.
            using var dir = new TempFolder();
            string path = dir.File("roundtrip.safetensors");
            StateDict.Save(path, parameters, buffers);
            var saved = SafetensorsFile.Read(path);
            foreach (var t in saved.Tensors)
            {
                var original = file.GetTensor(t.Name);
                Assert.Equal(original.DType, t.DType);
                Assert.Equal(original.Shape, t.Shape);
                Assert.Equal(file.GetRawBytes(t.Name).ToArray(), saved.GetRawBytes(t.Name).ToArray());
            }
        }
    }
}
