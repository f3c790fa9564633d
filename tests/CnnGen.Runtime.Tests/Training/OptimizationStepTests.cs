using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Tests.Networks;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training
{
    /// <summary>The trainer's per-step options: gradient accumulation, clipping, a per-step schedule.</summary>
    public class OptimizationStepTests
    {
        private static TrainerOptions Quiet(int accumulate = 1, double? clip = null, LearningRateScheduler? scheduler = null, Action<int, int, float>? onBatch = null)
            => new TrainerOptions
            {
                Progress = ProgressMode.Silent,
                HandleCtrlC = false,
                AccumulateSteps = accumulate,
                ClipGradNorm = clip,
                Scheduler = scheduler,
                OnBatchEnd = onBatch,
            };

        /// <summary>50 random 1×6×6 images in 3 classes for <see cref="TinyNet"/> (a generated network without BatchNorm).</summary>
        private static InMemoryDataset Images(int count = 50)
        {
            var rng = new Randomness.Rng(11);
            var images = new float[count * 36];
            for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
            return new InMemoryDataset(images, Enumerable.Range(0, count).Select(i => i % 3).ToArray(), 1, 6, 6, 3, "random");
        }

        private static float[][] Weights(INetwork m) => m.Parameters.Select(p => p.Data.ToArray()).ToArray();

        [Fact]
        public void Accumulating_three_batches_of_4_equals_training_on_batches_of_12()
        {
            // 50 samples: batches of 4 are 12 full ones and one of 2; in threes that is 4 × 12 samples, then the 2 alone —
            // exactly the batches of 12 (4 × 12, then 2). Two epochs, SGD with momentum so every step's gradient counts.
            var data = Images();
            var small = new TinyNet(5, maxBatch: 12);
            var big = new TinyNet(5, maxBatch: 12);
            using (var loader4 = new DataLoader(data, 4))
                Trainer.Fit(small, new Sgd(small.Parameters, 0.2f, momentum: 0.9f), loader4, null, 2, Quiet(accumulate: 3));
            using (var loader12 = new DataLoader(data, 12))
                Trainer.Fit(big, new Sgd(big.Parameters, 0.2f, momentum: 0.9f), loader12, null, 2, Quiet());

            var a = Weights(small);
            var b = Weights(big);
            var start = Weights(new TinyNet(5, maxBatch: 12));
            for (int p = 0; p < a.Length; p++)
            {
                Assert.True(a[p].Zip(start[p]).Any(t => Math.Abs(t.First - t.Second) > 1e-3), $"{small.Parameters[p].Name} did not move");
                for (int i = 0; i < a[p].Length; i++)
                    Assert.True(Math.Abs(a[p][i] - b[p][i]) <= 2e-5 * Math.Max(1, Math.Abs(b[p][i])),
                        $"{small.Parameters[p].Name}[{i}]: accumulated {a[p][i]} vs one big batch {b[p][i]}");
            }
        }

        [Fact]
        public void Accumulation_makes_one_optimizer_step_per_group_and_one_for_the_rest_of_the_epoch()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new Sgd(model.Parameters, 0.1f);
            using var loader = new DataLoader(TestData.Separable(50), 4);   // 13 batches a epoch
            Trainer.Fit(model, opt, loader, null, 2, Quiet(accumulate: 3));
            Assert.Equal(2 * 5, opt.StepCount);                             // ⌈13 / 3⌉ per epoch
        }

        [Fact]
        public void The_schedule_sets_the_rate_of_every_step()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new Sgd(model.Parameters, 0.1f);
            var schedule = new StepLR(opt, stepSize: 1, gamma: 0.5);
            var seen = new List<float>();
            using var loader = new DataLoader(TestData.Separable(30), 10);
            Trainer.Fit(model, opt, loader, null, 2, Quiet(scheduler: schedule, onBatch: (_, _, _) => seen.Add(opt.LearningRate)));
            Assert.Equal(Enumerable.Range(0, 6).Select(k => (float)(0.1 * Math.Pow(0.5, k))), seen);
        }

        [Fact]
        public void Clipping_limits_each_update_to_the_norm()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new Sgd(model.Parameters, 1f);
            var before = Weights(model);
            using var loader = new DataLoader(TestData.Separable(30), 30);   // one step
            Trainer.Fit(model, opt, loader, null, 1, Quiet(clip: 1e-3));
            var after = Weights(model);
            double moved = Math.Sqrt(before.Zip(after).Sum(t => t.First.Zip(t.Second).Sum(u => (double)(u.First - u.Second) * (u.First - u.Second))));
            Assert.Equal(1e-3, moved, 6);   // lr 1: the update is the clipped gradient, whose norm is max_norm
        }

        [Fact]
        public void A_stop_waits_for_the_accumulated_step_and_resume_continues_batches_and_schedule_as_if_uninterrupted()
        {
            var ds = TestData.Separable(90);   // 9 batches of 10: steps after batches 3, 6, 9 of each epoch
            TrainerOptions Options(Sgd opt, string? dir = null, bool resume = false, System.Threading.CancellationToken token = default, Action<int, int, float>? onBatch = null)
                => new TrainerOptions
                {
                    Progress = ProgressMode.Silent, HandleCtrlC = false, AccumulateSteps = 3, Scheduler = new StepLR(opt, 2, 0.5),
                    CheckpointDirectory = dir, Resume = resume, CancellationToken = token, OnBatchEnd = onBatch,
                };

            var reference = new FakeLogisticNetwork(1, 2, 2, 3);
            var refOpt = new Sgd(reference.Parameters, 0.3f, momentum: 0.9f);
            using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                Trainer.Fit(reference, refOpt, loader, null, 2, Options(refOpt));

            string dir = TestData.TempDir();
            try
            {
                var model = new FakeLogisticNetwork(1, 2, 2, 3);
                var opt = new Sgd(model.Parameters, 0.3f, momentum: 0.9f);
                using var cts = new System.Threading.CancellationTokenSource();
                FitResult fit;
                using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                    fit = Trainer.Fit(model, opt, loader, null, 2, Options(opt, dir, token: cts.Token, onBatch: (e, b, _) => { if (e == 2 && b == 3) cts.Cancel(); }));
                Assert.True(fit.Interrupted);
                Assert.Equal(3 + 2, opt.StepCount);                        // batch 4 asked to stop; batches 5 and 6 completed the step
                Assert.Equal(6, Checkpoint.TryReadState(dir)!.BatchesDone);

                var resumed = new FakeLogisticNetwork(1, 2, 2, 3, seed: 77);
                var opt2 = new Sgd(resumed.Parameters, 0.3f, momentum: 0.9f);
                using (var loader = new DataLoader(ds, 10, shuffle: true, seed: 8))
                    Trainer.Fit(resumed, opt2, loader, null, 2, Options(opt2, dir, resume: true));
                Assert.Equal(refOpt.StepCount, opt2.StepCount);
                Assert.Equal(refOpt.LearningRate, opt2.LearningRate);     // StepLR at step 5: 0.3 · 0.5²
                Assert.Equal((float)(0.3 * 0.25), opt2.LearningRate);
                for (int p = 0; p < reference.Parameters.Count; p++)
                    Assert.Equal(reference.Parameters[p].Data.ToArray(), resumed.Parameters[p].Data.ToArray());
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void Bad_options_are_refused_before_training()
        {
            var model = new FakeLogisticNetwork(1, 2, 2, 3);
            var opt = new Sgd(model.Parameters, 0.1f);
            using var loader = new DataLoader(TestData.Separable(30), 10);
            Assert.Contains("AccumulateSteps", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, opt, loader, null, 1, Quiet(accumulate: 0))).Message);
            Assert.Contains("ClipGradNorm", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, opt, loader, null, 1, Quiet(clip: -1))).Message);
            var other = new Sgd(new FakeLogisticNetwork(1, 2, 2, 3).Parameters, 0.1f);
            Assert.Contains("another optimizer", Assert.Throws<ArgumentException>(() => Trainer.Fit(model, opt, loader, null, 1, Quiet(scheduler: new StepLR(other, 1)))).Message);
            var both = new TrainerOptions { Progress = ProgressMode.Silent, HandleCtrlC = false, Scheduler = new StepLR(opt, 1), LearningRateSchedule = _ => 0.1f };
            Assert.Contains("use one", Assert.Throws<ArgumentException>(() => Trainer.Fit(model, opt, loader, null, 1, both)).Message);
            Assert.Equal(0, opt.StepCount);
        }
    }
}
