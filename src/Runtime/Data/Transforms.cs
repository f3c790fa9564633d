using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Data
{
    /// <summary>
    /// A transform applied to image data once, when a dataset is loaded. The pipeline starts from the raw
    /// pixel values as floats (0…255); <see cref="ToTensor"/> scales them to [0, 1] as torchvision's
    /// <c>ToTensor</c> does, <see cref="Normalize"/> then standardises them. Combine them with
    /// <see cref="Compose"/> or <see cref="Then"/>.
    /// </summary>
    public abstract class ImageTransform
    {
        /// <summary>Transforms <paramref name="pixels"/> in place (one or more whole images).</summary>
        public abstract void Apply(Span<float> pixels);

        /// <summary>This transform followed by <paramref name="next"/>.</summary>
        public ImageTransform Then(ImageTransform next) => new Compose(this, next);
    }

    /// <summary>Divides by 255, mapping byte pixel values to [0, 1].</summary>
    public sealed class ToTensor : ImageTransform
    {
        public override void Apply(Span<float> pixels)
            => System.Numerics.Tensors.TensorPrimitives.Multiply(pixels, 1f / 255f, pixels);

        public override string ToString() => "ToTensor()";
    }

    /// <summary>(x − mean) / std, with one mean and standard deviation for every pixel (single-channel data).</summary>
    public sealed class Normalize : ImageTransform
    {
        /// <param name="mean">Subtracted from every value; MNIST's training mean is 0.1307 after <see cref="ToTensor"/>.</param>
        /// <param name="std">Divides every value; must be positive. MNIST's is 0.3081.</param>
        public Normalize(float mean, float std)
        {
            if (!float.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "The mean must be a finite number.");
            if (!(std > 0) || !float.IsFinite(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "The standard deviation must be a positive finite number.");
            Mean = mean;
            Std = std;
        }

        public float Mean { get; }

        public float Std { get; }

        public override void Apply(Span<float> pixels)
        {
            // (x - mean) / std as one multiply-add per value: x * (1/std) + (-mean/std).
            float scale = 1f / Std;
            float shift = -Mean / Std;
            for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] * scale + shift;
        }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "Normalize({0}, {1})", Mean, Std);
    }

    /// <summary>Several transforms applied in order.</summary>
    public sealed class Compose : ImageTransform
    {
        private readonly ImageTransform[] _transforms;

        public Compose(params ImageTransform[] transforms)
        {
            if (transforms is null) throw new ArgumentNullException(nameof(transforms));
            var flat = new List<ImageTransform>();
            foreach (var t in transforms)
            {
                if (t is null) throw new ArgumentException("A transform in the list is null.", nameof(transforms));
                if (t is Compose c) flat.AddRange(c._transforms);
                else flat.Add(t);
            }
            _transforms = flat.ToArray();
        }

        public IReadOnlyList<ImageTransform> Transforms => _transforms;

        public override void Apply(Span<float> pixels)
        {
            foreach (var t in _transforms) t.Apply(pixels);
        }

        public override string ToString() => "Compose(" + string.Join(", ", (object[])_transforms) + ")";
    }
}
