using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Training
{
    /// <summary>Precision, recall and F1 of one class, from a confusion matrix.</summary>
    /// <param name="Class">The class index.</param>
    /// <param name="Name">The class's name.</param>
    /// <param name="Precision">TP / (TP + FP): of the samples predicted as this class, the share that are; 0 when none was predicted.</param>
    /// <param name="Recall">TP / (TP + FN): of this class's samples, the share found; 0 when the class has no samples.</param>
    /// <param name="F1">2·P·R / (P + R); 0 when both are 0.</param>
    /// <param name="Support">Samples whose actual class this is.</param>
    public sealed record ClassMetrics(int Class, string Name, double Precision, double Recall, double F1, long Support);

    /// <summary>
    /// Classification metrics beyond accuracy: top-k accuracy, per-class precision, recall and F1, and their macro
    /// averages. Zero divisions give 0 (scikit-learn's zero_division=0). Macro averages are unweighted means over
    /// the classes that occur as an actual or a predicted class (scikit-learn's default label set), so a class
    /// absent from the evaluation set and never predicted does not pull the average down.
    /// </summary>
    public sealed class ClassificationMetrics
    {
        private ClassificationMetrics(double accuracy, int topK, double topKAccuracy, ClassMetrics[] perClass, double macroPrecision, double macroRecall, double macroF1)
        {
            Accuracy = accuracy;
            TopK = topK;
            TopKAccuracy = topKAccuracy;
            PerClass = perClass;
            MacroPrecision = macroPrecision;
            MacroRecall = macroRecall;
            MacroF1 = macroF1;
        }

        /// <summary>Share of samples whose top prediction is right.</summary>
        public double Accuracy { get; }

        /// <summary>The k of <see cref="TopKAccuracy"/>.</summary>
        public int TopK { get; }

        /// <summary>Share of samples whose label is among the k highest logits.</summary>
        public double TopKAccuracy { get; }

        public IReadOnlyList<ClassMetrics> PerClass { get; }

        public double MacroPrecision { get; }

        public double MacroRecall { get; }

        public double MacroF1 { get; }

        /// <summary>The metrics of a confusion matrix, with the top-k count measured alongside it.</summary>
        /// <param name="confusion">Counts of (actual, predicted).</param>
        /// <param name="topK">The k of the top-k count.</param>
        /// <param name="topKCorrect">Samples whose label was among the k highest logits.</param>
        public static ClassificationMetrics From(ConfusionMatrix confusion, int topK, long topKCorrect)
        {
            if (confusion is null) throw new ArgumentNullException(nameof(confusion));
            if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "k must be ≥ 1.");
            if (topKCorrect < 0 || topKCorrect > confusion.Total)
                throw new ArgumentOutOfRangeException(nameof(topKCorrect), topKCorrect, $"The top-k count must be in [0, {confusion.Total}].");
            int classes = confusion.ClassCount;
            var perClass = new ClassMetrics[classes];
            double sumP = 0, sumR = 0, sumF = 0;
            int present = 0;
            for (int c = 0; c < classes; c++)
            {
                long tp = confusion[c, c], actual = 0, predicted = 0;
                for (int o = 0; o < classes; o++)
                {
                    actual += confusion[c, o];
                    predicted += confusion[o, c];
                }
                double precision = predicted == 0 ? 0 : (double)tp / predicted;
                double recall = actual == 0 ? 0 : (double)tp / actual;
                double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                perClass[c] = new ClassMetrics(c, confusion.ClassNames[c], precision, recall, f1, actual);
                if (actual + predicted == 0) continue;
                present++;
                sumP += precision;
                sumR += recall;
                sumF += f1;
            }
            double total = confusion.Total;
            return new ClassificationMetrics(
                confusion.Accuracy,
                topK,
                total == 0 ? 0 : topKCorrect / total,
                perClass,
                present == 0 ? 0 : sumP / present,
                present == 0 ? 0 : sumR / present,
                present == 0 ? 0 : sumF / present);
        }

        /// <summary>
        /// The metrics as flat, named columns for the results files, each name prefixed with
        /// <paramref name="prefix"/>: top{k}_accuracy, macro_precision, macro_recall, macro_f1, then per class
        /// precision_{name}, recall_{name}, f1_{name}.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, double>> ToColumns(string prefix = "test_")
        {
            var list = new List<KeyValuePair<string, double>>
            {
                new(prefix + "top" + TopK.ToString(CultureInfo.InvariantCulture) + "_accuracy", TopKAccuracy),
                new(prefix + "macro_precision", MacroPrecision),
                new(prefix + "macro_recall", MacroRecall),
                new(prefix + "macro_f1", MacroF1),
            };
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in PerClass)
            {
                // Two names that differ only in punctuation would give the same column: the second gets its index.
                string name = ColumnSafe(c.Name);
                if (!used.Add(name)) name += "_" + c.Class.ToString(CultureInfo.InvariantCulture);
                list.Add(new(prefix + "precision_" + name, c.Precision));
                list.Add(new(prefix + "recall_" + name, c.Recall));
                list.Add(new(prefix + "f1_" + name, c.F1));
            }
            return list;
        }

        /// <summary>True for a per-class column of <see cref="ToColumns"/> (precision_, recall_ or f1_ after the prefix).</summary>
        public static bool IsPerClassColumn(string column, string prefix = "test_")
            => column.StartsWith(prefix + "precision_", StringComparison.Ordinal)
               || column.StartsWith(prefix + "recall_", StringComparison.Ordinal)
               || column.StartsWith(prefix + "f1_", StringComparison.Ordinal);

        /// <summary>A class name as part of a column name: letters and digits kept, anything else an underscore.</summary>
        private static string ColumnSafe(string name)
        {
            var chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
                if (!char.IsLetterOrDigit(chars[i])) chars[i] = '_';
            return new string(chars);
        }

        /// <summary>A short text table: per class precision, recall, F1 and support, then the averages.</summary>
        public string ToText()
        {
            var inv = CultureInfo.InvariantCulture;
            int nameWidth = 8;
            foreach (var c in PerClass) nameWidth = Math.Max(nameWidth, c.Name.Length + 1);
            var sb = new System.Text.StringBuilder();
            sb.Append("class".PadRight(nameWidth)).Append(" precision  recall      f1  support\n");
            foreach (var c in PerClass)
                sb.Append(c.Name.PadRight(nameWidth)).Append(string.Format(inv, "{0,10:0.0000}{1,8:0.0000}{2,8:0.0000}{3,9}\n", c.Precision, c.Recall, c.F1, c.Support));
            sb.Append("macro".PadRight(nameWidth)).Append(string.Format(inv, "{0,10:0.0000}{1,8:0.0000}{2,8:0.0000}\n", MacroPrecision, MacroRecall, MacroF1));
            sb.Append(string.Format(inv, "accuracy {0:0.00%}  top-{1} accuracy {2:0.00%}\n", Accuracy, TopK, TopKAccuracy));
            return sb.ToString();
        }

        public override string ToString() => ToText();
    }
}
