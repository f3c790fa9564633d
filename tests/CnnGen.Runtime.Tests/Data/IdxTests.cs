using System;
using System.IO;
using System.IO.Compression;
using CnnGen.Data;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Data
{
    public class IdxTests
    {
        private static byte[] RawIdx(byte type, int[] dims, int payload)
        {
            var ms = new MemoryStream();
            ms.Write(new byte[] { 0, 0, type, (byte)dims.Length });
            foreach (int d in dims) ms.Write(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
            for (int i = 0; i < payload; i++) ms.WriteByte((byte)(i * 7));
            return ms.ToArray();
        }

        [Fact]
        public void Round_trip_raw_keeps_dimensions_and_bytes_and_header_is_big_endian()
        {
            string dir = TestData.TempDir();
            string path = Path.Combine(dir, "train-images-idx3-ubyte");
            var data = new byte[3 * 4 * 5];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 13);
            IdxWriter.Write(path, new[] { 3, 4, 5 }, data);

            byte[] file = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5 }, file[..16]);
            Assert.Equal(16 + data.Length, file.Length);
            var idx = IdxReader.ReadImages(path);
            Assert.Equal(new[] { 3, 4, 5 }, idx.Dimensions);
            Assert.Equal(data, idx.Data);
            Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
        }

        [Fact]
        public void Gzip_is_recognised_by_magic_bytes_whatever_the_name()
        {
            string dir = TestData.TempDir();
            var labels = new byte[] { 1, 2, 3, 9 };
            string written = Path.Combine(dir, "labels.gz");
            IdxWriter.Write(written, new[] { 4 }, labels, gzip: true);
            byte[] bytes = File.ReadAllBytes(written);
            Assert.Equal(0x1f, bytes[0]);
            Assert.Equal(0x8b, bytes[1]);
            // Same bytes under a name without .gz: still decompressed.
            string plainName = Path.Combine(dir, "t10k-labels-idx1-ubyte");
            File.WriteAllBytes(plainName, bytes);
            Assert.Equal(labels, IdxReader.ReadLabels(plainName).Data);
            Assert.Equal(labels, IdxReader.ReadLabels(written).Data);
        }

        [Fact]
        public void Corrupt_gzip_names_the_file()
        {
            string dir = TestData.TempDir();
            string path = Path.Combine(dir, "train-labels-idx1-ubyte.gz");
            File.WriteAllBytes(path, new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56 });
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
            Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        }

        [Fact]
        public void Gzip_written_by_the_framework_reads_too()
        {
            var raw = RawIdx(8, new[] { 2, 2, 2 }, 8);
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
            ms.Position = 0;
            var idx = IdxReader.Read(ms, "x.gz", 3);
            Assert.Equal(raw[^8..], idx.Data);
        }

        private static string Message(byte[] file, string name, int? rank)
        {
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file), name, rank));
            Assert.StartsWith(name + ":", e.Message);
            return e.Message;
        }

        [Fact]
        public void Truncated_payload_names_file_and_counts()
        {
            var file = RawIdx(8, new[] { 60000, 28, 28 }, 1000);
            string m = Message(file, "train-images-idx3-ubyte", 3);
            Assert.Contains("expected 47040000 bytes of pixels after the header", m);
            Assert.Contains("found 1000", m);
        }

        [Fact]
        public void Extra_bytes_after_payload_are_an_error()
        {
            var file = RawIdx(8, new[] { 3 }, 5);
            string m = Message(file, "train-labels-idx1-ubyte", 1);
            Assert.Contains("expected 3 bytes of labels", m);
            Assert.Contains("2 unexpected bytes", m);
        }

        [Fact]
        public void Bad_magic_is_named()
        {
            var file = RawIdx(8, new[] { 2 }, 2);
            file[0] = 0x12;
            string m = Message(file, "t10k-labels-idx1-ubyte", 1);
            Assert.Contains("not an IDX file", m);
            Assert.Contains("0x12000801", m);
        }

        [Fact]
        public void Wrong_type_byte_is_named()
        {
            string m = Message(RawIdx(0x0D, new[] { 2 }, 8), "labels", 1);
            Assert.Contains("type byte is 0x0D", m);
            Assert.Contains("0x08", m);
        }

        [Fact]
        public void Wrong_rank_is_named()
        {
            string m = Message(RawIdx(8, new[] { 2, 3 }, 6), "train-labels-idx1-ubyte", 1);
            Assert.Contains("rank is 2", m);
            Assert.Contains("expected 1", m);
            Assert.Contains("0x00000801", m);
        }

        [Fact]
        public void Short_file_and_missing_dimensions_are_named()
        {
            Assert.Contains("too short", Message(new byte[] { 0, 0 }, "a", null));
            Assert.Contains("header ends before dimension 2 of 3", Message(new byte[] { 0, 0, 8, 3, 0, 0, 0, 1 }, "b", null));
        }

        [Fact]
        public void File_reads_report_the_file_name()
        {
            string dir = TestData.TempDir();
            string path = Path.Combine(dir, "train-images-idx3-ubyte");
            File.WriteAllBytes(path, RawIdx(8, new[] { 10, 28, 28 }, 100));
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
            Assert.StartsWith("train-images-idx3-ubyte: expected 7840 bytes of pixels after the header", e.Message);
            Assert.Contains("found 100", e.Message);
        }

        [Fact]
        public void Writer_refuses_mismatched_length_and_leaves_nothing()
        {
            string dir = TestData.TempDir();
            Assert.Throws<ArgumentException>(() => IdxWriter.Write(Path.Combine(dir, "x"), new[] { 2, 2 }, new byte[3]));
            Assert.Empty(Directory.GetFiles(dir));
        }
    }
}
