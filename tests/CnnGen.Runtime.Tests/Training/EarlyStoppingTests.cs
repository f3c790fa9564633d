using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>Early stopping: Keras' rule, the stop at the epoch boundary, the best weights restored and kept as a checkpoint.</summary>
    public class EarlyStoppingTests
    {
        // One batch per epoch, so epoch e's training loss is the scripted value e − 1: best at epoch 3, then two worse.
        private static readonly float[] Curve = { 3f, 2f, 1f, 1.5f, 1.2f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f };

        private static TrainerOptions Options(string? dir, bool resume, Action<EpochResult>? onEpoch = null) => new TrainerOptions
        {
            Progress = ProgressMode.Silent,
            HandleCtrlC = false,
            CheckpointDirectory = dir,
            Resume = resume,
            OnEpochEnd = onEpoch,
            DivergenceLossFactor = 0,
            EarlyStopping = new EarlyStoppingOptions { Monitor = EarlyStoppingMetric.TrainLoss, Patience = 2 },
        };

        private static float[] Weights(INetwork m) => m.Parameters.SelectMany(p => p.Data.ToArray()).ToArray();

        [Fact]
        public void Training_stops_at_the_epoch_where_patience_runs_out_and_the_best_weights_come_back()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3) { ScriptedLosses = Curve };
            var opt = new TestSgd(model.Parameters, 0.3f);
            var weightsAfter = new Dictionary<int, float[]>();
            using var train = new DataLoader(TestData.Separable(10), 10);
            var fit = Trainer.Fit(model, opt, train, null, 10, Options(dir, false, e => weightsAfter[e.Epoch] = Weights(model)));

            Assert.True(fit.StoppedEarly);
            Assert.Equal(3, fit.BestEpoch);
            Assert.Equal(5, fit.Epochs.Count);
            Assert.Equal(5, opt.StepCount);   // stopped at the boundary: not one step into epoch 6
            Assert.Equal(weightsAfter[3], Weights(model));
            Assert.NotEqual(weightsAfter[5], Weights(model));

            // The last checkpoint is epoch 5's; the best-model checkpoint beside it holds epoch 3's weights.
            var state = Checkpoint.TryReadState(dir)!;
            Assert.Equal(5, state.Epoch);
            Assert.Equal(2, Directory.GetDirectories(dir).Length);
            var best = new FakeLogisticNetwork(1, 2, 2, 3, seed: 99);
            best.Load(Checkpoint.BestModelPath(dir)!);
            Assert.Equal(weightsAfter[3], Weights(best));

            // Resuming a run that stopped early does not train on.
            var again = new FakeLogisticNetwork(1, 2, 2, 3, seed: 99) { ScriptedLosses = Curve };
            var againOpt = new TestSgd(again.Parameters, 0.3f);
            var refit = Trainer.Fit(again, againOpt, train, null, 10, Options(dir, true));
            Assert.True(refit.StoppedEarly);
            Assert.Equal(5, againOpt.StepCount);
            Assert.Equal(weightsAfter[3], Weights(again));
        }

        [Fact]
        public void A_resumed_run_keeps_counting_patience_and_stops_where_an_uninterrupted_one_does()
        {
            string dir = TestData.TempDir();
            using var train = new DataLoader(TestData.Separable(10), 10);
            var first = new FakeLogisticNetwork(1, 2, 2, 3) { ScriptedLosses = Curve };
            var firstFit = Trainer.Fit(first, new TestSgd(first.Parameters, 0.3f), train, null, 4, Options(dir, false));
            Assert.False(firstFit.StoppedEarly);
            Assert.Equal(1, Checkpoint.TryReadState(dir)!.EpochsWithoutImprovement);

            // A new process: the script continues at epoch 5.
            var second = new FakeLogisticNetwork(1, 2, 2, 3, seed: 42) { ScriptedLosses = Curve.Skip(4).ToArray() };
            var opt = new TestSgd(second.Parameters, 0.3f);
            var fit = Trainer.Fit(second, opt, train, null, 10, Options(dir, true));
            Assert.True(fit.StoppedEarly);
            Assert.Equal(3, fit.BestEpoch);
            Assert.Equal(5, opt.StepCount);

            var reference = new FakeLogisticNetwork(1, 2, 2, 3) { ScriptedLosses = Curve };
            Trainer.Fit(reference, new TestSgd(reference.Parameters, 0.3f), train, null, 10, Options(null, false));
            Assert.Equal(Weights(reference), Weights(second));
        }

        [Fact]
        public void Improvement_follows_keras_min_delta_rule()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var stopper = new EarlyStopper(new EarlyStoppingOptions { Monitor = EarlyStoppingMetric.TestAccuracy, Patience = 1, MinDelta = 0.01 });
            EpochResult Epoch(int e, double acc) => new EpochResult(e, 1, 0.5, 1, acc, TimeSpan.Zero, TimeSpan.Zero, 10, 0.1f);
            Assert.True(stopper.Observe(Epoch(1, 0.50), model));
            Assert.False(stopper.Observe(Epoch(2, 0.505), model));   // better, but not by more than MinDelta
            Assert.True(stopper.ShouldStop);
            Assert.True(stopper.Observe(Epoch(3, 0.52), model));
            Assert.False(stopper.ShouldStop);
            Assert.Equal(3, stopper.BestEpoch);
            Assert.False(stopper.Observe(Epoch(4, double.NaN), model));   // a NaN metric is never an improvement
        }

        [Fact]
        public void Monitoring_a_test_metric_without_a_test_set_is_refused_up_front()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            using var train = new DataLoader(TestData.Separable(10), 10);
            var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.3f), train, null, 3,
                new TrainerOptions { Progress = ProgressMode.Silent, HandleCtrlC = false, EarlyStopping = new EarlyStoppingOptions() }));
            Assert.Contains("monitors the test loss, but no test loader was given", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.3f), train, null, 3,
                new TrainerOptions { Progress = ProgressMode.Silent, HandleCtrlC = false, EarlyStopping = new EarlyStoppingOptions { Monitor = EarlyStoppingMetric.TrainLoss, Patience = -1 } }));
        }
    }
}
