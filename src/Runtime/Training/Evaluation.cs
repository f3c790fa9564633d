using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using CnnGen.Data;
using Spectre.Console;

namespace CnnGen.Training
{
    /// <summary>Loss and accuracy of a model over a dataset.</summary>
    /// <param name="Loss">Mean cross-entropy per sample; for a network on float targets, the mean of its declared loss over every output.</param>
    /// <param name="Accuracy">Fraction of samples whose highest logit is the label, in [0, 1]; NaN for a network on float targets.</param>
    /// <param name="Count">Samples evaluated.</param>
    /// <param name="Correct">Samples classified correctly.</param>
    public sealed record EvaluationResult(double Loss, double Accuracy, int Count, int Correct)
    {
        /// <summary>Top-k accuracy and per-class precision, recall and F1 over the same samples (null when not measured).</summary>
        public ClassificationMetrics? Metrics { get; init; }
    }

    /// <summary>Accuracy, cross-entropy and whole-dataset evaluation, in evaluation mode.</summary>
    public static class Evaluation
    {
        /// <summary>Index of the largest value (the first one on ties, as torch.argmax).</summary>
        public static int ArgMax(ReadOnlySpan<float> row)
        {
            if (row.IsEmpty) throw new ArgumentException("ArgMax of an empty row.", nameof(row));
            int best = 0;
            float max = row[0];
            for (int i = 1; i < row.Length; i++)
            {
                // NaN never wins, so a NaN logit cannot pass for a confident prediction.
                if (row[i] > max) { max = row[i]; best = i; }
            }
            return best;
        }

        /// <summary>Number of rows of <paramref name="logits"/> (each <paramref name="classes"/> wide) whose argmax equals the label.</summary>
        public static int CountCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            CheckShapes(logits, labels, classes);
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                if (ArgMax(logits.Slice(i * classes, classes)) == labels[i]) correct++;
            }
            return correct;
        }

        /// <summary>
        /// Number of rows whose label is among the <paramref name="k"/> highest logits. Ties go to the lower class
        /// index, as in <see cref="ArgMax"/>, so k = 1 counts what <see cref="CountCorrect"/> counts; a NaN label
        /// logit is never among them.
        /// </summary>
        public static int CountTopKCorrect(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, int k)
        {
            CheckShapes(logits, labels, classes);
            if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                var row = logits.Slice(i * classes, classes);
                int label = labels[i];
                float target = row[label];
                if (float.IsNaN(target)) continue;
                // The label's rank: classes that beat it (higher, or equal with a lower index).
                int ahead = 0;
                for (int c = 0; c < classes && ahead < k; c++)
                    if (row[c] > target || (row[c] == target && c < label)) ahead++;
                if (ahead < k) correct++;
            }
            return correct;
        }

        /// <summary>Fraction of correct rows, in [0, 1].</summary>
        public static double Accuracy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
            => labels.Length == 0 ? 0 : (double)CountCorrect(logits, labels, classes) / labels.Length;

        /// <summary>Sum over rows of the cross-entropy −log softmax(logits)[label] (the loss kernel's mean × rows).</summary>
        public static double CrossEntropySum(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            CheckShapes(logits, labels, classes);
            if (labels.Length == 0) return 0;
            return (double)Cpu.SoftmaxCrossEntropyKernel.Loss(logits, labels, labels.Length, classes) * labels.Length;
        }

        /// <summary>Mean cross-entropy over the rows.</summary>
        public static double CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
            => labels.Length == 0 ? 0 : CrossEntropySum(logits, labels, classes) / labels.Length;

        /// <summary>
        /// Loss and accuracy of <paramref name="model"/> over every batch of <paramref name="loader"/> (its epoch 0
        /// order), in evaluation mode; the model's previous mode is restored afterwards.
        /// </summary>
        /// <remarks>
        /// The result's <see cref="EvaluationResult.Metrics"/> has the top-<paramref name="topK"/> accuracy (k capped
        /// at the class count) and per-class precision, recall and F1.
        /// </remarks>
        public static EvaluationResult Evaluate(INetwork model, DataLoader loader, CancellationToken cancellationToken = default, int topK = DefaultTopK)
            => Evaluate(model, loader, null, cancellationToken, topK);

        /// <summary>The k of the top-k accuracy the trainer records.</summary>
        public const int DefaultTopK = 5;

        internal static EvaluationResult Evaluate(INetwork model, DataLoader loader, Action<int>? onBatch, CancellationToken cancellationToken, int topK = DefaultTopK)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (loader is null) throw new ArgumentNullException(nameof(loader));
            CheckCompatible(model, loader);
            if (TakesFloatTargets(model)) return EvaluateOnTargets(model, loader, onBatch, cancellationToken);
            int classes = model.OutputSize;
            if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "k must be ≥ 1.");
            int k = Math.Min(topK, classes);
            var confusion = new ConfusionMatrix(classes, loader.Dataset.ClassCount == classes ? loader.Dataset.ClassNames : null);
            double lossSum = 0;
            int correct = 0, count = 0, topKCorrect = 0;
            ForEachBatch(model, loader, onBatch, cancellationToken, (in Batch batch, ReadOnlySpan<float> out_) =>
            {
                lossSum += CrossEntropySum(out_, batch.Labels, classes);
                correct += CountCorrect(out_, batch.Labels, classes);
                topKCorrect += CountTopKCorrect(out_, batch.Labels, classes, k);
                confusion.Add(out_, batch.Labels);
                count += batch.Count;
            });
            return new EvaluationResult(count == 0 ? 0 : lossSum / count, count == 0 ? 0 : (double)correct / count, count, correct)
            {
                Metrics = ClassificationMetrics.From(confusion, k, topKCorrect),
            };
        }

        /// <summary>True for a network declared with a loss on float targets ([MSELoss], [BCEWithLogitsLoss]).</summary>
        public static bool TakesFloatTargets(INetwork model)
            => (model ?? throw new ArgumentNullException(nameof(model))).LossKind is LossKind.MSE or LossKind.BCEWithLogits;

        /// <summary>The network's declared loss over one batch against float targets: the mean over every element.</summary>
        internal static float TargetLoss(INetwork model, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count)
            => model.LossKind == LossKind.MSE
                ? Cpu.MSELossKernel.Loss(outputs, targets, count, model.OutputSize)
                : Cpu.BCEWithLogitsLossKernel.Loss(outputs, targets, count, model.OutputSize);

        /// <summary>
        /// Evaluation of a network trained on float targets: the mean of its declared loss over every element (each
        /// batch's mean weighted by its rows, as all rows have the same width). Accuracy does not apply: it is NaN,
        /// and there are no classification metrics.
        /// </summary>
        private static EvaluationResult EvaluateOnTargets(INetwork model, DataLoader loader, Action<int>? onBatch, CancellationToken cancellationToken)
        {
            double lossSum = 0;
            int count = 0;
            ForEachBatch(model, loader, onBatch, cancellationToken, (in Batch batch, ReadOnlySpan<float> out_) =>
            {
                lossSum += (double)TargetLoss(model, out_, batch.Targets, batch.Count) * batch.Count;
                count += batch.Count;
            });
            return new EvaluationResult(count == 0 ? 0 : lossSum / count, double.NaN, count, 0);
        }

        /// <summary>The predicted class of every sample the loader serves, in its epoch 0 order (a classifier only).</summary>
        public static int[] Predict(INetwork model, DataLoader loader)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (loader is null) throw new ArgumentNullException(nameof(loader));
            CheckCompatible(model, loader);
            if (TakesFloatTargets(model))
                throw new InvalidOperationException($"{model.Name} is declared with [{(model.LossKind == LossKind.MSE ? "MSELoss" : "BCEWithLogitsLoss")}]: it predicts float outputs, not one class per sample; read them with its Predict(input, batch, outputs).");
            int classes = model.OutputSize;
            var predictions = new int[loader.SamplesPerEpoch];
            int at = 0;
            ForEachBatch(model, loader, null, default, (in Batch batch, ReadOnlySpan<float> out_) =>
            {
                for (int i = 0; i < batch.Count; i++) predictions[at++] = ArgMax(out_.Slice(i * classes, classes));
            });
            return predictions;
        }

        private delegate void BatchOutputs(in Batch batch, ReadOnlySpan<float> outputs);

        /// <summary>
        /// Hands each batch of the loader's epoch 0, with the model's outputs for it (evaluation semantics), to
        /// <paramref name="visit"/>; the model's previous mode is restored afterwards.
        /// </summary>
        private static void ForEachBatch(INetwork model, DataLoader loader, Action<int>? onBatch, CancellationToken cancellationToken, BatchOutputs visit)
        {
            var outputs = new float[loader.BatchSize * model.OutputSize];
            bool wasTraining = model.IsTraining;
            model.Eval();
            try
            {
                foreach (var batch in loader.Epoch(0))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var out_ = outputs.AsSpan(0, batch.Count * model.OutputSize);
                    model.Predict(batch.Input, batch.Count, out_);
                    visit(batch, out_);
                    onBatch?.Invoke(batch.Index);
                }
            }
            finally
            {
                if (wasTraining) model.Train();
            }
        }

        internal static void CheckCompatible(INetwork model, DataLoader loader)
        {
            var data = loader.Dataset;
            if (model.InputSize != data.SampleSize)
                throw new ArgumentException(
                    $"{model.Name} takes {model.InputSize} values per sample ({model.InputChannels}×{model.InputHeight}×{model.InputWidth}), but {data.Name} has {data.SampleSize} ({data.Channels}×{data.Height}×{data.Width}).");
            if (TakesFloatTargets(model))
            {
                string loss = model.LossKind == LossKind.MSE ? "[MSELoss]" : "[BCEWithLogitsLoss]";
                if (data.HasLabels)
                    throw new ArgumentException(
                        $"{model.Name} is declared with {loss}, which trains on float targets, but {data.Name} has class labels ({data.ClassCount} classes). " +
                        $"Give it a dataset made with InMemoryDataset.WithTargets ({model.OutputSize} targets per sample), or declare [CrossEntropyLoss] to classify.");
                if (data.TargetSize != model.OutputSize)
                    throw new ArgumentException($"{model.Name} has {model.OutputSize} outputs, but {data.Name} has {data.TargetSize} targets per sample; {loss} needs one target per output.");
                return;
            }
            if (!data.HasLabels)
                throw new ArgumentException(
                    $"{model.Name} trains with cross-entropy on class labels, but {data.Name} has float targets ({data.TargetSize} per sample). " +
                    "Declare [MSELoss] (regression) or [BCEWithLogitsLoss] (multi-label) on the network, or give it a dataset with class labels.");
            if (model.OutputSize < loader.Dataset.ClassCount)
                throw new ArgumentException($"{model.Name} has {model.OutputSize} outputs, but {loader.Dataset.Name} has {loader.Dataset.ClassCount} classes.");
        }

        private static void CheckShapes(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
        {
            if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "The class count must be positive.");
            if (logits.Length < labels.Length * classes)
                throw new ArgumentException($"{labels.Length} labels need {labels.Length * classes} logits ({classes} each), got {logits.Length}.", nameof(logits));
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                    throw new ArgumentException($"Label {labels[i]} of sample {i} is outside [0, {classes}).", nameof(labels));
            }
        }
    }

    /// <summary>Counts of (actual class, predicted class) pairs.</summary>
    public sealed class ConfusionMatrix
    {
        private readonly long[] _counts;

        public ConfusionMatrix(int classCount, string[]? classNames = null)
        {
            if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must be positive.");
            if (classNames is not null && classNames.Length != classCount)
                throw new ArgumentException($"{classNames.Length} class names for {classCount} classes.", nameof(classNames));
            ClassCount = classCount;
            _counts = new long[classCount * classCount];
            ClassNames = classNames ?? BuildNames(classCount);
        }

        public int ClassCount { get; }

        public string[] ClassNames { get; }

        /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
        public long this[int actual, int predicted] => _counts[Index(actual) * ClassCount + Index(predicted)];

        /// <summary>All samples counted.</summary>
        public long Total { get; private set; }

        /// <summary>The diagonal's share of the total.</summary>
        public double Accuracy
        {
            get
            {
                long diag = 0;
                for (int c = 0; c < ClassCount; c++) diag += _counts[c * ClassCount + c];
                return Total == 0 ? 0 : (double)diag / Total;
            }
        }

        /// <summary>Counts one sample.</summary>
        public void Add(int actual, int predicted)
        {
            _counts[Index(actual) * ClassCount + Index(predicted)]++;
            Total++;
        }

        /// <summary>Counts every row of a batch's logits against its labels.</summary>
        public void Add(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels)
        {
            for (int i = 0; i < labels.Length; i++) Add(labels[i], Evaluation.ArgMax(logits.Slice(i * ClassCount, ClassCount)));
        }

        /// <summary>The confusion matrix of a model over a loader's samples (evaluation mode).</summary>
        public static ConfusionMatrix Compute(INetwork model, DataLoader loader)
        {
            var predictions = Evaluation.Predict(model, loader);
            var cm = new ConfusionMatrix(loader.Dataset.ClassCount, loader.Dataset.ClassNames);
            int at = 0;
            foreach (var batch in loader.Epoch(0))
            {
                foreach (int label in batch.Labels) cm.Add(label, predictions[at++]);
            }
            return cm;
        }

        /// <summary>Share of class <paramref name="actual"/>'s samples predicted correctly (recall).</summary>
        public double Recall(int actual)
        {
            long row = 0;
            for (int p = 0; p < ClassCount; p++) row += _counts[Index(actual) * ClassCount + p];
            return row == 0 ? 0 : (double)this[actual, actual] / row;
        }

        /// <summary>A fixed-width text table: rows are actual classes, columns predicted.</summary>
        public string ToText()
        {
            int width = 6;
            foreach (long c in _counts) width = Math.Max(width, c.ToString(CultureInfo.InvariantCulture).Length + 1);
            int nameWidth = 8;
            foreach (var n in ClassNames) nameWidth = Math.Max(nameWidth, n.Length + 1);
            var sb = new StringBuilder();
            sb.Append("actual \\ predicted".PadRight(nameWidth + 2));
            for (int p = 0; p < ClassCount; p++) sb.Append(Short(ClassNames[p], width).PadLeft(width));
            sb.Append("  recall").AppendLine();
            for (int a = 0; a < ClassCount; a++)
            {
                sb.Append(ClassNames[a].PadRight(nameWidth + 2));
                for (int p = 0; p < ClassCount; p++) sb.Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
                sb.Append(Recall(a).ToString("0.0%", CultureInfo.InvariantCulture).PadLeft(8)).AppendLine();
            }
            sb.Append(string.Format(CultureInfo.InvariantCulture, "accuracy {0:0.00%} of {1} samples", Accuracy, Total)).AppendLine();
            return sb.ToString();
        }

        /// <summary>Prints the matrix: a Spectre table on an interactive console, plain text otherwise or to <paramref name="output"/>.</summary>
        public void Print(TextWriter? output = null)
        {
            if (output is not null || Console.IsOutputRedirected)
            {
                (output ?? Console.Out).Write(ToText());
                return;
            }
            var table = new Table().Title("Confusion matrix (rows: actual, columns: predicted)");
            table.AddColumn("actual \\ predicted");
            for (int p = 0; p < ClassCount; p++) table.AddColumn(new TableColumn(Markup.Escape(ClassNames[p])).RightAligned());
            table.AddColumn(new TableColumn("recall").RightAligned());
            for (int a = 0; a < ClassCount; a++)
            {
                var cells = new string[ClassCount + 2];
                cells[0] = Markup.Escape(ClassNames[a]);
                for (int p = 0; p < ClassCount; p++)
                {
                    string v = this[a, p].ToString(CultureInfo.InvariantCulture);
                    cells[p + 1] = a == p ? "[green]" + v + "[/]" : this[a, p] == 0 ? "[grey]" + v + "[/]" : v;
                }
                cells[ClassCount + 1] = Recall(a).ToString("0.0%", CultureInfo.InvariantCulture);
                table.AddRow(cells);
            }
            table.Caption(string.Format(CultureInfo.InvariantCulture, "accuracy {0:0.00%} of {1} samples", Accuracy, Total));
            AnsiConsole.Write(table);
        }

        private int Index(int c)
        {
            if ((uint)c >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(c), c, $"Class index outside [0, {ClassCount}).");
            return c;
        }

        private static string Short(string s, int width) => s.Length < width ? s : s.Substring(0, width - 1);

        private static string[] BuildNames(int n)
        {
            var names = new string[n];
            for (int i = 0; i < n; i++) names[i] = i.ToString(CultureInfo.InvariantCulture);
            return names;
        }

        public override string ToString() => ToText();
    }
}
