using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CnnGen.Serialization;

namespace CnnGen.Optim
{
    /// <summary>
    /// Saving and loading optimizer state as safetensors: per-parameter buffers keyed
    /// "&lt;parameter&gt;.&lt;buffer&gt;", the optimizer kind, step count and learning rate in the metadata.
    /// Loading validates everything before it changes anything.
    /// </summary>
    internal static class OptimizerState
    {
        public const string KindKey = "optimizer";
        public const string StepKey = "step";
        public const string LearningRateKey = "lr";

        /// <summary>One state buffer of one parameter.</summary>
        public readonly record struct Slot(Parameter Parameter, string Buffer, float[] Data)
        {
            public string Key => Parameter.Name + "." + Buffer;
        }

        public static void Save(string path, string kind, long step, float learningRate,
                                IReadOnlyDictionary<string, string> hyperparameters, IReadOnlyList<Slot> slots)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            CheckUniqueKeys(slots);
            var writer = new SafetensorsWriter();
            writer.Metadata[KindKey] = kind;
            writer.Metadata[StepKey] = step.ToString(CultureInfo.InvariantCulture);
            writer.Metadata[LearningRateKey] = learningRate.ToString("R", CultureInfo.InvariantCulture);
            foreach (var kv in hyperparameters) writer.Metadata[kv.Key] = kv.Value;
            foreach (var s in slots) writer.AddFloat(s.Key, s.Parameter.Shape, s.Data);
            writer.Save(path);
        }

        /// <summary>What a validated state file holds; <see cref="CopyInto"/> then applies it.</summary>
        public sealed class Loaded
        {
            public required SafetensorsFile File { get; init; }
            public required long Step { get; init; }
            public required float LearningRate { get; init; }

            /// <summary>Copies each slot's tensor into its array (every key was checked to exist with the right shape).</summary>
            public void CopyInto(IReadOnlyList<Slot> slots)
            {
                foreach (var s in slots) File.ReadFloat(s.Key, s.Data);
            }
        }

        /// <summary>
        /// Reads and checks a state file against <paramref name="slotSets"/>: the file's tensors must be exactly one
        /// of the given sets (SGD accepts "with momentum buffers" and "without"), with matching shapes and F32/F64
        /// data; its metadata must name <paramref name="kind"/> and carry a valid step and learning rate.
        /// Returns the index of the matching set. Throws, changing nothing, otherwise.
        /// </summary>
        public static Loaded Read(string path, string kind, IReadOnlyList<IReadOnlyList<Slot>> slotSets, out int matchedSet)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            foreach (var set in slotSets) CheckUniqueKeys(set);
            var file = SafetensorsFile.Read(path);
            var problems = new List<string>();

            if (!file.Metadata.TryGetValue(KindKey, out string? fileKind))
                problems.Add($"metadata '{KindKey}' is missing (expected '{kind}')");
            else if (fileKind != kind)
                problems.Add($"it holds {fileKind} state, not {kind}");
            long step = 0;
            if (!file.Metadata.TryGetValue(StepKey, out string? stepText))
                problems.Add($"metadata '{StepKey}' is missing");
            else if (!long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step))
                problems.Add($"metadata '{StepKey}' = '{stepText}' is not a non-negative integer");
            float lr = 0;
            if (!file.Metadata.TryGetValue(LearningRateKey, out string? lrText))
                problems.Add($"metadata '{LearningRateKey}' is missing");
            else if (!float.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out lr) || !(lr >= 0) || float.IsInfinity(lr))
                problems.Add($"metadata '{LearningRateKey}' = '{lrText}' is not a finite number ≥ 0");

            // Pick the slot set whose keys the file's tensors are; report against the fullest set otherwise.
            matchedSet = -1;
            for (int k = 0; k < slotSets.Count && matchedSet < 0; k++)
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var s in slotSets[k]) keys.Add(s.Key);
                if (keys.Count == file.Tensors.Count && AllIn(file, keys)) matchedSet = k;
            }
            var reference = matchedSet >= 0 ? slotSets[matchedSet] : Fullest(slotSets);
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in reference)
            {
                expected.Add(s.Key);
                if (!file.TryGetTensor(s.Key, out var t))
                {
                    problems.Add($"missing '{s.Key}' (expected shape {Shape(s.Parameter.Shape)})");
                    continue;
                }
                if (!t.ShapeEquals(s.Parameter.Shape))
                    problems.Add($"'{s.Key}': expected shape {Shape(s.Parameter.Shape)}, found {t.ShapeText}");
                if (t.DType is not (SafetensorsDType.F32 or SafetensorsDType.F64))
                    problems.Add($"'{s.Key}': dtype {SafetensorsDTypes.ToHeaderName(t.DType)} is not accepted (expected F32 or F64)");
                else if (t.ShapeEquals(s.Parameter.Shape) && NonFinite.Describe(file, t) is string bad)
                    problems.Add($"'{s.Key}': {bad} (expected finite numbers)");
            }
            foreach (var t in file.Tensors)
                if (!expected.Contains(t.Name))
                    problems.Add($"unexpected '{t.Name}' (shape {t.ShapeText})");

            if (problems.Count > 0)
            {
                var message = new StringBuilder();
                message.Append("does not match this ").Append(kind).Append(" optimizer (nothing was loaded):");
                foreach (var p in problems) message.Append("\n  ").Append(p);
                throw new SafetensorsFormatException(file.FilePath, null, message.ToString());
            }
            if (matchedSet < 0) matchedSet = IndexOf(slotSets, reference);
            return new Loaded { File = file, Step = step, LearningRate = lr };
        }

        private static bool AllIn(SafetensorsFile file, HashSet<string> keys)
        {
            foreach (var t in file.Tensors)
                if (!keys.Contains(t.Name)) return false;
            return true;
        }

        private static IReadOnlyList<Slot> Fullest(IReadOnlyList<IReadOnlyList<Slot>> sets)
        {
            var best = sets[0];
            foreach (var s in sets) if (s.Count > best.Count) best = s;
            return best;
        }

        private static int IndexOf(IReadOnlyList<IReadOnlyList<Slot>> sets, IReadOnlyList<Slot> set)
        {
            for (int i = 0; i < sets.Count; i++) if (ReferenceEquals(sets[i], set)) return i;
            return -1;
        }

        private static void CheckUniqueKeys(IReadOnlyList<Slot> slots)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in slots)
                if (!keys.Add(s.Key))
                    throw new InvalidOperationException($"Two parameters share the name '{s.Parameter.Name}', so their optimizer state cannot be keyed by name.");
        }

        private static string Shape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
    }
}
