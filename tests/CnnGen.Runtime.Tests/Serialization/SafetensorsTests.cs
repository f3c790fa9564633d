using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using CnnGen.Serialization;
using Xunit;

namespace CnnGen.Tests.Serialization
{
    public class SafetensorsTests
    {
        [Fact]
        public void Hand_built_file_reads_back_every_dtype()
        {
            // Layout written by hand: a [2,2] F32, a scalar I64, a [3] F16, a [2] BF16, a [2] U8, a [0] F32.
            var data = RawSafetensors.Concat(
                RawSafetensors.Floats(1.5f, -2f, 0.25f, 3e-5f),          // 0..16
                RawSafetensors.Longs(-7),                                // 16..24
                new byte[] { 0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C },        // 24..30: F16 1, -2, +inf
                new byte[] { 0x80, 0x3F, 0x49, 0x40 },                    // 30..34: BF16 1, 3.140625
                new byte[] { 200, 7 });                                   // 34..36
            string header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"héllo\"}," +
                            "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}," +
                            "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[16,24]}," +
                            "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]}," +
                            "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[30,34]}," +
                            "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[34,36]}," +
                            "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[36,36]}}   ";
            var file = SafetensorsFile.Parse(RawSafetensors.Build(header, data), "mem");

            Assert.Equal(new[] { "w", "n", "h", "b", "u", "e" }, file.Names);
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal("héllo", file.Metadata["note"]);
            Assert.Equal(new float[] { 1.5f, -2f, 0.25f, 3e-5f }, file.ReadFloat("w"));
            Assert.Equal(new long[] { 2, 2 }, file.GetTensor("w").Shape);
            Assert.Empty(file.GetTensor("n").Shape);
            Assert.Equal(1, file.GetTensor("n").ElementCount);
            Assert.Equal(new long[] { -7 }, file.ReadInt64("n"));
            Assert.Equal(new float[] { -7 }, file.ReadFloat("n"));
            Assert.Equal(new float[] { 1f, -2f, float.PositiveInfinity }, file.ReadFloat("h"));
            Assert.Equal(new float[] { 1f, 3.140625f }, file.ReadFloat("b"));
            Assert.Equal(new long[] { 200, 7 }, file.ReadInt64("u"));
            Assert.Empty(file.ReadFloat("e"));
            Assert.Equal(new double[] { 1.5, -2, 0.25, (double)3e-5f }, file.ReadDouble("w"));
            var ex = Assert.Throws<SafetensorsFormatException>(() => file.ReadInt64("w"));
            Assert.Contains("'w'", ex.Message);
            Assert.Throws<KeyNotFoundException>(() => file.GetTensor("nope"));
        }

        [Fact]
        public void Writer_output_has_the_documented_layout_and_round_trips()
        {
            using var dir = new TempFolder();
            string path = dir.File("t.safetensors");
            var writer = new SafetensorsWriter();
            writer.Metadata["step"] = "3";
            writer.Metadata["text"] = "a<b> + \"q\"\nline";
            writer.AddFloat("a.weight", new[] { 2, 3 }, new float[] { 1, 2, 3, 4, 5, float.NegativeInfinity });
            writer.AddInt64("a.count", Array.Empty<int>(), new long[] { long.MinValue });
            writer.AddDouble("d", new[] { 2 }, new[] { Math.PI, -0.0 });
            writer.AddInt32("i", new[] { 1, 1, 3 }, new[] { -1, 0, int.MaxValue });
            writer.Add(SafetensorsTensor.FromByte("u", new[] { 3 }, new byte[] { 0, 128, 255 }));
            writer.Save(path);

            // Check the bytes independently: length prefix, JSON header (parsed by JsonDocument), alignment, data.
            byte[] bytes = File.ReadAllBytes(path);
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, (8 + n) % 8);
            using (var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd(' ')))
            {
                var root = doc.RootElement;
                Assert.Equal("3", root.GetProperty("__metadata__").GetProperty("step").GetString());
                Assert.Equal("a<b> + \"q\"\nline", root.GetProperty("__metadata__").GetProperty("text").GetString());
                var w = root.GetProperty("a.weight");
                Assert.Equal("F32", w.GetProperty("dtype").GetString());
                Assert.Equal(new[] { 2, 3 }, Ints(w.GetProperty("shape")));
                Assert.Equal(new[] { 0, 24 }, Ints(w.GetProperty("data_offsets")));
                var c = root.GetProperty("a.count");
                Assert.Equal("I64", c.GetProperty("dtype").GetString());
                Assert.Empty(Ints(c.GetProperty("shape")));
                Assert.Equal(new[] { 24, 32 }, Ints(c.GetProperty("data_offsets")));
            }
            Assert.Equal(5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + n) + 16)));
            Assert.Equal(8 + n + 24 + 8 + 16 + 12 + 3, bytes.Length);

            var file = SafetensorsFile.Read(path);
            Assert.Equal(new[] { "a.weight", "a.count", "d", "i", "u" }, file.Names);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, float.NegativeInfinity }, file.ReadFloat("a.weight"));
            Assert.Equal(new[] { long.MinValue }, file.ReadInt64("a.count"));
            Assert.Equal(new[] { Math.PI, -0.0 }, file.ReadDouble("d"));
            Assert.Equal(new long[] { -1, 0, int.MaxValue }, file.ReadInt64("i"));
            Assert.Equal(new long[] { 0, 128, 255 }, file.ReadInt64("u"));
            Assert.Equal(SafetensorsDType.I32, file.GetTensor("i").DType);
            Assert.Equal(new[] { "t.safetensors" }, dir.Entries());
        }

        private static int[] Ints(JsonElement array)
        {
            var list = new List<int>();
            foreach (var e in array.EnumerateArray()) list.Add(e.GetInt32());
            return list.ToArray();
        }

        [Fact]
        public void Write_replaces_an_existing_file_and_leaves_no_temporary_file()
        {
            using var dir = new TempFolder();
            string path = dir.File("m.safetensors");
            File.WriteAllText(path, "old content");
            SafetensorsFile.Write(path, new[] { SafetensorsTensor.FromFloat("x", new[] { 1 }, new float[] { 4 }) });
            Assert.Equal(new float[] { 4 }, SafetensorsFile.Read(path).ReadFloat("x"));
            Assert.Equal(new[] { "m.safetensors" }, dir.Entries());
        }

        [Fact]
        public void Refused_write_keeps_the_old_file()
        {
            using var dir = new TempFolder();
            string path = dir.File("m.safetensors");
            File.WriteAllText(path, "old content");
            var x = SafetensorsTensor.FromFloat("x", new[] { 1 }, new float[] { 4 });
            Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, new[] { x, x }));
            Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat("y", new[] { 2 }, new float[] { 4 }));
            Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat(SafetensorsFile.MetadataKey, new[] { 1 }, new float[] { 4 }));
            Assert.Equal("old content", File.ReadAllText(path));
            Assert.Equal(new[] { "m.safetensors" }, dir.Entries());
            // A missing folder is made, as a user saving to runs/<name>/model.safetensors expects.
            SafetensorsFile.Write(dir.File("new/folder/m.safetensors"), new[] { x });
            Assert.Equal(new[] { "x" }, SafetensorsFile.Read(dir.File("new/folder/m.safetensors")).Names);
        }

        private const string GoodTensor = "\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

        /// <summary>Malformed files: (name, bytes, text the message must contain, tensor named or null).</summary>
        public static IEnumerable<object?[]> MalformedFiles()
        {
            byte[] eight = RawSafetensors.Floats(1, 2);
            yield return new object?[] { "short", new byte[] { 1, 2, 3 }, "fewer than the 8-byte header length", null };
            var tooLong = RawSafetensors.Build("{" + GoodTensor + "}", eight);
            BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 10_000);
            yield return new object?[] { "header length past end", tooLong, "header length 10000 is larger", null };
            var huge = RawSafetensors.Build("{" + GoodTensor + "}", eight);
            BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
            yield return new object?[] { "header length overflow", huge, "is larger than", null };
            yield return new object?[] { "not an object", RawSafetensors.Build("[1,2]   ", eight), "does not start with '{'", null };
            yield return new object?[] { "broken json", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",", eight), "not well-formed JSON", null };
            yield return new object?[] { "trailing junk", RawSafetensors.Build("{" + GoodTensor + "} x", eight), "not well-formed JSON", null };
            yield return new object?[] { "unknown dtype", RawSafetensors.Build("{\"t\":{\"dtype\":\"F8\",\"shape\":[8],\"data_offsets\":[0,8]}}", eight), "unknown dtype 'F8'", "t" };
            yield return new object?[] { "missing dtype", RawSafetensors.Build("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "\"dtype\" is missing", "t" };
            yield return new object?[] { "missing offsets", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "\"data_offsets\" is missing", "t" };
            yield return new object?[] { "negative dim", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "non-negative integers", "t" };
            yield return new object?[] { "fractional dim", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", eight), "non-negative integers", "t" };
            yield return new object?[] { "three offsets", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", eight), "must hold 2 numbers", "t" };
            yield return new object?[] { "offsets past data", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight), "run past the 8-byte data section", "t" };
            yield return new object?[] { "reversed offsets", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", eight), "end before they begin", "t" };
            yield return new object?[] { "byte count", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "needs 12 bytes", "t" };
            yield return new object?[] { "dtype size", RawSafetensors.Build("{\"t\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "needs 16 bytes", "t" };
            yield return new object?[] { "shape overflow", RawSafetensors.Build("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", eight), "too large", "t" };
            yield return new object?[] { "overlap", RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "overlap tensor 'a'", "b" };
            yield return new object?[] { "gap", RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "leave a gap", "a" };
            yield return new object?[] { "leftover bytes", RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight), "cover 4 bytes of the 8-byte data section", null };
            yield return new object?[] { "duplicate name", RawSafetensors.Build("{" + GoodTensor + "," + GoodTensor + "}", eight), "appears twice", "t" };
            yield return new object?[] { "metadata not string", RawSafetensors.Build("{\"__metadata__\":{\"step\":3}," + GoodTensor + "}", eight), "metadata 'step' must be a string", null };
            yield return new object?[] { "tensor not object", RawSafetensors.Build("{\"t\":[1]}", eight), "must be an object", "t" };
        }

        [Theory]
        [MemberData(nameof(MalformedFiles))]
        public void Malformed_file_is_refused_naming_file_and_tensor(string name, byte[] bytes, string expected, string? tensor)
        {
            using var dir = new TempFolder();
            string path = dir.File(name.Replace(' ', '_') + ".safetensors");
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(path));
            Assert.Contains(expected, ex.Message);
            Assert.Contains(path, ex.Message);
            Assert.Equal(path, ex.FilePath);
            Assert.Equal(tensor, ex.TensorName);
            if (tensor is not null) Assert.Contains($"'{tensor}'", ex.Message);
        }

        [Fact]
        public void Padding_and_unknown_fields_are_accepted()
        {
            var bytes = RawSafetensors.Build("{\"t\":{\"extra\":{\"x\":[1,{}]},\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":null}\n  ", RawSafetensors.Floats(7, 8));
            Assert.Equal(new float[] { 7, 8 }, SafetensorsFile.Parse(bytes, "mem").ReadFloat("t"));
        }

        [Fact]
        public void PyTorch_fixture_reads_with_its_dtypes_shapes_and_metadata()
        {
            var file = SafetensorsFile.Read(FixtureFile.PathOf("max_pool"));
            Assert.Equal("max_pool", file.Metadata["meta.case"]);
            Assert.Equal("train", file.Metadata["meta.mode"]);
            Assert.StartsWith("1.13", file.Metadata["meta.torch"]);
            Assert.Equal(new long[] { 6, 1, 5, 5 }, file.GetTensor("grad.0.weight").Shape);
            Assert.Equal(SafetensorsDType.F32, file.GetTensor("grad.0.weight").DType);
            Assert.Equal(SafetensorsDType.I64, file.GetTensor("init.3.num_batches_tracked").DType);
            Assert.Empty(file.GetTensor("init.3.num_batches_tracked").Shape);
            Assert.Equal(new long[] { 0 }, file.ReadInt64("init.3.num_batches_tracked"));
            Assert.Equal(new long[] { 1 }, file.ReadInt64("after.3.num_batches_tracked"));
            Assert.Equal(new long[] { 4, 1, 28, 28 }, file.GetTensor("input").Shape);
            Assert.Equal(SafetensorsDType.I64, file.GetTensor("labels").DType);
            Assert.Equal(new long[] { 0, 7, 4, 1 }, file.ReadInt64("labels")); // (7 i) mod 10
            // A fresh BatchNorm has mean 0 and variance 1.
            Assert.All(file.ReadFloat("init.3.running_mean"), v => Assert.Equal(0f, v));
            Assert.All(file.ReadFloat("init.10.running_var"), v => Assert.Equal(1f, v));
            // 8.weight (120 x 192 = 23040 elements) is above 16384: every 5th element (23040 / 4096 = 5), plus its sums.
            Assert.False(file.Contains("grad.8.weight"));
            Assert.Equal("5", file.Metadata["stride.grad.8.weight"]);
            Assert.Equal("120,192", file.Metadata["shape.grad.8.weight"]);
            Assert.Equal(new long[] { 4608 }, file.GetTensor("sub.grad.8.weight").Shape);
            Assert.Equal(SafetensorsDType.F64, file.GetTensor("sum.grad.8.weight").DType);
            Assert.Equal(SafetensorsDType.F64, file.GetTensor("sumsq.grad.8.weight").DType);
            // The initial parameters are FixtureInit's formula, not stored for this case.
            Assert.False(file.Contains("init.0.weight"));
        }

        [Theory]
        [InlineData("simple_cnn", "10.bias")]
        [InlineData("max_pool", "13.bias")]
        [InlineData("strided", "6.bias")]
        [InlineData("no_max_pool", "11.bias")]
        [InlineData("pools", "7.bias")]
        [InlineData("bn_eval", "13.bias")]
        public void PyTorch_fixture_numbers_agree_with_cross_entropy_computed_here(string name, string lastBias)
        {
            // Independent check of real PyTorch data: loss = mean cross-entropy of the stored logits, and the last
            // Linear's bias gradient = mean over the batch of softmax(logits) − onehot(label).
            var file = SafetensorsFile.Read(FixtureFile.PathOf(name));
            var logits = file.ReadDouble("logits");
            var labels = file.ReadInt64("labels");
            int n = labels.Length, k = logits.Length / n;
            double loss = 0;
            var gradBias = new double[k];
            for (int s = 0; s < n; s++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < k; j++) max = Math.Max(max, logits[s * k + j]);
                double sum = 0;
                for (int j = 0; j < k; j++) sum += Math.Exp(logits[s * k + j] - max);
                loss += -(logits[s * k + labels[s]] - max - Math.Log(sum)) / n;
                for (int j = 0; j < k; j++)
                    gradBias[j] += (Math.Exp(logits[s * k + j] - max) / sum - (j == labels[s] ? 1 : 0)) / n;
            }
            Assert.Equal(new long[] { 1 }, file.GetTensor("loss").Shape);
            Assert.Equal(loss, file.ReadDouble("loss")[0], tolerance: 1e-5);
            var stored = file.ReadDouble("grad." + lastBias);
            Assert.Equal(k, stored.Length);
            for (int j = 0; j < k; j++) Assert.Equal(gradBias[j], stored[j], tolerance: 1e-6); // absolute, not decimal rounding
        }
    }
}
