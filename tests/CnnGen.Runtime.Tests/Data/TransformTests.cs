using System;
using System.IO;
using CnnGen.Data;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Data
{
    public class TransformTests
    {
        [Fact]
        public void ToTensor_then_Normalize_matches_the_formula()
        {
            var values = new float[] { 0, 1, 128, 255, 33 };
            var expected = new double[values.Length];
            for (int i = 0; i < values.Length; i++) expected[i] = (values[i] / 255.0 - 0.1307) / 0.3081;
            new ToTensor().Then(new Normalize(0.1307f, 0.3081f)).Apply(values);
            for (int i = 0; i < values.Length; i++) Assert.Equal(expected[i], values[i], 5);
        }

        [Fact]
        public void Compose_applies_in_order()
        {
            var a = new float[] { 10 };
            new Compose(new Normalize(10, 2), new Normalize(0, 0.5f)).Apply(a); // (10-10)/2 = 0, then 0/0.5 = 0
            Assert.Equal(0f, a[0]);
            var b = new float[] { 10 };
            new Compose(new Normalize(0, 0.5f), new Normalize(10, 2)).Apply(b); // 20, then (20-10)/2 = 5
            Assert.Equal(5f, b[0]);
        }

        [Fact]
        public void Normalize_rejects_nonpositive_std()
            => Assert.Throws<ArgumentOutOfRangeException>(() => new Normalize(0, 0));

        [Fact]
        public void Dataset_from_idx_files_applies_default_ToTensor_and_reads_labels()
        {
            string dir = TestData.TempDir();
            var pixels = new byte[2 * 28 * 28];
            pixels[0] = 255;
            pixels[784 + 5] = 51;
            IdxWriter.Write(Path.Combine(dir, "train-images-idx3-ubyte"), new[] { 2, 28, 28 }, pixels);
            IdxWriter.Write(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), new[] { 2 }, new byte[] { 7, 3 }, gzip: true);
            var ds = InMemoryDataset.FromIdxFolder(dir, train: true);
            Assert.Equal(2, ds.Count);
            Assert.Equal(new[] { 7, 3 }, ds.Labels);
            Assert.Equal(1f, ds.Images[0]);
            Assert.Equal(0.2f, ds.Images[784 + 5], 6);
            Assert.Equal(784, ds.SampleSize);
        }

        [Fact]
        public void Dataset_refuses_mismatched_counts()
        {
            string dir = TestData.TempDir();
            IdxWriter.Write(Path.Combine(dir, "i"), new[] { 2, 28, 28 }, new byte[2 * 784]);
            IdxWriter.Write(Path.Combine(dir, "l"), new[] { 3 }, new byte[3]);
            var e = Assert.Throws<InvalidDataException>(() => InMemoryDataset.FromIdxFiles(Path.Combine(dir, "i"), Path.Combine(dir, "l")));
            Assert.Contains("2 images", e.Message);
            Assert.Contains("3 labels", e.Message);
        }

        [Fact]
        public void Missing_files_without_download_tell_where_to_put_them()
        {
            string dir = TestData.TempDir();
            var e = Assert.Throws<DatasetUnavailableException>(() => InMemoryDataset.LoadMnist(dir, train: true, download: false));
            Assert.Contains(Path.Combine(dir, "mnist"), e.Message);
            Assert.Contains("train-images-idx3-ubyte", e.Message);
        }
    }
}
