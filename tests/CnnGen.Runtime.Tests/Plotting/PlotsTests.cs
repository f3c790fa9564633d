using System;
using System.IO;
using System.Linq;
using CnnGen.Plotting;
using CnnGen.Tests.Training;
using CnnGen.Training;
using SkiaSharp;
using Xunit;

namespace CnnGen.Tests.Plotting
{
    public class PlotsTests
    {
        private static SKBitmap Decode(string path)
        {
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            return SKBitmap.Decode(bytes);
        }

        [Fact]
        public void Greyscale_png_scales_each_value_to_a_square_from_black_to_white()
        {
            string dir = TestData.TempDir();
            string path = Path.Combine(dir, "map.png");
            // 2×3 map: 0 → black, 5 → white, 2.5 → mid grey.
            Plots.SaveGreyscale(path, new float[] { 0, 2.5f, 5, 5, 0, 2.5f }, 2, 3, scale: 4);
            using var bmp = Decode(path);
            Assert.Equal(12, bmp.Width);
            Assert.Equal(8, bmp.Height);
            Assert.Equal(0, bmp.GetPixel(0, 0).Red);
            Assert.Equal(128, bmp.GetPixel(4, 3).Red);      // round(0.5 * 255)
            Assert.Equal(255, bmp.GetPixel(11, 0).Red);
            Assert.Equal(255, bmp.GetPixel(0, 7).Red);
            Assert.Equal(0, bmp.GetPixel(7, 7).Red);
            Assert.Single(Directory.GetFiles(dir));
        }

        [Fact]
        public void Curves_and_grid_render_pngs_of_the_requested_size()
        {
            string dir = TestData.TempDir();
            var runs = new RunBuilder().Add("lr", 0.1, 0.01).Build();
            var log = new RunLog();
            foreach (var r in runs)
                for (int e = 1; e <= 3; e++)
                    log.Add(r, new EpochResult(e, 1.0 / e, 0.5 + e / 10.0, 1.1 / e, 0.45 + e / 10.0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(e), 10, (float)r.GetDouble("lr")));
            Plots.SaveTrainingCurves(log, Path.Combine(dir, "curves.png"), 900, 400);
            using (var bmp = Decode(Path.Combine(dir, "curves.png")))
            {
                Assert.Equal(900, bmp.Width);
                Assert.Equal(400, bmp.Height);
            }

            var ds = TestData.Separable(6);
            Plots.SaveSampleGrid(Path.Combine(dir, "grid.png"), ds, Enumerable.Range(0, 6).ToArray(), new[] { 0, 1, 2, 0, 1, 1 }, rows: 2, columns: 3);
            using (var bmp = Decode(Path.Combine(dir, "grid.png")))
            {
                Assert.Equal(3 * 220, bmp.Width);
                Assert.Equal(2 * 250, bmp.Height);
            }
            Assert.Throws<ArgumentException>(() => Plots.SaveSampleGrid(Path.Combine(dir, "x.png"), ds, new[] { 0, 1, 2 }, null, rows: 1, columns: 2));
        }
    }
}
