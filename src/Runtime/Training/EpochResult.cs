using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CnnGen.Training
{
    /// <summary>What one epoch of training gave.</summary>
    /// <param name="Epoch">The epoch number, from 1.</param>
    /// <param name="TrainLoss">Mean training loss over the epoch's batches (weighted by batch size).</param>
    /// <param name="TrainAccuracy">Running training accuracy over the epoch, in [0, 1]; NaN for a network trained on float targets.</param>
    /// <param name="TestLoss">Mean loss on the test set after the epoch (cross-entropy, or the network's declared loss on float targets), or null without a test set.</param>
    /// <param name="TestAccuracy">Test accuracy after the epoch, in [0, 1], or null (no test set, or float targets).</param>
    /// <param name="EpochDuration">Wall time of the epoch (training and evaluation).</param>
    /// <param name="RunDuration">Wall time of the run up to the end of this epoch (including earlier sessions when resumed).</param>
    /// <param name="TrainSamples">Samples trained on in this epoch.</param>
    /// <param name="LearningRate">The optimizer's learning rate during the epoch.</param>
    public sealed record EpochResult(
        int Epoch,
        double TrainLoss,
        double TrainAccuracy,
        double? TestLoss,
        double? TestAccuracy,
        TimeSpan EpochDuration,
        TimeSpan RunDuration,
        int TrainSamples,
        float LearningRate)
    {
        /// <summary>
        /// Further evaluation metrics as named columns (top-k accuracy, per-class precision/recall/F1 from
        /// <see cref="ClassificationMetrics.ToColumns"/>), or null. Written into the results files and checkpoints.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, double>>? Metrics { get; init; }

        /// <summary>One line for logs: "epoch 3  loss 0.2981  acc 91.20%  test_loss …".</summary>
        public string ToLine(int? totalEpochs = null)
        {
            var inv = CultureInfo.InvariantCulture;
            string epoch = totalEpochs is int t ? $"{Epoch}/{t}" : Epoch.ToString(inv);
            string s = string.Format(inv, "epoch {0}  loss {1:0.0000}", epoch, TrainLoss);
            // Accuracy is NaN (train) or null (test) for a network on float targets: only the losses are shown then.
            if (!double.IsNaN(TrainAccuracy)) s += string.Format(inv, "  acc {0:0.00%}", TrainAccuracy);
            if (TestLoss is double tl) s += string.Format(inv, "  test_loss {0:0.0000}", tl);
            if (TestAccuracy is double ta) s += string.Format(inv, "  test_acc {0:0.00%}", ta);
            s += string.Format(inv, "  {0}  (run {1})", Format(EpochDuration), Format(RunDuration));
            return s;
        }

        internal static string Format(TimeSpan t)
            => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
             : t.TotalMinutes >= 1 ? t.ToString(@"m\:ss", CultureInfo.InvariantCulture)
             : string.Format(CultureInfo.InvariantCulture, "{0:0.0} s", t.TotalSeconds);

        internal void WriteJson(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", Epoch);
            JsonNumbers.WriteFinite(w, "loss", TrainLoss);
            JsonNumbers.WriteFinite(w, "accuracy", TrainAccuracy);
            if (TestLoss is double tl && double.IsFinite(tl)) w.WriteNumber("test_loss", tl); else w.WriteNull("test_loss");
            if (TestAccuracy is double ta) w.WriteNumber("test_accuracy", ta); else w.WriteNull("test_accuracy");
            w.WriteNumber("epoch_duration", EpochDuration.TotalSeconds);
            w.WriteNumber("run_duration", RunDuration.TotalSeconds);
            w.WriteNumber("train_samples", TrainSamples);
            w.WriteNumber("learning_rate", LearningRate);
            WriteMetrics(w);
            w.WriteEndObject();
        }

        /// <summary>The <see cref="Metrics"/> as a "metrics" object of name → number (NaN as null), when there are any.</summary>
        internal void WriteMetrics(Utf8JsonWriter w)
        {
            if (Metrics is null) return;
            w.WriteStartObject(MetricsKey);
            foreach (var kv in Metrics) JsonNumbers.WriteFinite(w, kv.Key, kv.Value);
            w.WriteEndObject();
        }

        /// <summary>The JSON key of the nested metrics object.</summary>
        internal const string MetricsKey = "metrics";

        internal static EpochResult ReadJson(JsonElement e)
        {
            static double? Opt(JsonElement e, string name)
                => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            static double Req(JsonElement e, string name)
                => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
                   : throw new FormatException($"an epoch record has no number \"{name}\"");
            List<KeyValuePair<string, double>>? metrics = null;
            if (e.TryGetProperty(MetricsKey, out var m) && m.ValueKind == JsonValueKind.Object)
            {
                metrics = new List<KeyValuePair<string, double>>();
                foreach (var p in m.EnumerateObject())
                    metrics.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN));
            }
            return new EpochResult(
                (int)Req(e, "epoch"),
                Req(e, "loss"),
                Opt(e, "accuracy") ?? double.NaN,   // null for a network on float targets
                Opt(e, "test_loss"),
                Opt(e, "test_accuracy"),
                TimeSpan.FromSeconds(Req(e, "epoch_duration")),
                TimeSpan.FromSeconds(Req(e, "run_duration")),
                (int)(Opt(e, "train_samples") ?? 0),
                (float)(Opt(e, "learning_rate") ?? 0)) { Metrics = metrics };
        }
    }

    /// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
    /// <param name="Epochs">Every finished epoch of the run, including those of earlier sessions when resumed.</param>
    /// <param name="Interrupted">True when training stopped early on Ctrl+C or cancellation (a checkpoint was saved if a folder was set).</param>
    /// <param name="CheckpointDirectory">Where checkpoints went, or null.</param>
    public sealed record FitResult(IReadOnlyList<EpochResult> Epochs, bool Interrupted, string? CheckpointDirectory)
    {
        /// <summary>The last finished epoch, or null if none finished.</summary>
        public EpochResult? Last => Epochs.Count == 0 ? null : Epochs[Epochs.Count - 1];

        /// <summary>True when early stopping ended the run before its last epoch.</summary>
        public bool StoppedEarly { get; init; }

        /// <summary>With early stopping: the epoch whose weights are the best (and, unless told otherwise, in the model now); otherwise null.</summary>
        public int? BestEpoch { get; init; }
    }

    /// <summary>JSON has no NaN or ∞: a diverged value is written as null rather than failing the whole file.</summary>
    internal static class JsonNumbers
    {
        public static void WriteFinite(Utf8JsonWriter w, string name, double value)
        {
            if (double.IsFinite(value)) w.WriteNumber(name, value);
            else w.WriteNull(name);
        }
    }
}
