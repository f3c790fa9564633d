using System;
using System.IO;
using System.Linq;
using System.Threading;
using CnnGen.Data;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    public class TrainerTests
    {
        private static TrainerOptions Quiet(StringWriter? w = null, string? checkpoints = null, bool resume = false, CancellationToken token = default, Action<int, int, float>? onBatch = null)
            => new TrainerOptions
            {
                Progress = ProgressMode.Plain,
                Output = w ?? new StringWriter(),
                HandleCtrlC = false,
                CheckpointDirectory = checkpoints,
                Resume = resume,
                CancellationToken = token,
                OnBatchEnd = onBatch,
            };

        [Fact]
        public void Fit_decreases_the_loss_and_reports_each_epoch()
        {
            var ds = TestData.Separable(300);
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new TestSgd(model.Parameters, 0.5f);
            using var train = new DataLoader(ds, 20, shuffle: true, seed: 1);
            using var test = new DataLoader(TestData.Separable(90, seed: 99), 32);
            var output = new StringWriter();
            var fit = Trainer.Fit(model, opt, train, test, 4, Quiet(output));

            Assert.False(fit.Interrupted);
            Assert.Equal(new[] { 1, 2, 3, 4 }, fit.Epochs.Select(e => e.Epoch));
            Assert.True(fit.Epochs[3].TrainLoss < fit.Epochs[0].TrainLoss * 0.7, $"loss {fit.Epochs[0].TrainLoss} → {fit.Epochs[3].TrainLoss}");
            Assert.True(fit.Epochs[3].TestAccuracy > 0.9);
            Assert.Equal(4 * 15, opt.StepCount);
            Assert.All(fit.Epochs, e => Assert.Equal(300, e.TrainSamples));
            Assert.True(model.IsTraining);                 // restored after evaluation
            Assert.True(model.PredictCallsInEval > 0);
            Assert.Equal(0, model.PredictCallsInTrain);    // evaluation ran in Eval mode

            // The reported test metrics match an independent computation over the test set.
            var logits = new float[90 * 3];
            model.Predict(test.Dataset.Images, 90, logits);
            double loss = 0;
            int correct = 0;
            for (int n = 0; n < 90; n++)
            {
                var row = logits.AsSpan(n * 3, 3).ToArray();
                double max = row.Max();
                double lse = Math.Log(row.Sum(v => Math.Exp(v - max))) + max;
                loss += lse - row[test.Dataset.Labels[n]];
                if (Array.IndexOf(row, row.Max()) == test.Dataset.Labels[n]) correct++;
            }
            Assert.Equal(loss / 90, fit.Epochs[3].TestLoss!.Value, 5);
            Assert.Equal(correct / 90.0, fit.Epochs[3].TestAccuracy!.Value, 10);

            string text = output.ToString();
            Assert.Contains("epoch 1/4  batch 15/15", text);
            Assert.Contains("samples/s", text);
            Assert.Contains("ETA", text);
            Assert.Contains("test_acc", text);
        }

        [Fact]
        public void Running_training_metrics_match_the_batches()
        {
            // With lr 0 the model never changes, so the epoch's loss and accuracy equal a direct evaluation.
            var ds = TestData.Separable(60);
            var model = new FakeLogisticNetwork(1, 2, 2, 3, seed: 5);
            using var train = new DataLoader(ds, 7, shuffle: true, seed: 2);
            var fit = Trainer.Fit(model, new TestSgd(model.Parameters, 0f), train, null, 1, Quiet());
            using var all = new DataLoader(ds, 60);
            var eval = Evaluation.Evaluate(model, all);
            Assert.Equal(eval.Loss, fit.Epochs[0].TrainLoss, 5);
            Assert.Equal(eval.Accuracy, fit.Epochs[0].TrainAccuracy, 10);
            Assert.Null(fit.Epochs[0].TestLoss);
        }

        [Fact]
        public void NaN_loss_stops_with_epoch_batch_and_learning_rate()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3) { NaNAfterCalls = 12 };
            using var train = new DataLoader(TestData.Separable(100), 10);
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 3f), train, null, 5, Quiet()));
            Assert.Equal(2, e.Epoch);
            Assert.Equal(2, e.Batch);
            Assert.Contains("epoch 2, batch 3/10", e.Message);
            Assert.Contains("NaN", e.Message);
            Assert.Contains("learning rate is 3", e.Message);
        }

        [Fact]
        public void NaN_only_in_the_test_set_is_reported_as_bad_test_data_not_divergence_and_keeps_the_checkpoint()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            using var train = new DataLoader(TestData.Separable(60), 10);
            using var test = new DataLoader(TestData.Separable(30, seed: 9), 10);
            Trainer.Fit(model, new TestSgd(model.Parameters, 0.3f), train, test, 1, Quiet(checkpoints: dir));
            byte[] before = File.ReadAllBytes(Path.Combine(Checkpoint.TryCurrentFolder(dir)!, Checkpoint.ModelFileName));

            model.NaNPredictions = true;   // what a NaN pixel in the test files gives: finite weights, NaN test loss
            var e = Assert.Throws<InvalidDataException>(() =>
                Trainer.Fit(model, new TestSgd(model.Parameters, 0.3f), train, test, 2, Quiet(checkpoints: dir, resume: true)));
            Assert.Contains("test data holds NaN or infinite values", e.Message);
            Assert.Contains("after epoch 2", e.Message);
            Assert.DoesNotContain("learning rate", e.Message);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(Checkpoint.TryCurrentFolder(dir)!, Checkpoint.ModelFileName)));
            Assert.Equal(1, Checkpoint.TryReadState(dir)!.Epoch);
            Assert.Equal(new[] { Checkpoint.PointerFileName }, Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.Single(Directory.GetDirectories(dir));
        }

        [Fact]
        public void Checkpoint_is_written_atomically_and_resume_continues_at_the_next_epoch()
        {
            string dir = TestData.TempDir();
            var ds = TestData.Separable(90);

            // Reference: 3 epochs straight through.
            var reference = new FakeLogisticNetwork(1, 2, 2, 3);
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 4))
                Trainer.Fit(reference, new TestSgd(reference.Parameters, 0.3f), loader, null, 3, Quiet());

            // 2 epochs, then a new process resumes to 3.
            var first = new FakeLogisticNetwork(1, 2, 2, 3);
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 4))
                Trainer.Fit(first, new TestSgd(first.Parameters, 0.3f), loader, null, 2, Quiet(checkpoints: dir));
            Assert.True(Checkpoint.Exists(dir));
            // One folder per checkpoint, the older one deleted once the pointer moved on.
            Assert.Equal(new[] { Checkpoint.PointerFileName }, Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.Equal(new[] { "ckpt-000002" }, Directory.GetDirectories(dir).Select(Path.GetFileName));
            Assert.Equal(new[] { "checkpoint.json", "model.safetensors", "optimizer.safetensors" }, Directory.GetFiles(Checkpoint.TryCurrentFolder(dir)!).Select(Path.GetFileName).OrderBy(x => x));
            var state = Checkpoint.TryReadState(dir)!;
            Assert.Equal(2, state.Epoch);
            Assert.Equal(18, state.Step);
            Assert.Equal("FakeLogistic", state.Network);
            Assert.Equal(2, state.History.Count);

            var second = new FakeLogisticNetwork(1, 2, 2, 3, seed: 123);   // different start: weights must come from the checkpoint
            var opt = new TestSgd(second.Parameters, 0.3f);
            var output = new StringWriter();
            FitResult fit;
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 4))
                fit = Trainer.Fit(second, opt, loader, null, 3, Quiet(output, dir, resume: true));
            Assert.Contains("Resuming FakeLogistic", output.ToString());
            Assert.Equal(new[] { 1, 2, 3 }, fit.Epochs.Select(e => e.Epoch));
            Assert.Equal(27, opt.StepCount);
            Assert.Equal(reference.Parameters[0].Data.ToArray(), second.Parameters[0].Data.ToArray());
            Assert.Equal(reference.Parameters[1].Data.ToArray(), second.Parameters[1].Data.ToArray());
        }

        [Fact]
        public void Cancellation_finishes_the_step_saves_and_resume_matches_an_uninterrupted_run()
        {
            string dir = TestData.TempDir();
            var ds = TestData.Separable(90);
            var reference = new FakeLogisticNetwork(1, 2, 2, 3);
            FitResult refFit;
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                refFit = Trainer.Fit(reference, new TestSgd(reference.Parameters, 0.3f), loader, null, 2, Quiet());

            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new TestSgd(model.Parameters, 0.3f);
            using var cts = new CancellationTokenSource();
            FitResult fit;
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                fit = Trainer.Fit(model, opt, loader, null, 2, Quiet(checkpoints: dir, token: cts.Token, onBatch: (e, b, _) => { if (e == 2 && b == 3) cts.Cancel(); }));
            Assert.True(fit.Interrupted);
            Assert.Single(fit.Epochs);
            Assert.Equal(9 + 4, opt.StepCount);             // the step in flight was finished
            var state = Checkpoint.TryReadState(dir)!;
            Assert.True(state.Interrupted);
            Assert.Equal(1, state.Epoch);
            Assert.Equal(4, state.BatchesDone);

            var resumed = new FakeLogisticNetwork(1, 2, 2, 3, seed: 77);
            var opt2 = new TestSgd(resumed.Parameters, 0.3f);
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                fit = Trainer.Fit(resumed, opt2, loader, null, 2, Quiet(checkpoints: dir, resume: true));
            Assert.False(fit.Interrupted);
            Assert.Equal(18, opt2.StepCount);
            Assert.Equal(reference.Parameters[0].Data.ToArray(), resumed.Parameters[0].Data.ToArray());
            // The resumed epoch's running metrics include the batches before the interruption.
            Assert.Equal(refFit.Epochs[1].TrainLoss, fit.Epochs[1].TrainLoss, 6);
            Assert.Equal(refFit.Epochs[1].TrainAccuracy, fit.Epochs[1].TrainAccuracy, 10);
        }

        [Fact]
        public void Stop_requested_on_the_last_batch_ends_after_that_epoch_with_an_interrupted_checkpoint()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new TestSgd(model.Parameters, 0.3f);
            using var cts = new CancellationTokenSource();
            using var loader = new DataLoader(TestData.Separable(30), 10);
            var fit = Trainer.Fit(model, opt, loader, null, 5, Quiet(checkpoints: dir, token: cts.Token, onBatch: (e, b, _) => { if (e == 2 && b == 2) cts.Cancel(); }));
            Assert.True(fit.Interrupted);
            Assert.Equal(2, fit.Epochs.Count);
            var state = Checkpoint.TryReadState(dir)!;
            Assert.Equal(2, state.Epoch);
            Assert.Equal(0, state.BatchesDone);
            Assert.True(state.Interrupted);
        }

        [Fact]
        public void Checkpoint_of_another_network_is_refused()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new TestSgd(model.Parameters, 0.1f);
            Checkpoint.Save(dir, model, opt, 1);
            string json = Path.Combine(Checkpoint.TryCurrentFolder(dir)!, "checkpoint.json");
            File.WriteAllText(json, File.ReadAllText(json).Replace("FakeLogistic", "Other"));
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir, model, opt));
            Assert.Contains("'Other', not 'FakeLogistic'", e.Message);
        }

        [Fact]
        public void Failed_save_leaves_the_previous_checkpoint_intact()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new TestSgd(model.Parameters, 0.1f);
            Checkpoint.Save(dir, model, opt, 1);
            byte[] before = File.ReadAllBytes(Path.Combine(Checkpoint.TryCurrentFolder(dir)!, "checkpoint.json"));
            var failing = new FailingSaveOptimizer(model.Parameters);
            Assert.Throws<IOException>(() => Checkpoint.Save(dir, model, failing, 2));
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(Checkpoint.TryCurrentFolder(dir)!, "checkpoint.json")));
            Assert.Single(Directory.GetFiles(dir));        // the pointer, no temporary files left
            Assert.Single(Directory.GetDirectories(dir));  // the previous checkpoint, no half-written folder
        }

        private sealed class FailingSaveOptimizer : global::CnnGen.Optim.Optimizer
        {
            public FailingSaveOptimizer(System.Collections.Generic.IEnumerable<Parameter> p) : base(p, 0.1f) { }
            public override void Step() { }
            public override void SaveState(string path)
            {
                File.WriteAllText(path, "half");
                throw new IOException("disk full");
            }
            public override void LoadState(string path) { }
        }

        [Fact]
        public void Confusion_matrix_counts_pairs()
        {
            var cm = new ConfusionMatrix(3, new[] { "a", "b", "c" });
            var logits = new float[] { 5, 0, 0, 0, 5, 0, 0, 5, 0, 0, 0, 5 };
            cm.Add(logits, new[] { 0, 1, 2, 2 });
            Assert.Equal(1, cm[0, 0]);
            Assert.Equal(1, cm[1, 1]);
            Assert.Equal(1, cm[2, 1]);
            Assert.Equal(1, cm[2, 2]);
            Assert.Equal(4, cm.Total);
            Assert.Equal(0.75, cm.Accuracy);
            Assert.Equal(0.5, cm.Recall(2));
            var w = new StringWriter();
            cm.Print(w);
            Assert.Contains("accuracy 75.00% of 4 samples", w.ToString());
        }

        [Fact]
        public void Confusion_matrix_of_a_model_matches_its_predictions()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3, seed: 3);
            var ds = TestData.Separable(30);
            using var loader = new DataLoader(ds, 8);
            var cm = ConfusionMatrix.Compute(model, loader);
            var logits = new float[30 * 3];
            model.Predict(ds.Images, 30, logits);
            var expected = new long[3, 3];
            for (int n = 0; n < 30; n++)
            {
                var row = logits.AsSpan(n * 3, 3).ToArray();
                expected[ds.Labels[n], Array.IndexOf(row, row.Max())]++;
            }
            for (int a = 0; a < 3; a++)
                for (int p = 0; p < 3; p++) Assert.Equal(expected[a, p], cm[a, p]);
        }
    }
}
