using System.IO;
using System.Linq;
using CnnGen.Serialization;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Serialization
{
    /// <summary>Weight files holding NaN or ∞, and paths that are not files, are refused with the file, the tensor and what was expected.</summary>
    public class BadWeightFileTests
    {
        private static string WeightsWith(float value, int parameter, int index)
        {
            var source = new ResumeDropoutNet(seed: 1, maxBatch: 2);
            source.Parameters[parameter].Data[index] = value;
            string path = Path.Combine(TestData.TempDir(), "weights.safetensors");
            source.Save(path);
            return path;
        }

        [Theory]
        [InlineData(float.NaN, "1 NaN value, the first at flat index 5")]
        [InlineData(float.PositiveInfinity, "1 infinite value, the first at flat index 5")]
        [InlineData(float.NegativeInfinity, "1 infinite value, the first at flat index 5")]
        public void Weights_that_are_not_finite_are_refused_by_default_and_nothing_changes(float value, string expected)
        {
            string path = WeightsWith(value, 0, 5);
            var model = new ResumeDropoutNet(seed: 2, maxBatch: 2);
            var before = model.Parameters.Select(p => p.Data.ToArray()).ToArray();
            var e = Assert.Throws<SafetensorsFormatException>(() => model.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("'1.weight': " + expected + " (expected finite numbers", e.Message);
            for (int k = 0; k < before.Length; k++) Assert.Equal(before[k], model.Parameters[k].Data.ToArray());
        }

        [Fact]
        public void Non_finite_weights_load_when_explicitly_allowed()
        {
            string path = WeightsWith(float.NaN, 1, 2);
            var model = new ResumeDropoutNet(seed: 2, maxBatch: 2);
            StateDict.Load(path, model.Parameters, model.Buffers, allowNonFinite: true);
            Assert.True(float.IsNaN(model.Parameters[1].Data[2]));
        }

        [Fact]
        public void A_directory_given_as_a_weights_file_is_named_as_a_directory_not_access_denied()
        {
            string dir = TestData.TempDir();
            var model = new ResumeDropoutNet(seed: 2, maxBatch: 2);
            var load = Assert.Throws<SafetensorsFormatException>(() => model.Load(dir));
            Assert.Contains(dir, load.Message);
            Assert.Contains("this is a directory; expected a .safetensors file", load.Message);
            var save = Assert.Throws<IOException>(() => model.Save(dir));
            Assert.Contains("this is a directory; expected the path of a file to write", save.Message);
            Assert.Empty(Directory.GetFileSystemEntries(dir));   // no temporary file left behind
        }

        [Fact]
        public void A_missing_weights_file_is_named()
        {
            string path = Path.Combine(TestData.TempDir(), "nope.safetensors");
            var e = Assert.Throws<FileNotFoundException>(() => new ResumeDropoutNet(seed: 2, maxBatch: 2).Load(path));
            Assert.Contains(path, e.Message);
        }
    }
}
