using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Training;
using ScottPlot;
using SkiaSharp;
using CnnGen.IO;

namespace CnnGen.Plotting
{
    /// <summary>
    /// PNG charts and pictures for training runs: loss and accuracy curves from a <see cref="RunLog"/>, a titled
    /// grid of images (samples with predicted and true labels), and single greyscale arrays such as feature maps.
    /// Every file is written to a temporary name and renamed into place.
    /// </summary>
    public static class Plots
    {
        /// <summary>
        /// Loss (left) and accuracy (right) per epoch, one line per run: training solid, test dashed.
        /// </summary>
        /// <param name="log">The runs to draw.</param>
        /// <param name="path">The PNG to write.</param>
        /// <param name="width">Image width in pixels.</param>
        /// <param name="height">Image height in pixels.</param>
        /// <param name="title">A title over both charts, or null.</param>
        public static void SaveTrainingCurves(RunLog log, string path, int width = 1400, int height = 550, string? title = null)
        {
            if (log is null) throw new ArgumentNullException(nameof(log));
            var multiplot = new Multiplot();
            multiplot.AddPlots(2);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
            FillCurves(multiplot.GetPlot(0), log, loss: true, title is null ? "Loss" : title + ": loss");
            FillCurves(multiplot.GetPlot(1), log, loss: false, title is null ? "Accuracy" : title + ": accuracy");
            AtomicFile.Write(path, tmp => multiplot.SavePng(tmp, width, height));
        }

        /// <summary>Loss per epoch, one line per run (training solid, test dashed).</summary>
        public static void SaveLossCurves(RunLog log, string path, int width = 800, int height = 500)
        {
            var plot = new Plot();
            FillCurves(plot, log, loss: true, "Loss");
            AtomicFile.Write(path, tmp => plot.SavePng(tmp, width, height));
        }

        /// <summary>Accuracy per epoch, one line per run (training solid, test dashed).</summary>
        public static void SaveAccuracyCurves(RunLog log, string path, int width = 800, int height = 500)
        {
            var plot = new Plot();
            FillCurves(plot, log, loss: false, "Accuracy");
            AtomicFile.Write(path, tmp => plot.SavePng(tmp, width, height));
        }

        private static void FillCurves(Plot plot, RunLog log, bool loss, string title)
        {
            var palette = new ScottPlot.Palettes.Category10();
            var runs = log.Runs();
            for (int r = 0; r < runs.Count; r++)
            {
                var (run, epochs) = runs[r];
                var color = palette.GetColor(r);
                string label = runs.Count == 1 && run.Count == 0 ? "" : $"run {run.Index}" + (run.Count > 0 ? ": " + run : "");
                double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
                var train = plot.Add.Scatter(xs, epochs.Select(e => loss ? e.TrainLoss : e.TrainAccuracy).ToArray(), color);
                train.LegendText = Join(label, "train");
                train.LineWidth = 2;
                var withTest = epochs.Where(e => (loss ? e.TestLoss : e.TestAccuracy) is not null).ToArray();
                if (withTest.Length > 0)
                {
                    var test = plot.Add.Scatter(withTest.Select(e => (double)e.Epoch).ToArray(),
                        withTest.Select(e => (loss ? e.TestLoss : e.TestAccuracy)!.Value).ToArray(), color);
                    test.LegendText = Join(label, "test");
                    test.LinePattern = LinePattern.Dashed;
                    test.LineWidth = 2;
                }
            }
            plot.Title(title);
            plot.XLabel("epoch");
            // Epochs are whole numbers: no 1.2, 1.4, … ticks.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            plot.YLabel(loss ? "cross-entropy" : "accuracy");
            plot.ShowLegend(loss ? Alignment.UpperRight : Alignment.LowerRight);
        }

        private static string Join(string a, string b) => a.Length == 0 ? b : a + " (" + b + ")";

        /// <summary>
        /// A grid of greyscale images, each with its own title, e.g. 20 test digits in 4 × 5 titled
        /// "Predicted: 7, Label: 7".
        /// </summary>
        /// <param name="path">The PNG to write.</param>
        /// <param name="images">The images, each <paramref name="height"/> × <paramref name="width"/> values (the first channel is drawn).</param>
        /// <param name="height">Rows of each image.</param>
        /// <param name="width">Columns of each image.</param>
        /// <param name="rows">Grid rows.</param>
        /// <param name="columns">Grid columns.</param>
        /// <param name="titles">One title per image, or null.</param>
        /// <param name="cellPixels">Width of each grid cell in the PNG.</param>
        public static void SaveImageGrid(string path, IReadOnlyList<float[]> images, int height, int width, int rows, int columns, IReadOnlyList<string>? titles = null, int cellPixels = 220)
        {
            if (images is null) throw new ArgumentNullException(nameof(images));
            if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "The image size must be positive.");
            if (rows <= 0 || columns <= 0) throw new ArgumentOutOfRangeException(nameof(rows), "The grid must have at least one row and column.");
            if (images.Count > rows * columns)
                throw new ArgumentException($"{images.Count} images do not fit a {rows}×{columns} grid.", nameof(images));
            if (titles is not null && titles.Count != images.Count)
                throw new ArgumentException($"{titles.Count} titles for {images.Count} images.", nameof(titles));
            var multiplot = new Multiplot();
            multiplot.AddPlots(images.Count);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
            for (int i = 0; i < images.Count; i++)
            {
                if (images[i].Length < height * width)
                    throw new ArgumentException($"Image {i} has {images[i].Length} values, fewer than {height}×{width}.", nameof(images));
                var plot = multiplot.GetPlot(i);
                var hm = plot.Add.Heatmap(ToGrid(images[i], height, width));
                hm.Colormap = new ScottPlot.Colormaps.Grayscale();
                plot.Axes.Frameless();
                plot.HideGrid();
                plot.Axes.SquareUnits();
                if (titles is not null) plot.Title(titles[i], 13);
            }
            int cellHeight = (int)(cellPixels * ((double)height / width)) + 30;
            AtomicFile.Write(path, tmp => multiplot.SavePng(tmp, columns * cellPixels, rows * cellHeight));
        }

        /// <summary>
        /// Samples of a dataset in a grid titled "Predicted: p, Label: l" (or "Label: l" without predictions).
        /// </summary>
        /// <param name="path">The PNG to write.</param>
        /// <param name="dataset">Where the images come from.</param>
        /// <param name="indices">Which samples.</param>
        /// <param name="predicted">The predicted class of each sample in <paramref name="indices"/>, or null.</param>
        /// <param name="rows">Grid rows.</param>
        /// <param name="columns">Grid columns.</param>
        public static void SaveSampleGrid(string path, InMemoryDataset dataset, IReadOnlyList<int> indices, IReadOnlyList<int>? predicted = null, int rows = 4, int columns = 5)
        {
            if (dataset is null) throw new ArgumentNullException(nameof(dataset));
            if (indices is null) throw new ArgumentNullException(nameof(indices));
            if (predicted is not null && predicted.Count != indices.Count)
                throw new ArgumentException($"{predicted.Count} predictions for {indices.Count} samples.", nameof(predicted));
            var images = indices.Select(i => dataset.GetImage(i).Slice(0, dataset.Height * dataset.Width).ToArray()).ToArray();
            var titles = indices.Select((i, k) =>
            {
                string label = dataset.ClassNames[dataset.Labels[i]];
                return predicted is null ? "Label: " + label : $"Predicted: {dataset.ClassNames[predicted[k]]}, Label: {label}";
            }).ToArray();
            SaveImageGrid(path, images, dataset.Height, dataset.Width, rows, columns, titles);
        }

        /// <summary>
        /// One greyscale array (an image, a pooled feature map) as a PNG, each value a <paramref name="scale"/> ×
        /// <paramref name="scale"/> square (nearest neighbour, no smoothing). Values are mapped linearly from
        /// [min, max] (by default the array's own range) to black…white.
        /// </summary>
        /// <param name="path">The PNG to write.</param>
        /// <param name="values">Row-major, <paramref name="height"/> × <paramref name="width"/>.</param>
        /// <param name="height">Rows.</param>
        /// <param name="width">Columns.</param>
        /// <param name="scale">Pixels per value along each side.</param>
        /// <param name="min">The value drawn black; null: the smallest value.</param>
        /// <param name="max">The value drawn white; null: the largest value.</param>
        public static void SaveGreyscale(string path, ReadOnlySpan<float> values, int height, int width, int scale = 8, float? min = null, float? max = null)
        {
            if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "The image size must be positive.");
            if (scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive.");
            if (values.Length != height * width)
                throw new ArgumentException($"{values.Length} values for a {height}×{width} image ({height * width} needed).", nameof(values));
            float lo = min ?? float.PositiveInfinity, hi = max ?? float.NegativeInfinity;
            if (min is null || max is null)
            {
                foreach (float v in values)
                {
                    if (!float.IsFinite(v)) continue;
                    if (min is null) lo = Math.Min(lo, v);
                    if (max is null) hi = Math.Max(hi, v);
                }
            }
            if (!(hi > lo)) { hi = lo + 1; }   // a constant map is drawn black rather than dividing by zero
            using var bitmap = new SKBitmap(width * scale, height * scale, SKColorType.Gray8, SKAlphaType.Opaque);
            var pixels = new byte[width * scale * height * scale];
            for (int y = 0; y < height * scale; y++)
            {
                for (int x = 0; x < width * scale; x++)
                {
                    float v = values[(y / scale) * width + x / scale];
                    float t = float.IsFinite(v) ? Math.Clamp((v - lo) / (hi - lo), 0f, 1f) : 0f;
                    pixels[y * width * scale + x] = (byte)Math.Round(t * 255);
                }
            }
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var image = SKImage.FromBitmap(bitmap);
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            byte[] png = data.ToArray();
            AtomicFile.WriteAllBytes(path, png);
        }

        private static double[,] ToGrid(float[] image, int height, int width)
        {
            var grid = new double[height, width];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) grid[y, x] = image[y * width + x];
            return grid;
        }
    }
}
