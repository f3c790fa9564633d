using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using CnnGen.Optim;
using CnnGen.IO;

namespace CnnGen.Training
{
    /// <summary>
    /// Where a run stood when its checkpoint was written: finished epochs, and for a run interrupted in the
    /// middle of an epoch, how far into the next one it got (so a resume continues with the next batch).
    /// </summary>
    public sealed record CheckpointState
    {
        /// <summary>The network class's name, checked on load.</summary>
        public string Network { get; init; } = "";

        /// <summary>Epochs finished.</summary>
        public int Epoch { get; init; }

        /// <summary>Batches already trained in epoch <see cref="Epoch"/> + 1 (0 at an epoch boundary).</summary>
        public int BatchesDone { get; init; }

        /// <summary>Running sums of the unfinished epoch: loss × samples, correct predictions, samples.</summary>
        public double PartialLossSum { get; init; }

        public long PartialCorrect { get; init; }

        public long PartialSamples { get; init; }

        /// <summary>Optimizer steps taken.</summary>
        public long Step { get; init; }

        /// <summary>The network's <see cref="INetwork.DropoutStep"/>, so a resumed run draws the same dropout masks.</summary>
        public ulong DropoutStep { get; init; }

        public float LearningRate { get; init; }

        /// <summary>Wall time of the run so far, across sessions.</summary>
        public TimeSpan RunDuration { get; init; }

        /// <summary>True when written because training was interrupted.</summary>
        public bool Interrupted { get; init; }

        public DateTimeOffset SavedAt { get; init; }

        /// <summary>The finished epochs' results.</summary>
        public IReadOnlyList<EpochResult> History { get; init; } = Array.Empty<EpochResult>();

        /// <summary>Early stopping: the epoch with the best monitored value so far (0: none yet).</summary>
        public int BestEpoch { get; init; }

        /// <summary>Early stopping: the best monitored value so far, or null.</summary>
        public double? BestMetric { get; init; }

        /// <summary>Early stopping: epochs since the best one (training stops when it reaches the patience).</summary>
        public int EpochsWithoutImprovement { get; init; }

        /// <summary>
        /// When saving: this checkpoint holds the best weights so far and becomes the best-model checkpoint. When
        /// loading: false (see <see cref="BestCheckpoint"/>).
        /// </summary>
        public bool IsBest { get; init; }

        /// <summary>The folder (inside the checkpoint directory) of the best-model checkpoint, or null; filled in by <see cref="Checkpoint.Save(string, INetwork, Optimizer, CheckpointState)"/>.</summary>
        public string? BestCheckpoint { get; init; }
    }

    /// <summary>
    /// Saves and restores training checkpoints. A checkpoint directory holds one folder per checkpoint
    /// (<c>ckpt-000007/</c> with <c>model.safetensors</c>, <c>optimizer.safetensors</c> and <c>checkpoint.json</c>)
    /// and a one-line pointer file, <c>latest</c>, naming the current one. A save writes a new folder under a
    /// temporary name, flushes it, renames it into place and only then replaces the pointer by an atomic rename:
    /// a process killed at any instruction leaves either the old checkpoint or the new one current, never a mix.
    /// Older folders are deleted after the pointer moves, except the best-model checkpoint of early stopping;
    /// leftovers of a killed save (<c>*.tmp</c>, folders no pointer names) are removed by <see cref="CleanUp"/>.
    /// <see cref="Load"/> checks everything before it changes the model or the optimizer.
    /// </summary>
    public static class Checkpoint
    {
        public const string ModelFileName = "model.safetensors";
        public const string OptimizerFileName = "optimizer.safetensors";
        public const string StateFileName = "checkpoint.json";

        /// <summary>The pointer file naming the current checkpoint folder.</summary>
        public const string PointerFileName = "latest";

        private const string FolderPrefix = "ckpt-";
        private const string TempSuffix = ".tmp";
        private const string Format = "cnngen-checkpoint/1";

        /// <summary>True when <paramref name="directory"/> has a current checkpoint (its pointer names a folder with all three files).</summary>
        public static bool Exists(string directory)
        {
            string? folder = TryCurrentFolder(directory);
            return folder is not null
                   && File.Exists(Path.Combine(folder, StateFileName))
                   && File.Exists(Path.Combine(folder, ModelFileName))
                   && File.Exists(Path.Combine(folder, OptimizerFileName));
        }

        /// <summary>
        /// The folder of the current checkpoint in <paramref name="directory"/>, or null when there is none.
        /// A checkpoint written by an earlier version (the three files directly in <paramref name="directory"/>) is its own folder.
        /// </summary>
        /// <exception cref="InvalidDataException">The pointer file does not name a checkpoint folder.</exception>
        public static string? TryCurrentFolder(string directory)
        {
            if (directory is null) throw new ArgumentNullException(nameof(directory));
            if (File.Exists(directory))
                throw new InvalidDataException($"{Path.GetFullPath(directory)}: this is a file; expected a checkpoint folder.");
            string pointer = Path.Combine(directory, PointerFileName);
            if (File.Exists(pointer))
            {
                string name = File.ReadAllText(pointer).Trim();
                if (!IsFolderName(name))
                    throw new InvalidDataException($"{Path.GetFullPath(pointer)}: holds '{Shorten(name)}', expected the name of a checkpoint folder such as '{FolderPrefix}000001'. Delete the file to start again.");
                string folder = Path.Combine(directory, name);
                if (!Directory.Exists(folder))
                    throw new InvalidDataException($"{Path.GetFullPath(pointer)}: names '{name}', but {Path.GetFullPath(folder)} does not exist.");
                return folder;
            }
            return File.Exists(Path.Combine(directory, StateFileName)) ? directory : null;
        }

        /// <summary>The best-model checkpoint's weights (early stopping), or null when the current checkpoint names none.</summary>
        public static string? BestModelPath(string directory)
        {
            var state = TryReadState(directory);
            return state?.BestCheckpoint is string best ? Path.Combine(directory, best, ModelFileName) : null;
        }

        /// <summary>Writes a checkpoint after <paramref name="epoch"/> finished epochs.</summary>
        /// <param name="directory">The checkpoint directory (created if missing).</param>
        /// <param name="model">The network, saved with <see cref="INetwork.Save"/>.</param>
        /// <param name="optimizer">The optimizer, saved with <see cref="Optimizer.SaveState"/>.</param>
        /// <param name="epoch">Epochs finished.</param>
        /// <param name="history">The finished epochs' results, kept so a resumed run reports the whole run.</param>
        /// <param name="runDuration">Wall time of the run so far.</param>
        public static void Save(string directory, INetwork model, Optimizer optimizer, int epoch, IReadOnlyList<EpochResult>? history = null, TimeSpan runDuration = default)
            => Save(directory, model, optimizer, new CheckpointState
            {
                Epoch = epoch,
                History = history ?? Array.Empty<EpochResult>(),
                RunDuration = runDuration,
            });

        /// <summary>Writes a checkpoint described by <paramref name="state"/> (its network, step, learning rate and best-model folder are filled in).</summary>
        public static void Save(string directory, INetwork model, Optimizer optimizer, CheckpointState state)
        {
            if (directory is null) throw new ArgumentNullException(nameof(directory));
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            if (state is null) throw new ArgumentNullException(nameof(state));
            if (state.Epoch < 0) throw new ArgumentOutOfRangeException(nameof(state), state.Epoch, "The epoch must be ≥ 0.");
            if (File.Exists(directory))
                throw new IOException($"{Path.GetFullPath(directory)}: this is a file; expected a folder for checkpoints.");
            Directory.CreateDirectory(directory);
            CleanUp(directory);

            // A damaged current checkpoint must not stop a new one from being written: it is simply not cleaned up.
            TryReadCurrent(directory, out string? previous, out string? previousBest);
            string name = NextFolderName(directory);
            state = state with
            {
                Network = model.Name,
                Step = optimizer.StepCount,
                DropoutStep = model.DropoutStep,
                LearningRate = optimizer.LearningRate,
                SavedAt = DateTimeOffset.UtcNow,
                BestCheckpoint = state.IsBest ? name : state.BestEpoch > 0 ? previousBest : null,
                IsBest = false,
            };
            byte[] json = ToJson(state);

            // 1. The new checkpoint, complete and on disk, under a name no reader looks at.
            string staging = Path.Combine(directory, name + TempSuffix);
            string final = Path.Combine(directory, name);
            Directory.CreateDirectory(staging);
            FaultInjection.Point("checkpoint folder created");
            try
            {
                model.Save(Path.Combine(staging, ModelFileName));
                AtomicFile.FlushToDisk(Path.Combine(staging, ModelFileName));
                FaultInjection.Point("model written");
                optimizer.SaveState(Path.Combine(staging, OptimizerFileName));
                AtomicFile.FlushToDisk(Path.Combine(staging, OptimizerFileName));
                FaultInjection.Point("optimizer written");
                AtomicFile.WriteAllBytes(Path.Combine(staging, StateFileName), json);
                FaultInjection.Point("checkpoint.json written");
                // 2. Renamed into place: complete, but not current until the pointer says so.
                Directory.Move(staging, final);
            }
            catch
            {
                TryDeleteFolder(staging);
                throw;
            }
            FaultInjection.Point("checkpoint folder renamed");

            // 3. The commit: one atomic rename of the pointer file.
            AtomicFile.WriteAllText(Path.Combine(directory, PointerFileName), name + "\n");
            FaultInjection.Point("pointer renamed");

            // 4. Older checkpoints go, except the best-model one.
            if (previous is not null && Path.GetFileName(previous) != state.BestCheckpoint)
            {
                TryDeleteFolder(previous);
                FaultInjection.Point("previous checkpoint deleted");
            }
            if (previousBest is not null && previousBest != state.BestCheckpoint && previousBest != name)
            {
                TryDeleteFolder(Path.Combine(directory, previousBest));
                FaultInjection.Point("previous best checkpoint deleted");
            }
        }

        /// <summary>
        /// Removes what a killed save left behind in <paramref name="directory"/>: temporary files and folders
        /// (<c>*.tmp</c>) and checkpoint folders that neither the pointer nor the current checkpoint's best-model
        /// entry names. Leaves everything alone when the pointer cannot be read (so nothing usable is lost).
        /// </summary>
        public static void CleanUp(string directory)
        {
            if (!Directory.Exists(directory)) return;
            foreach (string f in Directory.GetFiles(directory, "*" + TempSuffix)) AtomicFile.TryDelete(f);
            foreach (string d in Directory.GetDirectories(directory, FolderPrefix + "*" + TempSuffix)) TryDeleteFolder(d);
            if (!TryReadCurrent(directory, out string? current, out string? best) || current is null) return;
            foreach (string d in Directory.GetDirectories(directory, FolderPrefix + "*"))
            {
                string n = Path.GetFileName(d);
                if (IsFolderName(n) && n != Path.GetFileName(current) && n != best) TryDeleteFolder(d);
            }
        }

        /// <summary>Reads checkpoint.json of the current checkpoint only (no weights); null if there is no checkpoint in <paramref name="directory"/>.</summary>
        /// <exception cref="InvalidDataException">The pointer or checkpoint.json is damaged; the message names the file and field.</exception>
        public static CheckpointState? TryReadState(string directory)
        {
            string? folder = TryCurrentFolder(directory);
            if (folder is null) return null;
            string path = Path.Combine(folder, StateFileName);
            if (!File.Exists(path))
                throw new InvalidDataException($"The checkpoint in {Path.GetFullPath(folder)} is incomplete: {StateFileName} is missing.");
            return ReadStateFile(path);
        }

        /// <summary>
        /// Restores the model's weights and the optimizer's state from the current checkpoint in
        /// <paramref name="directory"/> and returns where the run stood. Everything is checked first (checkpoint.json's
        /// fields, the network's name, that both files exist, that the weights fit the network and are finite, that
        /// the optimizer's step agrees); a checkpoint refused for any reason leaves the model and the optimizer as
        /// they were.
        /// </summary>
        public static CheckpointState Load(string directory, INetwork model, Optimizer optimizer)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            var state = TryReadState(directory)
                ?? throw new FileNotFoundException($"No checkpoint in {Path.GetFullPath(directory)}: neither {PointerFileName} nor {StateFileName} is there.");
            string folder = TryCurrentFolder(directory)!;
            string where = Path.GetFullPath(folder);
            if (!string.Equals(state.Network, model.Name, StringComparison.Ordinal))
                throw new InvalidDataException($"The checkpoint in {where} is of network '{state.Network}', not '{model.Name}'.");
            foreach (string f in new[] { ModelFileName, OptimizerFileName })
            {
                if (!File.Exists(Path.Combine(folder, f)))
                    throw new FileNotFoundException($"The checkpoint in {where} is incomplete: {f} is missing.");
            }

            // The model's and the optimizer's own Load each change nothing when they refuse; together they are made
            // all-or-nothing by taking copies first and putting them back if the second part or the step check fails.
            var weights = WeightSnapshot.Capture(model);
            ulong dropoutStep = model.DropoutStep;
            string optimizerBackup = Path.Combine(Path.GetTempPath(), "cnngen-optimizer-" + Guid.NewGuid().ToString("N") + TempSuffix);
            bool optimizerLoaded = false;
            try
            {
                optimizer.SaveState(optimizerBackup);
                model.Load(Path.Combine(folder, ModelFileName));
                optimizer.LoadState(Path.Combine(folder, OptimizerFileName));
                optimizerLoaded = true;
                if (optimizer.StepCount != state.Step)
                    throw new InvalidDataException($"The checkpoint in {where} is inconsistent: {StateFileName} records step {state.Step}, {OptimizerFileName} step {optimizer.StepCount}. Delete the folder to start again.");
                model.DropoutStep = state.DropoutStep;
                return state;
            }
            catch
            {
                weights.Restore(model);
                model.DropoutStep = dropoutStep;
                if (optimizerLoaded) optimizer.LoadState(optimizerBackup);
                throw;
            }
            finally
            {
                AtomicFile.TryDelete(optimizerBackup);
            }
        }

        /// <summary>
        /// The current checkpoint folder (null for none, or for an earlier version's files in the directory itself) and
        /// its best-model folder; false, with both null, when the pointer or checkpoint.json cannot be read.
        /// </summary>
        private static bool TryReadCurrent(string directory, out string? current, out string? best)
        {
            current = null;
            best = null;
            try
            {
                string? folder = TryCurrentFolder(directory);
                if (folder is null || Path.GetFullPath(folder) == Path.GetFullPath(directory)) return true;
                best = ReadStateFile(Path.Combine(folder, StateFileName)).BestCheckpoint;
                current = folder;
                return true;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return false;
            }
        }

        private static bool IsFolderName(string name)
        {
            if (!name.StartsWith(FolderPrefix, StringComparison.Ordinal) || name.Length == FolderPrefix.Length) return false;
            for (int i = FolderPrefix.Length; i < name.Length; i++)
                if (name[i] is < '0' or > '9') return false;
            return true;
        }

        /// <summary>One more than the highest checkpoint number in use, so a new folder never replaces an existing one.</summary>
        private static string NextFolderName(string directory)
        {
            long highest = 0;
            foreach (string d in Directory.GetDirectories(directory, FolderPrefix + "*"))
            {
                string n = Path.GetFileName(d);
                if (n.EndsWith(TempSuffix, StringComparison.Ordinal)) n = n.Substring(0, n.Length - TempSuffix.Length);
                if (IsFolderName(n) && long.TryParse(n.AsSpan(FolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long k))
                    highest = Math.Max(highest, k);
            }
            return FolderPrefix + (highest + 1).ToString("D6", CultureInfo.InvariantCulture);
        }

        private static void TryDeleteFolder(string path)
        {
            try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        private static string Shorten(string text) => text.Length <= 60 ? text : text.Substring(0, 60) + "…";

        private static CheckpointState ReadStateFile(string path)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new InvalidDataException($"{Path.GetFullPath(path)}: cannot be read ({e.Message}).", e);
            }
            return FromJson(bytes, Path.GetFullPath(path));
        }

        internal static byte[] ToJson(CheckpointState s)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("format", Format);
                w.WriteString("network", s.Network);
                w.WriteNumber("epoch", s.Epoch);
                w.WriteNumber("batches_done", s.BatchesDone);
                w.WriteNumber("partial_loss_sum", s.PartialLossSum);
                w.WriteNumber("partial_correct", s.PartialCorrect);
                w.WriteNumber("partial_samples", s.PartialSamples);
                w.WriteNumber("step", s.Step);
                w.WriteNumber("dropout_step", s.DropoutStep);
                w.WriteNumber("learning_rate", s.LearningRate);
                w.WriteNumber("run_duration", s.RunDuration.TotalSeconds);
                w.WriteBoolean("interrupted", s.Interrupted);
                w.WriteString("saved_at", s.SavedAt.ToString("O", CultureInfo.InvariantCulture));
                w.WriteNumber("best_epoch", s.BestEpoch);
                if (s.BestMetric is double m && double.IsFinite(m)) w.WriteNumber("best_metric", m); else w.WriteNull("best_metric");
                w.WriteNumber("epochs_without_improvement", s.EpochsWithoutImprovement);
                if (s.BestCheckpoint is string b) w.WriteString("best_checkpoint", b); else w.WriteNull("best_checkpoint");
                w.WriteStartArray("history");
                foreach (var e in s.History) e.WriteJson(w);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return ms.ToArray();
        }

        /// <summary>Parses and checks checkpoint.json; every refusal names <paramref name="path"/>, the field and what was expected.</summary>
        internal static CheckpointState FromJson(byte[] json, string path)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
            }
            using (doc)
            {
                var f = new JsonFields(doc.RootElement, path);
                string format = f.String("format");
                if (format != Format) throw f.Wrong("format", $"\"{Shorten(format)}\"", $"\"{Format}\"");
                int epoch = f.Int("epoch");
                var historyElement = f.Array("history");
                var history = new List<EpochResult>();
                int index = 0;
                foreach (var e in historyElement.EnumerateArray())
                {
                    EpochResult r;
                    try
                    {
                        r = EpochResult.ReadJson(e);
                    }
                    catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
                    {
                        throw new InvalidDataException($"{path}: \"history\"[{index}]: {ex.Message}.", ex);
                    }
                    if (r.Epoch < 1 || r.Epoch > epoch)
                        throw new InvalidDataException($"{path}: \"history\"[{index}] is epoch {r.Epoch}; expected 1 to \"epoch\" ({epoch}).");
                    history.Add(r);
                    index++;
                }
                string? bestCheckpoint = f.OptionalString("best_checkpoint");
                if (bestCheckpoint is not null && !IsFolderName(bestCheckpoint))
                    throw f.Wrong("best_checkpoint", $"\"{Shorten(bestCheckpoint)}\"", $"a checkpoint folder name such as \"{FolderPrefix}000001\"");
                string savedAt = f.String("saved_at");
                if (!DateTimeOffset.TryParse(savedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var saved))
                    throw f.Wrong("saved_at", $"\"{Shorten(savedAt)}\"", "an ISO 8601 date and time");
                return new CheckpointState
                {
                    Network = f.String("network"),
                    Epoch = epoch,
                    BatchesDone = f.Int("batches_done"),
                    PartialLossSum = f.Double("partial_loss_sum"),
                    PartialCorrect = f.Long("partial_correct"),
                    PartialSamples = f.Long("partial_samples"),
                    Step = f.Long("step"),
                    DropoutStep = f.OptionalULong("dropout_step"),
                    LearningRate = (float)f.Double("learning_rate"),
                    RunDuration = TimeSpan.FromSeconds(f.Double("run_duration")),
                    Interrupted = f.Bool("interrupted"),
                    SavedAt = saved,
                    BestEpoch = f.OptionalInt("best_epoch"),
                    BestMetric = f.OptionalDouble("best_metric"),
                    EpochsWithoutImprovement = f.OptionalInt("epochs_without_improvement"),
                    BestCheckpoint = bestCheckpoint,
                    History = history,
                };
            }
        }

        /// <summary>Typed, range-checked reads of checkpoint.json's fields, with messages that name the file and the field.</summary>
        private readonly struct JsonFields
        {
            private readonly JsonElement _root;
            private readonly string _path;

            public JsonFields(JsonElement root, string path)
            {
                _root = root;
                _path = path;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{path}: the top level is {root.ValueKind}; expected an object.");
            }

            public InvalidDataException Wrong(string name, string found, string expected)
                => new InvalidDataException($"{_path}: \"{name}\" is {found}; expected {expected}.");

            private JsonElement Get(string name, JsonValueKind kind, string expected)
            {
                if (!_root.TryGetProperty(name, out var v))
                    throw new InvalidDataException($"{_path}: \"{name}\" is missing; expected {expected}.");
                if (v.ValueKind != kind && !(kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False))
                    throw Wrong(name, Describe(v), expected);
                return v;
            }

            private static string Describe(JsonElement v) => v.ValueKind switch
            {
                JsonValueKind.String => "\"" + Shorten(v.GetString() ?? "") + "\"",
                JsonValueKind.Number => v.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
                JsonValueKind.Null => "null",
                _ => "an " + v.ValueKind.ToString().ToLowerInvariant(),
            };

            public string String(string name) => Get(name, JsonValueKind.String, "a string").GetString()!;

            public string? OptionalString(string name)
                => _root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? String(name) : null;

            public bool Bool(string name) => Get(name, JsonValueKind.True, "true or false").GetBoolean();

            public JsonElement Array(string name) => Get(name, JsonValueKind.Array, "an array");

            public long Long(string name)
            {
                var v = Get(name, JsonValueKind.Number, "a whole number ≥ 0");
                return v.TryGetInt64(out long n) && n >= 0 ? n : throw Wrong(name, v.GetRawText(), "a whole number ≥ 0");
            }

            public int Int(string name)
            {
                var v = Get(name, JsonValueKind.Number, "a whole number ≥ 0");
                return v.TryGetInt32(out int n) && n >= 0 ? n : throw Wrong(name, v.GetRawText(), $"a whole number from 0 to {int.MaxValue}");
            }

            public int OptionalInt(string name) => _root.TryGetProperty(name, out _) ? Int(name) : 0;

            public ulong OptionalULong(string name)
            {
                if (!_root.TryGetProperty(name, out var v)) return 0;
                return v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out ulong n) ? n : throw Wrong(name, Describe(v), "a whole number ≥ 0");
            }

            public double Double(string name)
            {
                var v = Get(name, JsonValueKind.Number, "a finite number ≥ 0");
                double d = v.GetDouble();
                return double.IsFinite(d) && d >= 0 ? d : throw Wrong(name, v.GetRawText(), "a finite number ≥ 0");
            }

            public double? OptionalDouble(string name)
            {
                if (!_root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble())) throw Wrong(name, Describe(v), "a finite number or null");
                return v.GetDouble();
            }
        }
    }
}
