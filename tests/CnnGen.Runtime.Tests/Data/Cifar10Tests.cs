using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using CnnGen.Data;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Data
{
    /// <summary>CIFAR-10 can't be downloaded here: these tests write small batch files in its binary format.</summary>
    public class Cifar10Tests
    {
        /// <summary>Record r of file f: label (f + r) mod 10, pixel p = (p + 7r + 3f) mod 256.</summary>
        private static byte[] Batch(int file, int records)
        {
            var bytes = new byte[records * Cifar10.RecordBytes];
            for (int r = 0; r < records; r++)
            {
                bytes[r * Cifar10.RecordBytes] = (byte)((file + r) % 10);
                for (int p = 0; p < Cifar10.ImageBytes; p++) bytes[r * Cifar10.RecordBytes + 1 + p] = (byte)((p + 7 * r + 3 * file) % 256);
            }
            return bytes;
        }

        private static string WriteAll(string dir)
        {
            for (int f = 0; f < 5; f++) File.WriteAllBytes(Path.Combine(dir, Cifar10.TrainFiles[f]), Batch(f, 2));
            File.WriteAllBytes(Path.Combine(dir, Cifar10.TestFile), Batch(9, 3));
            return dir;
        }

        [Fact]
        public void Loads_the_five_training_batches_in_order_as_CHW_floats()
        {
            string dir = TestData.TempDir();
            Directory.CreateDirectory(Path.Combine(dir, "cifar-10"));
            WriteAll(Path.Combine(dir, "cifar-10"));
            var train = Cifar10.Load(dir, train: true, download: false);
            Assert.Equal((3, 32, 32), (train.Channels, train.Height, train.Width));
            Assert.Equal(10, train.Count);
            Assert.Equal("cat", train.ClassNames[3]);
            // Sample 7 is record 1 of data_batch_4.bin (file index 3): label 4, red pixel (0, 5) = (5 + 7 + 9) / 255,
            // green pixel (1, 0) = (1024 + 32 + 7 + 9) mod 256 / 255.
            Assert.Equal(4, train.Labels[7]);
            var image = train.GetImage(7);
            Assert.Equal(21 / 255.0, image[5], 6);
            Assert.Equal((1024 + 32 + 16) % 256 / 255.0, image[1024 + 32], 6);

            var test = Cifar10.Load(dir, train: false, transform: new Normalize(0, 1), download: false);
            Assert.Equal(3, test.Count);
            Assert.Equal(new[] { 9, 0, 1 }, test.Labels);
            Assert.Equal((3071 + 14 + 27) % 256, test.GetImage(2)[3071]);   // raw 0…255 with an identity transform
        }

        [Fact]
        public void A_bad_label_names_the_file_and_record()
        {
            string dir = WriteAll(TestData.TempDir());
            byte[] bytes = Batch(0, 3);
            bytes[2 * Cifar10.RecordBytes] = 12;
            File.WriteAllBytes(Path.Combine(dir, "data_batch_2.bin"), bytes);
            var e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(dir, download: false));
            Assert.Contains("data_batch_2.bin: record 2 (byte offset 6146) has label 12; CIFAR-10 labels are 0…9", e.Message);
        }

        [Fact]
        public void A_truncated_file_names_the_file_and_the_cut_record()
        {
            string dir = WriteAll(TestData.TempDir());
            File.WriteAllBytes(Path.Combine(dir, Cifar10.TestFile), Batch(0, 2).AsSpan(0, Cifar10.RecordBytes + 100).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(dir, train: false, download: false));
            Assert.Contains("test_batch.bin: 3173 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixel bytes); record 1 is cut off after 100 bytes", e.Message);
        }

        [Fact]
        public void Missing_files_without_download_say_where_to_put_which_files()
        {
            string dir = TestData.TempDir();
            var e = Assert.Throws<DatasetUnavailableException>(() => Cifar10.Load(dir, download: false));
            Assert.Contains("Downloading was turned off", e.Message);
            Assert.Contains("data_batch_1.bin", e.Message);
            Assert.Contains(Path.Combine(Path.GetFullPath(dir), "cifar-10"), e.Message);
            Assert.Contains("cifar-10-binary.tar.gz", e.Message);
        }

        [Fact]
        public void A_failed_download_says_what_failed_and_where_to_put_the_files()
        {
            string dir = TestData.TempDir();
            // Port 1 on the loopback refuses at once: the fetch path fails as it does on a machine without access.
            const string url = "http://127.0.0.1:1/cifar-10-binary.tar.gz";
            var e = Assert.Throws<DatasetUnavailableException>(() => Cifar10.Load(dir, download: true, log: _ => { }, sourceUrl: url));
            Assert.Contains("could not be fetched from " + url, e.Message);
            Assert.Contains("test_batch.bin", e.Message);
            Assert.False(Directory.Exists(Path.Combine(dir, "cifar-10")) && Directory.GetFiles(Path.Combine(dir, "cifar-10")).Length > 0);
        }

        [Fact]
        public void Installs_the_batches_from_the_archive()
        {
            string dir = TestData.TempDir();
            string tgz = Path.Combine(dir, "cifar-10-binary.tar.gz");
            using (var file = File.Create(tgz))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            {
                void Add(string name, byte[] data)
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/" + name) { DataStream = new MemoryStream(data) };
                    tar.WriteEntry(entry);
                }
                for (int f = 0; f < 5; f++) Add(Cifar10.TrainFiles[f], Batch(f, 1));
                Add(Cifar10.TestFile, Batch(5, 1));
                Add("batches.meta.txt", new byte[] { 97 });
            }
            string target = Path.Combine(dir, "data", "cifar-10");
            Cifar10.InstallFromTarball(tgz, target, _ => { });
            Assert.True(Cifar10.HasFiles(target));
            Assert.Equal(Batch(5, 1), File.ReadAllBytes(Path.Combine(target, Cifar10.TestFile)));
            Assert.Equal(6, Directory.GetFiles(target).Length);
            Assert.Equal(5, Cifar10.Load(Path.Combine(dir, "data"), download: false).Count);
        }
    }
}
