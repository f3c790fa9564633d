using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using CnnGen.IO;

namespace CnnGen.Data
{
    /// <summary>
    /// CIFAR-10 in its binary form: <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> (training, 50,000 images)
    /// and <c>test_batch.bin</c> (10,000), each a run of 3,073-byte records: one label byte (0…9), then 3,072
    /// pixel bytes of a 32×32 colour image, the red plane, then green, then blue, each row by row, which is
    /// already the C×H×W order the networks take.
    /// <para>
    /// <see cref="Load"/> looks for the six files in <c>&lt;data&gt;/cifar-10/</c> (or in its
    /// <c>cifar-10-batches-bin/</c> sub-folder, as the archive unpacks); when they are missing it downloads
    /// <c>cifar-10-binary.tar.gz</c> from <see cref="DefaultSourceUrl"/> and unpacks the six files into place,
    /// like MNIST's first use (<see cref="DatasetFetcher"/>).
    /// </para>
    /// </summary>
    public static class Cifar10
    {
        public const int Channels = 3;
        public const int Side = 32;

        /// <summary>Pixel bytes per record: 3 × 32 × 32.</summary>
        public const int ImageBytes = Channels * Side * Side;

        /// <summary>Bytes per record: the label byte and the pixels.</summary>
        public const int RecordBytes = 1 + ImageBytes;

        /// <summary>Where the binary version is published by its authors (Krizhevsky, Nair and Hinton).</summary>
        public const string DefaultSourceUrl = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

        /// <summary>The sub-folder of the data folder the files go in.</summary>
        public const string Subdirectory = "cifar-10";

        /// <summary>The class names, in label order.</summary>
        public static readonly string[] ClassNames =
        {
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
        };

        /// <summary>The five training files, in order.</summary>
        public static readonly string[] TrainFiles = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" };

        /// <summary>The test file.</summary>
        public const string TestFile = "test_batch.bin";

        /// <summary>
        /// Loads the training set (the five data batches, in order) or the test set, fetching the files on first use.
        /// </summary>
        /// <param name="dataDirectory">The data folder; null means ./data.</param>
        /// <param name="train">The 50,000 training images, or the 10,000 test images.</param>
        /// <param name="transform">Applied to the pixels (0…255 as floats); null means <see cref="ToTensor"/>.</param>
        /// <param name="download">Fetch the files if they are missing.</param>
        /// <param name="log">Progress messages while fetching; null writes them to the console.</param>
        /// <param name="sourceUrl">Where to download the archive from; null means <see cref="DefaultSourceUrl"/> (a mirror can be given).</param>
        public static InMemoryDataset Load(string? dataDirectory = null, bool train = true, ImageTransform? transform = null, bool download = true,
            Action<string>? log = null, string? sourceUrl = null)
        {
            string dir = LocateOrFetch(dataDirectory, download, log, sourceUrl);
            var files = new List<string>();
            foreach (string f in train ? TrainFiles : new[] { TestFile }) files.Add(Path.Combine(dir, f));
            return FromBinaryFiles(files, transform, train ? "CIFAR-10 train" : "CIFAR-10 test");
        }

        /// <summary>Reads CIFAR-10 binary batch files, one after another, into one dataset.</summary>
        public static InMemoryDataset FromBinaryFiles(IReadOnlyList<string> paths, ImageTransform? transform = null, string name = "CIFAR-10")
        {
            if (paths is null || paths.Count == 0) throw new ArgumentException("At least one CIFAR-10 batch file is needed.", nameof(paths));
            var contents = new byte[paths.Count][];
            long records = 0;
            for (int f = 0; f < paths.Count; f++)
            {
                contents[f] = File.ReadAllBytes(paths[f]);
                CheckRecords(contents[f], paths[f]);
                records += contents[f].Length / RecordBytes;
            }
            if (records * ImageBytes > Array.MaxLength)
                throw new InvalidDataException($"{name}: {records} records are more than one float array can hold.");
            var pixels = new float[records * ImageBytes];
            var labels = new int[records];
            int at = 0;
            foreach (byte[] bytes in contents)
            {
                for (int r = 0; r < bytes.Length / RecordBytes; r++, at++)
                {
                    labels[at] = bytes[r * RecordBytes];
                    System.Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float>(
                        bytes.AsSpan(r * RecordBytes + 1, ImageBytes), pixels.AsSpan(at * ImageBytes, ImageBytes));
                }
            }
            (transform ?? new ToTensor()).Apply(pixels);
            return new InMemoryDataset(pixels, labels, Channels, Side, Side, ClassNames.Length, name, ClassNames);
        }

        /// <summary>Throws, naming the file and the record, unless <paramref name="bytes"/> is whole records with labels 0…9.</summary>
        private static void CheckRecords(byte[] bytes, string path)
        {
            string file = Path.GetFileName(path);
            if (bytes.Length == 0)
                throw new InvalidDataException($"{file}: the file is empty; a CIFAR-10 batch holds records of {RecordBytes} bytes (1 label byte + {ImageBytes} pixel bytes).");
            if (bytes.Length % RecordBytes != 0)
                throw new InvalidDataException(
                    $"{file}: {bytes.Length} bytes is not a whole number of {RecordBytes}-byte records (1 label byte + {ImageBytes} pixel bytes); " +
                    $"record {bytes.Length / RecordBytes} is cut off after {bytes.Length % RecordBytes} bytes.");
            for (int r = 0; r < bytes.Length / RecordBytes; r++)
            {
                int label = bytes[r * RecordBytes];
                if (label >= ClassNames.Length)
                    throw new InvalidDataException($"{file}: record {r} (byte offset {(long)r * RecordBytes}) has label {label}; CIFAR-10 labels are 0…{ClassNames.Length - 1}.");
            }
        }

        /// <summary>The folder holding the six batch files under <paramref name="dataDirectory"/>, fetching them first if they are missing.</summary>
        public static string LocateOrFetch(string? dataDirectory = null, bool download = true, Action<string>? log = null, string? sourceUrl = null)
        {
            string root = dataDirectory ?? DatasetFetcher.DefaultDataDirectory;
            string sub = Path.Combine(root, Subdirectory);
            foreach (string candidate in new[] { sub, Path.Combine(sub, "cifar-10-batches-bin"), root })
            {
                if (HasFiles(candidate)) return candidate;
            }
            string url = sourceUrl ?? DefaultSourceUrl;
            if (!download) throw new DatasetUnavailableException(MissingMessage(sub, url, "Downloading was turned off."));
            Fetch(sub, url, log);
            return sub;
        }

        /// <summary>True when all six batch files are in <paramref name="directory"/>.</summary>
        public static bool HasFiles(string directory)
        {
            foreach (string f in TrainFiles)
            {
                if (!File.Exists(Path.Combine(directory, f))) return false;
            }
            return File.Exists(Path.Combine(directory, TestFile));
        }

        /// <summary>Downloads the archive from <paramref name="url"/> and installs its six files into <paramref name="targetDirectory"/>.</summary>
        public static void Fetch(string targetDirectory, string url = DefaultSourceUrl, Action<string>? log = null)
        {
            log ??= Console.WriteLine;
            string full = Path.GetFullPath(targetDirectory);
            log($"CIFAR-10 not found in {full}; downloading {url} …");
            string temp = Path.Combine(Path.GetTempPath(), "cnngen-cifar-" + Guid.NewGuid().ToString("N") + ".tar.gz");
            try
            {
                try
                {
                    // A firewall that drops packets should fail in a minute, not after the whole download's allowance.
                    using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromMinutes(1) };
                    using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(30) };
                    using var response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                    response.EnsureSuccessStatusCode();
                    using var body = response.Content.ReadAsStream();
                    using var file = File.Create(temp);
                    body.CopyTo(file);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or System.Threading.Tasks.TaskCanceledException or InvalidOperationException or UriFormatException)
                {
                    throw new DatasetUnavailableException(MissingMessage(full, url, e.Message), e);
                }
                log(string.Format(CultureInfo.InvariantCulture, "Downloaded {0:0.0} MB; extracting …", new FileInfo(temp).Length / 1e6));
                InstallFromTarball(temp, full, log);
            }
            finally
            {
                AtomicFile.TryDelete(temp);
            }
        }

        /// <summary>
        /// Installs the six batch files from <c>cifar-10-binary.tar.gz</c> already on disk (downloaded elsewhere)
        /// into <paramref name="targetDirectory"/>; each file is written atomically.
        /// </summary>
        public static void InstallFromTarball(string tgzPath, string targetDirectory, Action<string>? log = null)
        {
            log ??= Console.WriteLine;
            string full = Path.GetFullPath(targetDirectory);
            Directory.CreateDirectory(full);
            var wanted = new HashSet<string>(TrainFiles, StringComparer.Ordinal) { TestFile };
            var found = new HashSet<string>(StringComparer.Ordinal);
            DatasetFetcher.ForEachTarFile(tgzPath, (entry, stream) =>
            {
                string name = entry.Substring(entry.LastIndexOf('/') + 1);
                if (!wanted.Contains(name)) return;
                AtomicFile.WriteStream(Path.Combine(full, name), s => stream.CopyTo(s));
                found.Add(name);
            });
            wanted.ExceptWith(found);
            if (wanted.Count > 0)
                throw new DatasetUnavailableException(
                    $"{Path.GetFileName(tgzPath)} does not hold {string.Join(", ", wanted)}; is it the binary version of CIFAR-10 (cifar-10-binary.tar.gz)?");
            log($"CIFAR-10 is ready in {full}.");
        }

        private static string MissingMessage(string directory, string url, string reason)
            => $"The CIFAR-10 files could not be fetched from {url}: {reason}\n" +
               $"Put {string.Join(", ", TrainFiles)} and {TestFile} in {Path.GetFullPath(directory)} and run again: they are the " +
               "cifar-10-batches-bin folder of cifar-10-binary.tar.gz (the binary version, not the Python or MATLAB one), " +
               "or call Cifar10.InstallFromTarball with that archive.";
    }
}
