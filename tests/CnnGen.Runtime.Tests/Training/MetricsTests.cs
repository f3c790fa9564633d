using System;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>Top-k accuracy and per-class precision, recall and F1, checked against hand-computed values.</summary>
    public class MetricsTests
    {
        /// <summary>
        /// Rows actual, columns predicted, 5 classes. Class d is predicted once and never actual; class e never
        /// occurs at all (so it is left out of the macro averages).
        /// <code>
        ///        a  b  c  d  e
        ///   a    4  1  0  0  0     recall 4/5
        ///   b    2  3  1  0  0     recall 3/6
        ///   c    0  1  2  1  0     recall 2/4
        ///   d    0  0  0  0  0     recall 0 (no samples)
        ///   e    0  0  0  0  0
        /// precision 4/6 3/5 2/3 0/1  0
        /// </code>
        /// </summary>
        private static ConfusionMatrix Example()
        {
            var cm = new ConfusionMatrix(5, new[] { "a", "b", "c", "d", "e" });
            int[,] counts = { { 4, 1, 0, 0, 0 }, { 2, 3, 1, 0, 0 }, { 0, 1, 2, 1, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 } };
            for (int a = 0; a < 5; a++)
                for (int p = 0; p < 5; p++)
                    for (int k = 0; k < counts[a, p]; k++) cm.Add(a, p);
            return cm;
        }

        [Fact]
        public void Per_class_and_macro_metrics_of_a_hand_computed_matrix()
        {
            var m = ClassificationMetrics.From(Example(), topK: 2, topKCorrect: 12);
            Assert.Equal(9.0 / 15, m.Accuracy, 12);
            Assert.Equal(12.0 / 15, m.TopKAccuracy, 12);
            double[] precision = { 4.0 / 6, 3.0 / 5, 2.0 / 3, 0, 0 };
            double[] recall = { 4.0 / 5, 3.0 / 6, 2.0 / 4, 0, 0 };
            double[] f1 = { 8.0 / 11, 6.0 / 11, 4.0 / 7, 0, 0 };   // 2PR/(P+R): (16/15)/(22/15), (3/5)/(11/10), (2/3)/(7/6)
            long[] support = { 5, 6, 4, 0, 0 };
            for (int c = 0; c < 5; c++)
            {
                Assert.Equal(precision[c], m.PerClass[c].Precision, 12);
                Assert.Equal(recall[c], m.PerClass[c].Recall, 12);
                Assert.Equal(f1[c], m.PerClass[c].F1, 12);
                Assert.Equal(support[c], m.PerClass[c].Support);
            }
            // Macro over a, b, c, d (e neither occurs nor is predicted).
            Assert.Equal((4.0 / 6 + 3.0 / 5 + 2.0 / 3 + 0) / 4, m.MacroPrecision, 12);
            Assert.Equal((4.0 / 5 + 0.5 + 0.5 + 0) / 4, m.MacroRecall, 12);
            Assert.Equal((8.0 / 11 + 6.0 / 11 + 4.0 / 7 + 0) / 4, m.MacroF1, 12);

            var columns = m.ToColumns();
            Assert.Equal(new[] { "test_top2_accuracy", "test_macro_precision", "test_macro_recall", "test_macro_f1", "test_precision_a", "test_recall_a", "test_f1_a" },
                         columns.Take(7).Select(c => c.Key));
            Assert.Equal(4 + 3 * 5, columns.Count);
            Assert.Contains("macro", m.ToText());

            var punctuated = new ConfusionMatrix(2, new[] { "T-shirt/top", "T-shirt top" });
            punctuated.Add(0, 0);
            Assert.Equal(new[] { "test_f1_T_shirt_top", "test_f1_T_shirt_top_1" },
                         ClassificationMetrics.From(punctuated, 1, 1).ToColumns().Where(c => c.Key.StartsWith("test_f1_")).Select(c => c.Key));
        }

        [Fact]
        public void Top_k_counts_the_label_among_the_k_highest_logits()
        {
            float[] logits =
            {
                0.1f, 0.5f, 0.3f, 0.2f,        // label 2: second
                1f, 1f, 0f, 0f,                // label 1: tied with class 0, which comes first (as ArgMax)
                0f, 0f, 0f, 5f,                // label 3: first
                4f, 3f, 2f, 1f,                // label 3: fourth
                float.NaN, 1f, 2f, 3f,         // label 0 with a NaN logit: never among the top k
            };
            int[] labels = { 2, 1, 3, 3, 0 };
            Assert.Equal(1, Evaluation.CountTopKCorrect(logits, labels, 4, 1));
            Assert.Equal(3, Evaluation.CountTopKCorrect(logits, labels, 4, 2));
            Assert.Equal(3, Evaluation.CountTopKCorrect(logits, labels, 4, 3));
            Assert.Equal(4, Evaluation.CountTopKCorrect(logits, labels, 4, 4));
            // k = 1 agrees with the accuracy's count on the rows without NaN.
            Assert.Equal(Evaluation.CountCorrect(logits.AsSpan(0, 16), labels.AsSpan(0, 4), 4), Evaluation.CountTopKCorrect(logits.AsSpan(0, 16), labels.AsSpan(0, 4), 4, 1));
            Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Evaluation.CountTopKCorrect(logits, labels, 4, 0)).ParamName);
        }

        [Fact]
        public void Evaluation_and_training_write_the_metrics_into_the_results_files()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            using var train = new DataLoader(TestData.Separable(60), 20);
            using var test = new DataLoader(TestData.Separable(30, seed: 3), 30);
            var fit = Trainer.Fit(model, new TestSgd(model.Parameters, 0.5f), train, test, 1,
                                  new TrainerOptions { Progress = ProgressMode.Silent, HandleCtrlC = false });

            // The epoch's metrics are those of an independent confusion matrix of the final model.
            var expected = ClassificationMetrics.From(ConfusionMatrix.Compute(model, test), 3, 30).ToColumns();   // 3 classes: top-3 holds every label
            var recorded = fit.Epochs[0].Metrics!;
            Assert.Equal(expected.Select(kv => kv.Key), recorded.Select(kv => kv.Key));
            Assert.Equal(expected.Select(kv => kv.Value), recorded.Select(kv => kv.Value));
            Assert.Equal(1.0, recorded.Single(kv => kv.Key == "test_top3_accuracy").Value);

            var log = new RunLog();
            var run = new RunBuilder().Add("lr", 0.5).Build()[0];
            log.Add(run, fit);
            string csv = log.ToCsv();
            string header = csv.Split('\n')[0];
            Assert.StartsWith("run,epoch,loss,accuracy,test_loss,test_accuracy,epoch_duration,run_duration,test_top3_accuracy,test_macro_precision", header);
            Assert.EndsWith("test_f1_2,lr", header);
            Assert.DoesNotContain("test_f1_2", log.ToText());   // the printed table keeps to the summary columns
            Assert.Contains("test_macro_f1", log.ToText());

            string dir = TestData.TempDir();
            try
            {
                log.Save(dir);
                var back = RunLog.LoadJson(Path.Combine(dir, "results.json"));
                Assert.Equal(new[] { "lr" }, back.ParameterNames);
                Assert.Equal(recorded.Select(kv => kv.Key), back.Entries[0].Epoch.Metrics!.Select(kv => kv.Key));
                Assert.Equal(recorded.Select(kv => kv.Value), back.Entries[0].Epoch.Metrics!.Select(kv => kv.Value));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
