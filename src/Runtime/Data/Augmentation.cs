using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Data
{
    /// <summary>
    /// A per-sample transform that the <see cref="DataLoader"/> applies to each image as it fills a batch, on
    /// its background thread, after copying the image out of the dataset (the dataset itself is never changed).
    /// Random ones (<see cref="RandomCrop"/>, <see cref="RandomHorizontalFlip"/>) draw from an
    /// <see cref="AugmentationRandom"/> made from (seed, epoch, sample index) alone, so a sample's augmented
    /// pixels are the same whatever the thread count, the batch size or the order of the epoch.
    /// <para>
    /// Unlike <see cref="ImageTransform"/>, which runs once at load time, these run every epoch; put
    /// <see cref="NormalizeChannels"/> here, after the crop, so that the crop's zero padding is normalised the
    /// way torchvision's <c>Compose([RandomCrop(32, 4), RandomHorizontalFlip(), ToTensor(), Normalize(…)])</c> does it.
    /// </para>
    /// <para>
    /// With <c>workers</c> &gt; 1 several threads call <see cref="Apply"/> at once: an augmentation keeps no
    /// mutable state of its own (scratch memory, if any, per thread).
    /// </para>
    /// </summary>
    public abstract class Augmentation
    {
        /// <summary>Transforms one image (channels × height × width floats, CHW) in place.</summary>
        public abstract void Apply(Span<float> image, int channels, int height, int width, ref AugmentationRandom random);

        /// <summary>This augmentation followed by <paramref name="next"/>.</summary>
        public Augmentation Then(Augmentation next) => new AugmentationPipeline(this, next);

        /// <summary>Throws unless <paramref name="image"/> holds exactly one image of the given shape.</summary>
        protected void CheckImage(Span<float> image, int channels, int height, int width)
        {
            if (channels <= 0 || height <= 0 || width <= 0 || image.Length != (long)channels * height * width)
                throw new ArgumentException($"{this}: an image of ({channels}, {height}, {width}) needs {(long)channels * height * width} values, got {image.Length}.", nameof(image));
        }
    }

    /// <summary>
    /// The random numbers of one sample's augmentation: a SplitMix64 stream whose start is a hash of (seed,
    /// epoch, sample index). A struct, so drawing allocates nothing; each augmentation in a pipeline takes the
    /// next numbers of the same stream, in pipeline order.
    /// </summary>
    public struct AugmentationRandom
    {
        private ulong _state;

        /// <summary>The stream of sample <paramref name="index"/> (its index in the dataset) in epoch <paramref name="epoch"/>.</summary>
        public AugmentationRandom(ulong seed, int epoch, int index)
        {
            // Distinct odd multipliers keep (seed, epoch, index) triples apart before the first mixing step.
            _state = seed * 0xD6E8FEB86659FD93UL ^ (ulong)(uint)epoch * 0xA0761D6478BD642FUL ^ (ulong)(uint)index * 0xE7037ED1A0B428DBUL;
            NextUInt64();
        }

        /// <summary>Next 64 random bits (SplitMix64).</summary>
        public ulong NextUInt64()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform integer in [0, <paramref name="bound"/>), as torch.randint(0, bound).</summary>
        public int NextInt(int bound)
        {
            if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
            // Multiply-shift: the high 32 bits of a 32-bit random times the bound.
            return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
        }

        /// <summary>Uniform in [0, 1), 53 bits, as torch.rand(1).</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// torchvision's <c>RandomCrop(size, padding)</c> with the crop as large as the image: pad every side with
    /// <see cref="Padding"/> zeros, then cut out an image of the original size at a random offset, so the
    /// content moves by up to ±padding pixels in each direction and zeros come in from the edges. The same
    /// offset is used for every channel.
    /// </summary>
    public sealed class RandomCrop : Augmentation
    {
        [ThreadStatic]
        private static float[]? t_scratch;

        /// <param name="padding">Zeros added on each side before cropping (4 for CIFAR-10's usual recipe).</param>
        public RandomCrop(int padding)
        {
            if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding must be ≥ 0.");
            Padding = padding;
        }

        public int Padding { get; }

        public override void Apply(Span<float> image, int channels, int height, int width, ref AugmentationRandom random)
        {
            CheckImage(image, channels, height, width);
            // Top-left corner of the crop in the padded image; torchvision draws the row first, then the column.
            int top = random.NextInt(2 * Padding + 1);
            int left = random.NextInt(2 * Padding + 1);
            Crop(image, channels, height, width, top - Padding, left - Padding);
        }

        /// <summary>output[c, y, x] = input[c, y + dy, x + dx], zero where that falls outside the image.</summary>
        internal static void Crop(Span<float> image, int channels, int height, int width, int dy, int dx)
        {
            if (dy == 0 && dx == 0) return;
            var scratch = t_scratch is { } s && s.Length >= image.Length ? s : (t_scratch = new float[image.Length]);
            image.CopyTo(scratch);
            image.Clear();
            int x0 = Math.Max(0, -dx), x1 = Math.Min(width, width - dx);
            int y0 = Math.Max(0, -dy), y1 = Math.Min(height, height - dy);
            if (x0 >= x1 || y0 >= y1) return;
            for (int c = 0; c < channels; c++)
            {
                int plane = c * height * width;
                for (int y = y0; y < y1; y++)
                {
                    scratch.AsSpan(plane + (y + dy) * width + x0 + dx, x1 - x0)
                        .CopyTo(image.Slice(plane + y * width + x0, x1 - x0));
                }
            }
        }

        public override string ToString() => $"RandomCrop(padding: {Padding})";
    }

    /// <summary>torchvision's <c>RandomHorizontalFlip(p)</c>: mirrors the image left to right with probability p.</summary>
    public sealed class RandomHorizontalFlip : Augmentation
    {
        /// <param name="probability">Chance of a flip, in [0, 1]; torchvision's default is 0.5.</param>
        public RandomHorizontalFlip(double probability = 0.5)
        {
            if (!(probability >= 0 && probability <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "The probability must be in [0, 1].");
            Probability = probability;
        }

        public double Probability { get; }

        public override void Apply(Span<float> image, int channels, int height, int width, ref AugmentationRandom random)
        {
            CheckImage(image, channels, height, width);
            if (random.NextDouble() >= Probability) return;
            for (int row = 0; row < channels * height; row++) image.Slice(row * width, width).Reverse();
        }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "RandomHorizontalFlip({0})", Probability);
    }

    /// <summary>
    /// torchvision's <c>Normalize(mean, std)</c>: (x − mean[c]) / std[c] for each channel c, computed as a
    /// subtraction then a division like torchvision, so results agree to the last bit.
    /// </summary>
    public sealed class NormalizeChannels : Augmentation
    {
        private readonly float[] _mean;
        private readonly float[] _std;

        /// <param name="mean">One mean per channel.</param>
        /// <param name="std">One positive standard deviation per channel.</param>
        public NormalizeChannels(float[] mean, float[] std)
        {
            if (mean is null) throw new ArgumentNullException(nameof(mean));
            if (std is null) throw new ArgumentNullException(nameof(std));
            if (mean.Length == 0 || mean.Length != std.Length)
                throw new ArgumentException($"NormalizeChannels needs one mean and one std per channel; got {mean.Length} means and {std.Length} stds.", nameof(std));
            for (int c = 0; c < mean.Length; c++)
            {
                if (!float.IsFinite(mean[c])) throw new ArgumentOutOfRangeException(nameof(mean), mean[c], $"Mean of channel {c} must be a finite number.");
                if (!(std[c] > 0) || !float.IsFinite(std[c])) throw new ArgumentOutOfRangeException(nameof(std), std[c], $"Std of channel {c} must be a positive finite number.");
            }
            _mean = (float[])mean.Clone();
            _std = (float[])std.Clone();
        }

        public IReadOnlyList<float> Mean => _mean;

        public IReadOnlyList<float> Std => _std;

        public override void Apply(Span<float> image, int channels, int height, int width, ref AugmentationRandom random)
        {
            CheckImage(image, channels, height, width);
            if (channels != _mean.Length)
                throw new ArgumentException($"{this} has {_mean.Length} channel statistics but the image has {channels} channels.", nameof(channels));
            int plane = height * width;
            for (int c = 0; c < channels; c++)
            {
                float m = _mean[c], s = _std[c];
                var p = image.Slice(c * plane, plane);
                for (int i = 0; i < p.Length; i++) p[i] = (p[i] - m) / s;
            }
        }

        public override string ToString()
            => string.Format(CultureInfo.InvariantCulture, "NormalizeChannels([{0}], [{1}])", string.Join(", ", _mean), string.Join(", ", _std));
    }

    /// <summary>Several augmentations applied in order, drawing from one random stream per sample.</summary>
    public sealed class AugmentationPipeline : Augmentation
    {
        private readonly Augmentation[] _steps;

        public AugmentationPipeline(params Augmentation[] steps)
        {
            if (steps is null) throw new ArgumentNullException(nameof(steps));
            var flat = new List<Augmentation>();
            foreach (var step in steps)
            {
                if (step is null) throw new ArgumentException("An augmentation in the list is null.", nameof(steps));
                if (step is AugmentationPipeline p) flat.AddRange(p._steps);
                else flat.Add(step);
            }
            _steps = flat.ToArray();
        }

        public IReadOnlyList<Augmentation> Steps => _steps;

        public override void Apply(Span<float> image, int channels, int height, int width, ref AugmentationRandom random)
        {
            foreach (var step in _steps) step.Apply(image, channels, height, width, ref random);
        }

        public override string ToString() => "AugmentationPipeline(" + string.Join(", ", (object[])_steps) + ")";
    }
}
