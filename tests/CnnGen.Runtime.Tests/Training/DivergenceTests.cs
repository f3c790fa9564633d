using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>Numbers that go bad stop training with a message that says where and why, and never reach a checkpoint.</summary>
    public class DivergenceTests
    {
        private static TrainerOptions Options(string? checkpoints = null, bool resume = false, System.Func<int, float>? schedule = null) => new TrainerOptions
        {
            Progress = ProgressMode.Silent,
            HandleCtrlC = false,
            CheckpointDirectory = checkpoints,
            Resume = resume,
            LearningRateSchedule = schedule,
        };

        private static byte[] CurrentModel(string dir) => File.ReadAllBytes(Path.Combine(Checkpoint.TryCurrentFolder(dir)!, Checkpoint.ModelFileName));

        [Fact]
        public void A_finite_loss_that_explodes_stops_training_and_keeps_the_last_good_checkpoint()
        {
            // lr 1e6 from epoch 2 on: the loss of a real network goes to ~1e30 without ever being NaN.
            string dir = TestData.TempDir();
            var model = new ResumeDropoutNet(seed: 3, maxBatch: 10);
            using var loader = new DataLoader(TestData.Separable(200), 10, shuffle: true, seed: 5);
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new Sgd(model.Parameters, 0.05f), loader, null, 5,
                Options(dir, schedule: epoch => epoch == 1 ? 0.05f : 1e6f)));
            Assert.Equal(2, e.Epoch);
            Assert.Contains("epoch 2, batch", e.Message);
            Assert.Contains("learning rate is 1000000", e.Message);
            Assert.Contains("The last good checkpoint in", e.Message);
            Assert.Equal(1, Checkpoint.TryReadState(dir)!.Epoch);

            // The checkpoint holds epoch 1's finite weights and loads.
            var reloaded = new ResumeDropoutNet(seed: 9, maxBatch: 10);
            Checkpoint.Load(dir, reloaded, new Sgd(reloaded.Parameters, 0.05f));
            Assert.All(reloaded.Parameters, p => Assert.True(DivergenceGuard.AllFinite(p.Data)));
        }

        [Fact]
        public void A_loss_a_thousand_times_its_recent_level_is_a_divergence_and_ordinary_noise_is_not()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3)
            {
                // 20 batches around 1 (a noisy but healthy curve), then 2,000 at epoch 3, batch 5.
                ScriptedLosses = Enumerable.Range(0, 20).Select(i => 1f + 0.5f * (i % 3)).Append(1.2f).Append(1.1f).Append(1.0f).Append(0.9f).Append(2000f).ToArray(),
            };
            using var train = new DataLoader(TestData.Separable(100), 10);
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.01f), train, null, 5, Options()));
            Assert.Equal(3, e.Epoch);
            Assert.Equal(4, e.Batch);
            Assert.Contains("the loss is 2000, more than 1000× its recent level", e.Message);

            // The same curve with the rule turned off trains to the end.
            var relaxed = new FakeLogisticNetwork(1, 2, 2, 3) { ScriptedLosses = model.ScriptedLosses };
            Trainer.Fit(relaxed, new TestSgd(relaxed.Parameters, 0.01f), train, null, 5, new TrainerOptions
            {
                Progress = ProgressMode.Silent,
                HandleCtrlC = false,
                DivergenceLossFactor = 0,
            });
        }

        [Fact]
        public void A_loss_that_explodes_at_the_second_batch_is_caught_there()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3) { ScriptedLosses = new[] { 1.1f, 3e30f } };
            using var train = new DataLoader(TestData.Separable(100), 10);
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.01f), train, null, 5, Options()));
            Assert.Equal(1, e.Epoch);
            Assert.Equal(1, e.Batch);
            Assert.Contains("the loss is 3E+30, more than 1000× its recent level 1.1", e.Message);
        }

        [Fact]
        public void An_update_that_overflows_the_weights_at_the_end_of_an_epoch_is_caught_before_the_checkpoint()
        {
            string dir = TestData.TempDir();
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            using var train = new DataLoader(TestData.Separable(10), 10);
            Trainer.Fit(model, new TestSgd(model.Parameters, 0.1f), train, null, 1, Options(dir));
            byte[] good = CurrentModel(dir);

            // The epoch's only step overflows a weight to ∞; the loss, computed before the step, never saw it.
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new OverflowingOptimizer(model.Parameters), train, null, 1, Options(dir)));
            Assert.Equal(1, e.Epoch);
            Assert.Contains("the update made '0.bias' NaN or infinite", e.Message);
            Assert.Equal(good, CurrentModel(dir));
        }

        /// <summary>An optimizer whose step overflows, as p − lr·g does when lr·g passes 3.4e38.</summary>
        private sealed class OverflowingOptimizer : Optimizer
        {
            public OverflowingOptimizer(System.Collections.Generic.IEnumerable<Parameter> p) : base(p, 0.1f) { }
            public override void Step()
            {
                Parameters[1].Data[2] = float.PositiveInfinity;
                StepCount++;
            }
            public override void SaveState(string path) => File.WriteAllText(path, "unused");
            public override void LoadState(string path) { }
        }

        [Fact]
        public void NaN_gradients_behind_a_finite_loss_stop_training_and_name_the_parameter()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3) { NaNGradientAtCall = 13 };
            using var train = new DataLoader(TestData.Separable(100), 10);
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.1f), train, null, 5, Options()));
            Assert.Equal(2, e.Epoch);
            Assert.Equal(3, e.Batch);
            Assert.Contains("the gradient of '0.weight' holds NaN or infinite values", e.Message);
            Assert.All(model.Parameters, p => Assert.True(DivergenceGuard.AllFinite(p.Data)));   // the bad step was never taken
        }

        [Fact]
        public void A_NaN_in_the_training_data_is_reported_as_bad_data_not_as_a_learning_rate_problem()
        {
            var data = TestData.Separable(40);
            data.Images[23 * 4 + 2] = float.NaN;   // sample 23: batch 3 (of 10), sample 3 of it, value 2
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            using var train = new DataLoader(data, 10);
            var e = Assert.Throws<InvalidDataException>(() => Trainer.Fit(model, new TestSgd(model.Parameters, 0.1f), train, null, 2, Options()));
            Assert.Contains("Training batch 3/4 of epoch 1 holds a NaN or infinite input value (sample 3 of the batch, value 2)", e.Message);
            Assert.DoesNotContain("learning rate", e.Message);
        }

        [Theory]
        [InlineData(new float[] { 1f, 1f, 1f, 1f }, true)]
        [InlineData(new float[] { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, float.NaN }, false)]
        [InlineData(new float[] { 1f, float.PositiveInfinity, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f }, false)]
        [InlineData(new float[] { 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, float.NegativeInfinity }, false)]
        [InlineData(new float[] { 3e38f, -3e38f, 1e-45f, 0f, -0f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f, 3e38f }, true)]
        public void The_finiteness_scan_finds_NaN_and_infinities_in_the_vector_body_and_the_tail(float[] values, bool finite)
            => Assert.Equal(finite, DivergenceGuard.AllFinite(values));
    }
}
