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
    }

    /// <summary>
    /// Saves and restores training checkpoints: a folder with the model's weights (<c>model.safetensors</c>,
    /// via <see cref="INetwork.Save"/>), the optimizer's state (<c>optimizer.safetensors</c>, via
    /// <see cref="Optimizer.SaveState"/>) and <c>checkpoint.json</c> with the epoch, progress and history.
    /// All three are written in full under temporary names before any is renamed into place, so a failed save
    /// leaves the previous checkpoint whole; loading checks that the optimizer's step matches checkpoint.json.
    /// </summary>
    public static class Checkpoint
    {
        public const string ModelFileName = "model.safetensors";
        public const string OptimizerFileName = "optimizer.safetensors";
        public const string StateFileName = "checkpoint.json";
        private const string Format = "cnngen-checkpoint/1";

        /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
        public static bool Exists(string directory)
            => File.Exists(Path.Combine(directory, StateFileName))
               && File.Exists(Path.Combine(directory, ModelFileName))
               && File.Exists(Path.Combine(directory, OptimizerFileName));

        /// <summary>Writes a checkpoint after <paramref name="epoch"/> finished epochs.</summary>
        /// <param name="directory">The checkpoint folder (created if missing; its files are replaced).</param>
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

        /// <summary>Writes a checkpoint described by <paramref name="state"/> (its network, step and learning rate are filled in).</summary>
        public static void Save(string directory, INetwork model, Optimizer optimizer, CheckpointState state)
        {
            if (directory is null) throw new ArgumentNullException(nameof(directory));
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            if (state is null) throw new ArgumentNullException(nameof(state));
            if (state.Epoch < 0) throw new ArgumentOutOfRangeException(nameof(state), state.Epoch, "The epoch must be ≥ 0.");
            Directory.CreateDirectory(directory);
            state = state with
            {
                Network = model.Name,
                Step = optimizer.StepCount,
                DropoutStep = model.DropoutStep,
                LearningRate = optimizer.LearningRate,
                SavedAt = DateTimeOffset.UtcNow,
            };
            byte[] json = ToJson(state);
            AtomicFile.WriteTogether(
                (Path.Combine(directory, ModelFileName), model.Save),
                (Path.Combine(directory, OptimizerFileName), optimizer.SaveState),
                (Path.Combine(directory, StateFileName), path => File.WriteAllBytes(path, json)));
        }

        /// <summary>Reads checkpoint.json only (no weights); null if there is no checkpoint in <paramref name="directory"/>.</summary>
        public static CheckpointState? TryReadState(string directory)
        {
            string path = Path.Combine(directory, StateFileName);
            if (!File.Exists(path)) return null;
            try
            {
                return FromJson(File.ReadAllBytes(path));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new InvalidDataException($"{path}: not a valid CnnGen checkpoint ({e.Message}).", e);
            }
        }

        /// <summary>
        /// Restores the model's weights and the optimizer's state from <paramref name="directory"/> and returns
        /// where the run stood. Refuses a checkpoint of another network.
        /// </summary>
        public static CheckpointState Load(string directory, INetwork model, Optimizer optimizer)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (optimizer is null) throw new ArgumentNullException(nameof(optimizer));
            var state = TryReadState(directory)
                ?? throw new FileNotFoundException($"No checkpoint in {Path.GetFullPath(directory)}: {StateFileName} is missing.");
            if (!string.Equals(state.Network, model.Name, StringComparison.Ordinal))
                throw new InvalidDataException($"The checkpoint in {Path.GetFullPath(directory)} is of network '{state.Network}', not '{model.Name}'.");
            foreach (string f in new[] { ModelFileName, OptimizerFileName })
            {
                if (!File.Exists(Path.Combine(directory, f)))
                    throw new FileNotFoundException($"The checkpoint in {Path.GetFullPath(directory)} is incomplete: {f} is missing.");
            }
            model.Load(Path.Combine(directory, ModelFileName));
            optimizer.LoadState(Path.Combine(directory, OptimizerFileName));
            if (optimizer.StepCount != state.Step)
                throw new InvalidDataException($"The checkpoint in {Path.GetFullPath(directory)} is inconsistent: {StateFileName} records step {state.Step}, {OptimizerFileName} step {optimizer.StepCount}. Delete the folder to start again.");
            model.DropoutStep = state.DropoutStep;
            return state;
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
                w.WriteStartArray("history");
                foreach (var e in s.History) e.WriteJson(w);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return ms.ToArray();
        }

        internal static CheckpointState FromJson(byte[] json)
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            string format = r.GetProperty("format").GetString() ?? "";
            if (format != Format) throw new FormatException($"format is \"{format}\", expected \"{Format}\"");
            var history = new List<EpochResult>();
            foreach (var e in r.GetProperty("history").EnumerateArray()) history.Add(EpochResult.ReadJson(e));
            return new CheckpointState
            {
                Network = r.GetProperty("network").GetString() ?? "",
                Epoch = r.GetProperty("epoch").GetInt32(),
                BatchesDone = r.GetProperty("batches_done").GetInt32(),
                PartialLossSum = r.GetProperty("partial_loss_sum").GetDouble(),
                PartialCorrect = r.GetProperty("partial_correct").GetInt64(),
                PartialSamples = r.GetProperty("partial_samples").GetInt64(),
                Step = r.GetProperty("step").GetInt64(),
                DropoutStep = r.TryGetProperty("dropout_step", out var dropoutStep) ? dropoutStep.GetUInt64() : 0,
                LearningRate = r.GetProperty("learning_rate").GetSingle(),
                RunDuration = TimeSpan.FromSeconds(r.GetProperty("run_duration").GetDouble()),
                Interrupted = r.GetProperty("interrupted").GetBoolean(),
                SavedAt = DateTimeOffset.Parse(r.GetProperty("saved_at").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                History = history,
            };
        }
    }
}
