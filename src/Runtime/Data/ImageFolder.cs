using System;
using System.Collections.Generic;
using System.IO;
using StbImageSharp;

namespace CnnGen.Data
{
    /// <summary>
    /// Images in folders, one sub-folder per class, as torchvision's <c>ImageFolder</c>:
    /// <code>
    /// root/cat/001.png
    /// root/cat/002.jpg
    /// root/dog/001.jpeg
    /// </code>
    /// Classes are the sub-folder names in ordinal order (label 0 is the first); inside a class, files are
    /// taken in ordinal order of their names. PNG and JPEG files are decoded (StbImageSharp) to the declared
    /// channels (1: grey, 3: RGB) and must have the declared size, or are scaled to it with
    /// <c>resize: true</c>; other files are skipped. Everything is loaded into memory.
    /// </summary>
    public static class ImageFolder
    {
        /// <summary>File extensions read as images (case-insensitive).</summary>
        public static readonly string[] Extensions = { ".png", ".jpg", ".jpeg" };

        /// <summary>Loads every image under <paramref name="root"/>.</summary>
        /// <param name="root">The folder whose sub-folders are the classes.</param>
        /// <param name="channels">1 (images are converted to grey) or 3 (RGB; grey images are expanded).</param>
        /// <param name="height">Declared image height.</param>
        /// <param name="width">Declared image width.</param>
        /// <param name="resize">Scale images of another size to the declared one (bilinear, half-pixel centres, as
        /// <c>torch.nn.functional.interpolate(mode="bilinear")</c>); false: such an image is an error naming it.</param>
        /// <param name="transform">Applied to the pixels (0…255 as floats); null means <see cref="ToTensor"/>.</param>
        /// <param name="name">A name for messages; null means the folder's name.</param>
        public static InMemoryDataset Load(string root, int channels, int height, int width, bool resize = false, ImageTransform? transform = null, string? name = null)
        {
            if (root is null) throw new ArgumentNullException(nameof(root));
            if (channels != 1 && channels != 3) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Image folders are read as 1 (grey) or 3 (RGB) channels.");
            if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"The image size {height}×{width} must be positive.");
            string full = Path.GetFullPath(root);
            if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"Image folder {full} does not exist.");
            name ??= Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));

            string[] classDirs = Directory.GetDirectories(full);
            Array.Sort(classDirs, StringComparer.Ordinal);
            if (classDirs.Length == 0)
                throw new InvalidDataException($"{full} has no sub-folders; an image folder holds one sub-folder per class (root/cat/001.png, root/dog/001.png, …).");

            var files = new List<(string Path, int Label)>();
            var classNames = new string[classDirs.Length];
            for (int c = 0; c < classDirs.Length; c++)
            {
                classNames[c] = Path.GetFileName(classDirs[c]);
                string[] entries = Directory.GetFiles(classDirs[c]);
                Array.Sort(entries, StringComparer.Ordinal);
                int before = files.Count;
                foreach (string f in entries)
                {
                    if (IsImage(f)) files.Add((f, c));
                }
                if (files.Count == before)
                    throw new InvalidDataException($"Class folder {classDirs[c]} has no {string.Join("/", Extensions)} files.");
            }

            int sampleSize = channels * height * width;
            var pixels = new float[(long)files.Count * sampleSize];
            var labels = new int[files.Count];
            for (int i = 0; i < files.Count; i++)
            {
                labels[i] = files[i].Label;
                Decode(files[i].Path, channels, height, width, resize, pixels.AsSpan(i * sampleSize, sampleSize));
            }
            (transform ?? new ToTensor()).Apply(pixels);
            return new InMemoryDataset(pixels, labels, channels, height, width, classNames.Length, name, classNames);
        }

        private static bool IsImage(string path)
        {
            string ext = Path.GetExtension(path);
            foreach (string e in Extensions)
            {
                if (string.Equals(ext, e, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        /// <summary>Decodes one file into CHW floats 0…255, checking or scaling its size.</summary>
        private static void Decode(string path, int channels, int height, int width, bool resize, Span<float> chw)
        {
            ImageResult image;
            try
            {
                image = ImageResult.FromMemory(File.ReadAllBytes(path), channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
            }
            catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
            {
                throw new InvalidDataException($"{path}: not a readable PNG or JPEG image ({e.Message}).", e);
            }
            if (image.Width != width || image.Height != height)
            {
                if (!resize)
                    throw new InvalidDataException(
                        $"{path}: the image is {image.Width}×{image.Height} (width×height), but the dataset declares {width}×{height}; " +
                        "resize the files, or pass resize: true to scale them when loading.");
                ResizeBilinear(image.Data, image.Width, image.Height, channels, chw, width, height);
                return;
            }
            // Interleaved HWC bytes to planar CHW floats.
            int plane = height * width;
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < channels; c++) chw[c * plane + p] = image.Data[p * channels + c];
            }
        }

        /// <summary>
        /// Bilinear scaling with half-pixel centres (PyTorch's <c>align_corners=False</c>, no antialiasing), from
        /// interleaved bytes to planar floats.
        /// </summary>
        internal static void ResizeBilinear(byte[] hwc, int inWidth, int inHeight, int channels, Span<float> chw, int outWidth, int outHeight)
        {
            int plane = outHeight * outWidth;
            for (int y = 0; y < outHeight; y++)
            {
                Source(y, inHeight, outHeight, out int y0, out int y1, out float fy);
                for (int x = 0; x < outWidth; x++)
                {
                    Source(x, inWidth, outWidth, out int x0, out int x1, out float fx);
                    for (int c = 0; c < channels; c++)
                    {
                        float top = hwc[(y0 * inWidth + x0) * channels + c] * (1 - fx) + hwc[(y0 * inWidth + x1) * channels + c] * fx;
                        float bottom = hwc[(y1 * inWidth + x0) * channels + c] * (1 - fx) + hwc[(y1 * inWidth + x1) * channels + c] * fx;
                        chw[c * plane + y * outWidth + x] = top * (1 - fy) + bottom * fy;
                    }
                }
            }
        }

        private static void Source(int i, int inSize, int outSize, out int i0, out int i1, out float frac)
        {
            float src = Math.Max(0f, (i + 0.5f) * inSize / outSize - 0.5f);
            i0 = Math.Min((int)src, inSize - 1);
            i1 = Math.Min(i0 + 1, inSize - 1);
            frac = src - i0;
        }
    }
}
