using System;
using System.IO;
using CnnGen.Data;
using CnnGen.Tests.Training;
using StbImageWriteSharp;
using Xunit;

namespace CnnGen.Tests.Data
{
    /// <summary>Image folders made of small PNG and JPEG files written by the test.</summary>
    public class ImageFolderTests
    {
        private static void WritePng(string path, byte[] hwc, int width, int height, ColorComponents components)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var stream = File.Create(path);
            new ImageWriter().WritePng(hwc, width, height, components, stream);
        }

        /// <summary>A 3×2 RGB image whose pixel (y, x) is (10·y + x + k, 100 + x, 200 + y).</summary>
        private static byte[] Rgb(int k)
        {
            var b = new byte[2 * 3 * 3];
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 3; x++)
                {
                    int at = (y * 3 + x) * 3;
                    b[at] = (byte)(10 * y + x + k);
                    b[at + 1] = (byte)(100 + x);
                    b[at + 2] = (byte)(200 + y);
                }
            return b;
        }

        [Fact]
        public void Classes_are_sorted_sub_folders_and_pixels_come_out_as_CHW()
        {
            string root = TestData.TempDir();
            WritePng(Path.Combine(root, "dog", "b.png"), Rgb(2), 3, 2, ColorComponents.RedGreenBlue);
            WritePng(Path.Combine(root, "dog", "a.PNG"), Rgb(1), 3, 2, ColorComponents.RedGreenBlue);
            WritePng(Path.Combine(root, "cat", "z.png"), Rgb(0), 3, 2, ColorComponents.RedGreenBlue);
            File.WriteAllText(Path.Combine(root, "cat", "notes.txt"), "not an image");

            var data = ImageFolder.Load(root, channels: 3, height: 2, width: 3, transform: new Normalize(0, 1));
            Assert.Equal(new[] { "cat", "dog" }, data.ClassNames);
            Assert.Equal(new[] { 0, 1, 1 }, data.Labels);
            // Sample 1 is dog/a.PNG (k = 1): red plane 1 2 3 / 11 12 13, green 100 101 102 twice, blue 200×3 then 201×3.
            Assert.Equal(new float[] { 1, 2, 3, 11, 12, 13, 100, 101, 102, 100, 101, 102, 200, 200, 200, 201, 201, 201 }, data.GetImage(1).ToArray());
        }

        [Fact]
        public void Grey_loading_and_jpeg_files_are_read()
        {
            string root = TestData.TempDir();
            var grey = new byte[] { 0, 64, 128, 255 };
            WritePng(Path.Combine(root, "a", "g.png"), grey, 2, 2, ColorComponents.Grey);
            Directory.CreateDirectory(Path.Combine(root, "b"));
            using (var s = File.Create(Path.Combine(root, "b", "flat.jpg")))
            {
                var flat = new byte[8 * 8 * 3];
                Array.Fill(flat, (byte)90);
                new ImageWriter().WriteJpg(flat, 8, 8, ColorComponents.RedGreenBlue, s, 95);
            }
            var data = ImageFolder.Load(root, channels: 1, height: 2, width: 2, resize: true);
            Assert.Equal(new[] { 0f, 64 / 255f, 128 / 255f, 1f }, data.GetImage(0).ToArray());
            // A flat grey JPEG stays (nearly) flat after decoding and downscaling.
            foreach (float v in data.GetImage(1)) Assert.InRange(v * 255, 88, 92);
        }

        [Fact]
        public void Resize_is_bilinear_with_half_pixel_centres()
        {
            // 4×1 → 2×1: each output is the mean of two inputs, as torch's interpolate(scale 1/2, bilinear).
            string root = TestData.TempDir();
            WritePng(Path.Combine(root, "a", "row.png"), new byte[] { 10, 20, 40, 80 }, 4, 1, ColorComponents.Grey);
            var data = ImageFolder.Load(root, 1, 1, 2, resize: true, transform: new Normalize(0, 1));
            Assert.Equal(new[] { 15f, 60f }, data.GetImage(0).ToArray());
            // 2×1 → 4×1: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel).
            WritePng(Path.Combine(root, "a", "row.png"), new byte[] { 0, 100 }, 2, 1, ColorComponents.Grey);
            data = ImageFolder.Load(root, 1, 1, 4, resize: true, transform: new Normalize(0, 1));
            Assert.Equal(new[] { 0f, 25f, 75f, 100f }, data.GetImage(0).ToArray());
        }

        [Fact]
        public void A_wrong_size_names_the_file_and_both_sizes()
        {
            string root = TestData.TempDir();
            WritePng(Path.Combine(root, "a", "ok.png"), new byte[4], 2, 2, ColorComponents.Grey);
            WritePng(Path.Combine(root, "b", "big.png"), new byte[6], 3, 2, ColorComponents.Grey);
            var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(root, 1, 2, 2));
            Assert.Contains(Path.Combine(root, "b", "big.png") + ": the image is 3×2 (width×height), but the dataset declares 2×2", e.Message);
        }

        [Fact]
        public void A_broken_image_and_an_empty_class_are_named()
        {
            string root = TestData.TempDir();
            WritePng(Path.Combine(root, "a", "ok.png"), new byte[4], 2, 2, ColorComponents.Grey);
            Directory.CreateDirectory(Path.Combine(root, "b"));
            File.WriteAllBytes(Path.Combine(root, "b", "broken.png"), new byte[] { 1, 2, 3 });
            var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(root, 1, 2, 2));
            Assert.Contains(Path.Combine(root, "b", "broken.png") + ": not a readable PNG or JPEG image", e.Message);

            File.Delete(Path.Combine(root, "b", "broken.png"));
            e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(root, 1, 2, 2));
            Assert.Contains("Class folder " + Path.Combine(root, "b") + " has no", e.Message);
        }
    }
}
