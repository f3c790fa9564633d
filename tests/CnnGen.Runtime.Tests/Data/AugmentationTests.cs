using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Data;
using Xunit;

namespace CnnGen.Tests.Data
{
    public class AugmentationTests
    {
        // One 2-channel 3×3 image: channel 0 holds 1…9, channel 1 holds 11…19, row by row.
        private static float[] Image() => new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19 };

        [Fact]
        public void Crop_shifts_in_zeros_from_the_edges()
        {
            // Offset (dy, dx) = (1, -1): output[y, x] = input[y + 1, x - 1], i.e. the crop window of the padded
            // image starts one row down and one column left of the original.
            var image = Image();
            RandomCrop.Crop(image, 2, 3, 3, 1, -1);
            Assert.Equal(new float[] { 0, 4, 5, 0, 7, 8, 0, 0, 0, 0, 14, 15, 0, 17, 18, 0, 0, 0 }, image);

            image = Image();
            RandomCrop.Crop(image, 2, 3, 3, -2, 2);
            Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 13, 0, 0 }, image);
        }

        [Fact]
        public void Random_crop_visits_every_offset_within_the_padding_and_nothing_else()
        {
            // With padding 1 on a 3×3 image there are nine crops; each must be one of the hand-listed shifts
            // of the image, and all nine must occur over many samples.
            var seen = new HashSet<(int, int)>();
            var crop = new RandomCrop(1);
            for (int index = 0; index < 400; index++)
            {
                var image = Image();
                var random = new AugmentationRandom(3, 0, index);
                crop.Apply(image, 2, 3, 3, ref random);
                var match = ShiftsOf(1).Where(s => Shifted(s.Dy, s.Dx).SequenceEqual(image)).ToList();
                Assert.Single(match);
                seen.Add(match[0]);
            }
            Assert.Equal(9, seen.Count);
        }

        private static IEnumerable<(int Dy, int Dx)> ShiftsOf(int padding)
        {
            for (int dy = -padding; dy <= padding; dy++)
                for (int dx = -padding; dx <= padding; dx++) yield return (dy, dx);
        }

        /// <summary>The 2×3×3 image shifted by hand: out[c, y, x] = in[c, y + dy, x + dx] or 0.</summary>
        private static float[] Shifted(int dy, int dx)
        {
            var src = Image();
            var dst = new float[src.Length];
            for (int c = 0; c < 2; c++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 3; x++)
                    {
                        int sy = y + dy, sx = x + dx;
                        if (sy >= 0 && sy < 3 && sx >= 0 && sx < 3) dst[c * 9 + y * 3 + x] = src[c * 9 + sy * 3 + sx];
                    }
            return dst;
        }

        [Fact]
        public void Flip_mirrors_every_row_of_every_channel()
        {
            var image = Image();
            var random = new AugmentationRandom(1, 0, 0);
            new RandomHorizontalFlip(1.0).Apply(image, 2, 3, 3, ref random);
            Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4, 9, 8, 7, 13, 12, 11, 16, 15, 14, 19, 18, 17 }, image);

            image = Image();
            new RandomHorizontalFlip(0.0).Apply(image, 2, 3, 3, ref random);
            Assert.Equal(Image(), image);
        }

        [Fact]
        public void Flip_with_probability_one_half_flips_about_half()
        {
            int flips = 0;
            var flip = new RandomHorizontalFlip();
            for (int index = 0; index < 2000; index++)
            {
                var image = Image();
                var random = new AugmentationRandom(9, 2, index);
                flip.Apply(image, 2, 3, 3, ref random);
                if (image[0] == 3) flips++;
            }
            Assert.InRange(flips, 900, 1100);   // ±4.5 standard deviations of a fair coin
        }

        [Fact]
        public void Normalize_uses_each_channels_statistics()
        {
            var image = Image();
            var random = new AugmentationRandom(0, 0, 0);
            new NormalizeChannels(new[] { 5f, 15f }, new[] { 2f, 4f }).Apply(image, 2, 3, 3, ref random);
            Assert.Equal(new float[] { -2, -1.5f, -1, -0.5f, 0, 0.5f, 1, 1.5f, 2, -1, -0.75f, -0.5f, -0.25f, 0, 0.25f, 0.5f, 0.75f, 1 }, image);
        }

        [Fact]
        public void Normalize_rejects_a_channel_count_mismatch_by_name()
        {
            var random = new AugmentationRandom(0, 0, 0);
            var e = Assert.Throws<ArgumentException>(() => new NormalizeChannels(new[] { 0f, 0f, 0f }, new[] { 1f, 1f, 1f }).Apply(Image(), 2, 3, 3, ref random));
            Assert.Contains("3 channel statistics but the image has 2 channels", e.Message);
        }

        [Fact]
        public void Pipeline_applies_in_order()
        {
            // Flip, then normalise: the normalised values of the mirrored image.
            var image = Image();
            var random = new AugmentationRandom(0, 0, 0);
            new RandomHorizontalFlip(1.0).Then(new NormalizeChannels(new[] { 1f, 11f }, new[] { 1f, 1f })).Apply(image, 2, 3, 3, ref random);
            Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3, 8, 7, 6, 2, 1, 0, 5, 4, 3, 8, 7, 6 }, image);
        }

        /// <summary>Every sample's augmented pixels, by dataset index, for one epoch of a loader.</summary>
        private static float[][] Augmented(InMemoryDataset data, int batchSize, int workers, bool prefetch, int epoch)
        {
            var augmentation = new RandomCrop(2).Then(new RandomHorizontalFlip()).Then(new NormalizeChannels(new[] { 0.5f, 0.25f }, new[] { 0.5f, 2f }));
            using var loader = new DataLoader(data, batchSize, shuffle: true, seed: 42, prefetch: prefetch, augmentation: augmentation, workers: workers);
            var order = loader.EpochOrder(epoch);
            var bySample = new float[data.Count][];
            int at = 0;
            foreach (var batch in loader.Epoch(epoch))
            {
                for (int i = 0; i < batch.Count; i++, at++)
                    bySample[order[at]] = batch.Input.Slice(i * data.SampleSize, data.SampleSize).ToArray();
            }
            return bySample;
        }

        [Fact]
        public void Loader_augmentation_depends_on_seed_epoch_and_index_only()
        {
            const int count = 37, side = 6;
            var images = new float[count * 2 * side * side];
            for (int i = 0; i < images.Length; i++) images[i] = (i * 7919 % 101) / 101f;
            var data = new InMemoryDataset(images, new int[count], 2, side, side, 1, "patterns");

            var reference = Augmented(data, batchSize: 8, workers: 1, prefetch: false, epoch: 3);
            var threaded = Augmented(data, batchSize: 5, workers: 4, prefetch: true, epoch: 3);
            for (int s = 0; s < count; s++) Assert.Equal(reference[s], threaded[s]);

            // Another epoch draws other crops and flips for most samples.
            var next = Augmented(data, batchSize: 8, workers: 2, prefetch: true, epoch: 4);
            Assert.True(Enumerable.Range(0, count).Count(s => !reference[s].SequenceEqual(next[s])) > count / 2);
            // The dataset itself is untouched.
            for (int i = 0; i < images.Length; i++) Assert.Equal((i * 7919 % 101) / 101f, data.Images[i]);
        }

        [Fact]
        public void Loader_serves_float_targets_with_their_samples()
        {
            var images = new float[] { 0, 1, 2, 3, 4, 5 };                      // 3 samples of 1×1×2
            var targets = new float[] { 0.5f, -1, 1.5f, -2, 2.5f, -3 };         // 2 targets each
            var data = InMemoryDataset.WithTargets(images, targets, 2, 1, 1, 2, "regression");
            Assert.False(data.HasLabels);
            Assert.Contains("float targets", Assert.Throws<InvalidOperationException>(() => data.Labels).Message);
            using var loader = new DataLoader(data, batchSize: 2, shuffle: true, seed: 5);
            var order = loader.EpochOrder(0);
            int at = 0;
            foreach (var batch in loader.Epoch(0))
            {
                for (int i = 0; i < batch.Count; i++, at++)
                {
                    int s = order[at];
                    Assert.Equal(new[] { images[2 * s], images[2 * s + 1] }, batch.Input.Slice(2 * i, 2).ToArray());
                    Assert.Equal(new[] { targets[2 * s], targets[2 * s + 1] }, batch.Targets.Slice(2 * i, 2).ToArray());
                }
            }
            Assert.Equal(3, at);
        }
    }
}
