using System;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Tests.Losses;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>
    /// Trainer.Fit and Evaluation on float-target datasets, for networks declared with [MSELoss] and [BCEWithLogitsLoss]
    /// (the networks of <see cref="DeclaredLossTests"/>: 1×4×4 inputs, Linear(16, 3)).
    /// </summary>
    public class FloatTargetTrainingTests
    {
        private const int Inputs = 16, Outputs = 3;

        private static TrainerOptions Quiet(TextWriter? output = null, string? checkpoints = null, bool resume = false, EarlyStoppingOptions? earlyStopping = null) => new TrainerOptions
        {
            Progress = output is null ? ProgressMode.Silent : ProgressMode.Plain,
            Output = output,
            HandleCtrlC = false,
            CheckpointDirectory = checkpoints,
            Resume = resume,
            EarlyStopping = earlyStopping,
        };

        private static float[] RandomInputs(int count, int seed)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, count * Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }

        // The linear map y = A·x + b the regression has to find.
        private static double A(int o, int i) => Math.Sin(1 + o * Inputs + i);

        private static double B(int o) => 0.5 * o - 0.5;

        private static InMemoryDataset LinearRegression(int count, int seed)
        {
            var x = RandomInputs(count, seed);
            var y = new float[count * Outputs];
            for (int n = 0; n < count; n++)
                for (int o = 0; o < Outputs; o++)
                {
                    double v = B(o);
                    for (int i = 0; i < Inputs; i++) v += A(o, i) * x[n * Inputs + i];
                    y[n * Outputs + o] = (float)v;
                }
            return InMemoryDataset.WithTargets(x, y, Outputs, 1, 4, 4, "linear regression");
        }

        // Label k is on when input k is positive: each label is linearly separable from the inputs.
        private static InMemoryDataset MultiLabel(int count, int seed)
        {
            var x = RandomInputs(count, seed);
            var y = new float[count * Outputs];
            for (int n = 0; n < count; n++)
                for (int o = 0; o < Outputs; o++) y[n * Outputs + o] = x[n * Inputs + o] > 0 ? 1f : 0f;
            return InMemoryDataset.WithTargets(x, y, Outputs, 1, 4, 4, "multi-label");
        }

        private static double[] Outputs_(INetwork net, InMemoryDataset data)
        {
            var outputs = new float[data.Count * Outputs];
            net.Predict(data.Images, data.Count, outputs);
            return outputs.Select(v => (double)v).ToArray();
        }

        [Fact]
        public void The_declared_loss_is_read_from_the_network_class()
        {
            Assert.Equal(LossKind.MSE, ((INetwork)new MseRegressor(seed: 1)).LossKind);
            Assert.Equal(LossKind.BCEWithLogits, ((INetwork)new MultiLabelNet(seed: 1)).LossKind);
            Assert.Equal(LossKind.CrossEntropy, ((INetwork)new SmoothedWeightedNet(seed: 1)).LossKind);
            Assert.Equal(LossKind.CrossEntropy, ((INetwork)new FakeLogisticNetwork(1, 2, 2, 3)).LossKind);   // nothing declared
        }

        [Fact]
        public void An_MSE_network_learns_a_linear_map_and_the_test_loss_is_the_mean_squared_error()
        {
            var net = new MseRegressor(seed: 3);
            var trainSet = LinearRegression(512, seed: 10);
            var testSet = LinearRegression(128, seed: 11);
            using var train = new DataLoader(trainSet, 32, shuffle: true, seed: 1);
            using var test = new DataLoader(testSet, 50);
            double untrained = Evaluation.Evaluate(net, test).Loss;
            Assert.True(untrained > 1, $"the untrained map should be far off; its test loss is {untrained}");
            var log = new StringWriter();
            var fit = Trainer.Fit(net, new Adam(net.Parameters, lr: 0.05f), train, test, 30, Quiet(log));

            var last = fit.Last!;
            Assert.True(last.TestLoss < 1e-3, $"test loss {last.TestLoss} after 30 epochs");
            Assert.True(last.TrainLoss < 1e-2, $"train loss {last.TrainLoss}");
            // The weights found are the map's (Linear's weight is out × in, row-major as PyTorch's).
            var weight = net.Parameters.Single(p => p.Name == "1.weight").Data.ToArray();
            var bias = net.Parameters.Single(p => p.Name == "1.bias").Data.ToArray();
            for (int o = 0; o < Outputs; o++)
            {
                Assert.Equal(B(o), bias[o], 1);
                for (int i = 0; i < Inputs; i++) Assert.Equal(A(o, i), weight[o * Inputs + i], 1);
            }

            // The reported test loss is torch.nn.MSELoss over the test set, computed here in float64 from Predict.
            var predicted = Outputs_(net, testSet);
            double mse = predicted.Select((v, k) => (v - testSet.Targets![k]) * (v - testSet.Targets[k])).Average();
            Assert.Equal(mse, last.TestLoss!.Value, 6);
            Assert.Equal(mse, Evaluation.Evaluate(net, test).Loss, 6);

            // No accuracy for a regression: NaN in training, none on the test set, no classification metrics, none printed.
            Assert.All(fit.Epochs, e => Assert.True(double.IsNaN(e.TrainAccuracy)));
            Assert.All(fit.Epochs, e => Assert.Null(e.TestAccuracy));
            Assert.All(fit.Epochs, e => Assert.Null(e.Metrics));
            Assert.DoesNotContain("acc", log.ToString());
            Assert.Contains("test_loss", log.ToString());
        }

        [Fact]
        public void A_BCEWithLogits_network_learns_independent_labels_and_the_test_loss_is_the_binary_cross_entropy()
        {
            var net = new MultiLabelNet(seed: 5);
            var trainSet = MultiLabel(512, seed: 20);
            var testSet = MultiLabel(200, seed: 21);
            using var train = new DataLoader(trainSet, 32, shuffle: true, seed: 2);
            using var test = new DataLoader(testSet, 64);
            var fit = Trainer.Fit(net, new Adam(net.Parameters, lr: 0.05f), train, test, 20, Quiet());

            Assert.True(fit.Epochs[0].TestLoss > 2 * fit.Last!.TestLoss, $"test loss {fit.Epochs[0].TestLoss} → {fit.Last.TestLoss}");
            Assert.True(fit.Last.TestLoss < 0.15, $"test loss {fit.Last.TestLoss}");

            // torch.nn.BCEWithLogitsLoss over the test set, in float64 from Predict; and each label right on its own.
            var logits = Outputs_(net, testSet);
            var y = testSet.Targets!;
            double bce = logits.Select((x, k) => Math.Max(x, 0) - x * y[k] + Math.Log(1 + Math.Exp(-Math.Abs(x)))).Average();
            Assert.Equal(bce, fit.Last.TestLoss!.Value, 6);
            double right = logits.Where((x, k) => (x > 0) == (y[k] > 0.5f)).Count() / (double)logits.Length;
            Assert.True(right > 0.95, $"{right:P1} of the labels right");
        }

        [Fact]
        public void Checkpoints_resume_and_early_stopping_on_the_test_loss_work_with_float_targets()
        {
            string dir = TestData.TempDir();
            using var train = new DataLoader(LinearRegression(128, seed: 30), 32, shuffle: true, seed: 3);
            using var test = new DataLoader(LinearRegression(64, seed: 31), 64);
            var early = new EarlyStoppingOptions { Monitor = EarlyStoppingMetric.TestLoss, Patience = 1 };

            var first = new MseRegressor(seed: 7);
            var firstFit = Trainer.Fit(first, new Adam(first.Parameters, lr: 0.05f), train, test, 2, Quiet(checkpoints: dir, earlyStopping: early));
            Assert.Equal(2, firstFit.Epochs.Count);

            // A new process resumes the run: the history (with its absent accuracies) comes back from the checkpoint.
            var second = new MseRegressor(seed: 99);
            var fit = Trainer.Fit(second, new Adam(second.Parameters, lr: 0.05f), train, test, 4, Quiet(checkpoints: dir, resume: true, earlyStopping: early));
            Assert.Equal(4, fit.Epochs.Count);
            Assert.Equal(firstFit.Epochs[1].TestLoss, fit.Epochs[1].TestLoss);
            Assert.All(fit.Epochs, e => Assert.True(double.IsNaN(e.TrainAccuracy)));
            Assert.True(fit.Epochs[3].TestLoss < fit.Epochs[0].TestLoss);
            Assert.NotNull(fit.BestEpoch);

            // The results files leave the accuracy cells empty.
            var runLog = new RunLog();
            runLog.Add(new RunParameters(1, Array.Empty<System.Collections.Generic.KeyValuePair<string, object>>()), fit);
            string row = runLog.ToCsv().Split('\n')[1];
            Assert.StartsWith("1,1,", row);
            Assert.Equal("", row.Split(',')[3]);   // accuracy
            Assert.Equal("", row.Split(',')[5]);   // test_accuracy
            Assert.Contains("\"accuracy\": null", runLog.ToJson());
        }

        [Fact]
        public void A_regression_network_refuses_a_labelled_dataset_before_training()
        {
            var net = new MseRegressor(seed: 1);
            var before = net.Parameters.Single(p => p.Name == "1.weight").Data.ToArray();
            var labelled = new InMemoryDataset(RandomInputs(8, 1), new int[8], 1, 4, 4, 3, "digits");
            using var train = new DataLoader(labelled, 4);
            var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(net, new Adam(net.Parameters), train, null, 1, Quiet()));
            Assert.Contains("MseRegressor is declared with [MSELoss]", e.Message);
            Assert.Contains("digits has class labels", e.Message);
            Assert.Contains("InMemoryDataset.WithTargets", e.Message);
            Assert.Equal(before, net.Parameters.Single(p => p.Name == "1.weight").Data.ToArray());
        }

        [Fact]
        public void A_classifier_refuses_a_float_target_dataset_before_training()
        {
            var net = new SmoothedWeightedNet(seed: 1);
            using var train = new DataLoader(LinearRegression(8, 1), 4);
            var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(net, new Adam(net.Parameters), train, null, 1, Quiet()));
            Assert.Contains("SmoothedWeightedNet trains with cross-entropy on class labels", e.Message);
            Assert.Contains("linear regression has float targets (3 per sample)", e.Message);
            Assert.Contains("[MSELoss]", e.Message);
            // Evaluating alone is refused the same way.
            Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(net, train));
        }

        [Fact]
        public void Targets_of_another_width_accuracy_monitoring_and_class_predictions_are_refused_for_a_float_target_network()
        {
            var net = new MultiLabelNet(seed: 1);
            var narrow = InMemoryDataset.WithTargets(RandomInputs(8, 1), new float[8 * 2], 2, 1, 4, 4, "pairs");
            using var narrowLoader = new DataLoader(narrow, 4);
            var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(net, new Adam(net.Parameters), narrowLoader, null, 1, Quiet()));
            Assert.Contains("MultiLabelNet has 3 outputs, but pairs has 2 targets per sample", e.Message);

            using var train = new DataLoader(MultiLabel(8, 1), 4);
            var early = new EarlyStoppingOptions { Monitor = EarlyStoppingMetric.TrainAccuracy };
            e = Assert.Throws<ArgumentException>(() => Trainer.Fit(net, new Adam(net.Parameters), train, null, 1, Quiet(earlyStopping: early)));
            Assert.Contains("float targets, which have no accuracy", e.Message);

            // Nor is there one predicted class per sample, so no confusion matrix.
            var noClasses = Assert.Throws<InvalidOperationException>(() => ConfusionMatrix.Compute(net, train));
            Assert.Contains("MultiLabelNet is declared with [BCEWithLogitsLoss]: it predicts float outputs", noClasses.Message);
        }
    }
}
