using System;
using System.Linq;
using System.Text.Json;
using CnnGen.Optim;
using Xunit;
using static CnnGen.Tests.Optim.OptimFixtures;

namespace CnnGen.Tests.Optim
{
    /// <summary>Each schedule against the learning rates PyTorch 1.13's lr_scheduler produced (Fixtures/optim_fixtures.json).</summary>
    public class ScheduleTests
    {
        private static JsonElement Case(string name, int index = 0)
            => Section("schedules").Where(s => s.GetProperty("name").GetString() == name).ElementAt(index);

        private static double Arg(JsonElement c, string name) => c.GetProperty("args").GetProperty(name).GetDouble();

        /// <summary>
        /// Drives <paramref name="schedule"/> as the PyTorch script drove its scheduler — read the rate, optimizer
        /// step, scheduler step — and compares every rate. PyTorch's base rate is the double 0.1, ours the
        /// optimizer's float 0.1f (1.5e-8 relative apart), and ours is the closed form where PyTorch mostly recurses:
        /// so they agree to float precision, 1e-7 relative, as does the float the optimizer is given.
        /// </summary>
        private static void Follows(JsonElement c, Optimizer opt, LearningRateScheduler schedule, Func<double>? momentum = null, string? momentumKey = null)
        {
            double[] expected = Doubles(c.GetProperty("lr"));
            double[]? expectedMomentum = momentumKey is null ? null : Doubles(c.GetProperty(momentumKey));
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - schedule.LearningRateAt(k)) <= 1e-7 * Math.Abs(expected[k]) + 1e-18,
                    $"step {k}: PyTorch {expected[k]:R}, ours {schedule.LearningRateAt(k):R}");
                Assert.True(Math.Abs(expected[k] - opt.LearningRate) <= 1.2e-7 * Math.Abs(expected[k]) + 1e-18,
                    $"step {k}: PyTorch {expected[k]:R}, the optimizer's rate {opt.LearningRate:R}");
                if (expectedMomentum is not null)
                    Assert.True(Math.Abs(expectedMomentum[k] - momentum!()) <= 1e-7, $"step {k}: PyTorch's momentum {expectedMomentum[k]:R}, ours {momentum!():R}");
                opt.Step();
                schedule.Step();
            }
        }

        private static Sgd NewSgd(JsonElement c, float momentum = 0) => new Sgd(OneParameter(), (float)c.GetProperty("base_lr").GetDouble(), momentum);

        [Fact]
        public void StepLR_matches_PyTorch()
        {
            var c = Case("StepLR");
            var opt = NewSgd(c);
            Follows(c, opt, new StepLR(opt, (int)Arg(c, "step_size"), Arg(c, "gamma")));
        }

        [Fact]
        public void MultiStepLR_matches_PyTorch()
        {
            var c = Case("MultiStepLR");
            var opt = NewSgd(c);
            Follows(c, opt, new MultiStepLR(opt, Ints(c.GetProperty("args").GetProperty("milestones")), Arg(c, "gamma")));
        }

        [Fact]
        public void CosineAnnealingLR_matches_PyTorch_also_past_tMax()
        {
            var c = Case("CosineAnnealingLR");
            Assert.True(c.GetProperty("lr").GetArrayLength() > 2 * Arg(c, "T_max"));
            var opt = NewSgd(c);
            Follows(c, opt, new CosineAnnealingLR(opt, (int)Arg(c, "T_max"), Arg(c, "eta_min")));
        }

        [Fact]
        public void LinearLR_warm_up_matches_PyTorch()
        {
            var c = Case("LinearLR", 0);
            var opt = NewSgd(c);
            Follows(c, opt, new LinearLR(opt, Arg(c, "start_factor"), Arg(c, "end_factor"), (int)Arg(c, "total_iters")));
        }

        [Fact]
        public void LinearLR_defaults_are_PyTorchs()
        {
            var c = Case("LinearLR", 1);
            var opt = NewSgd(c);
            Follows(c, opt, new LinearLR(opt));
        }

        [Fact]
        public void OneCycleLR_with_SGD_matches_PyTorchs_rates_and_momenta()
        {
            var c = Case("OneCycleLR", 0);
            var opt = NewSgd(c, momentum: 0.9f);
            var schedule = new OneCycleLR(opt, Arg(c, "max_lr"), (int)Arg(c, "total_steps"));
            Follows(c, opt, schedule, () => opt.Momentum, "momentum");
        }

        [Fact]
        public void OneCycleLR_with_Adam_cycles_beta1()
        {
            var c = Case("OneCycleLR", 1);
            var opt = new Adam(OneParameter(), (float)c.GetProperty("base_lr").GetDouble());
            var schedule = new OneCycleLR(opt, Arg(c, "max_lr"), (int)Arg(c, "total_steps"));
            Follows(c, opt, schedule, () => opt.Beta1, "beta1");
        }

        [Fact]
        public void OneCycleLR_three_phase_linear_matches_PyTorch()
        {
            var c = Case("OneCycleLR", 2);
            Assert.True(c.GetProperty("args").GetProperty("three_phase").GetBoolean());
            var opt = NewSgd(c, momentum: 0.9f);
            var schedule = new OneCycleLR(opt, Arg(c, "max_lr"), (int)Arg(c, "total_steps"), Arg(c, "pct_start"), AnnealStrategy.Linear,
                                          divFactor: Arg(c, "div_factor"), finalDivFactor: Arg(c, "final_div_factor"), threePhase: true);
            Follows(c, opt, schedule, () => opt.Momentum, "momentum");
        }

        [Fact]
        public void SequentialLR_warm_up_then_cosine_matches_PyTorch()
        {
            var c = Case("SequentialLR");
            var opt = NewSgd(c);
            int warm = (int)Arg(c, "warmup_iters");
            var cosine = new CosineAnnealingLR(opt, (int)Arg(c, "T_max"));
            var schedule = SequentialLR.WithWarmUp(cosine, warm, Arg(c, "warmup_start_factor"));
            Assert.Equal(0.1f, schedule.BaseLearningRate);   // the second schedule did not take the first one's scaled rate as its base
            Follows(c, opt, schedule);
        }

        [Fact]
        public void A_schedule_follows_the_step_count_so_a_restored_optimizer_continues_it()
        {
            var opt = new Sgd(OneParameter(), 0.1f);
            var schedule = new StepLR(opt, 2, 0.5);
            for (int i = 0; i < 5; i++) { opt.Step(); schedule.Step(); }
            Assert.Equal(0.025f, opt.LearningRate);
            string path = System.IO.Path.GetTempFileName();
            try
            {
                opt.SaveState(path);
                var fresh = new Sgd(OneParameter(), 0.1f);
                var again = new StepLR(fresh, 2, 0.5);
                fresh.LoadState(path);
                again.Apply();
                Assert.Equal(5, fresh.StepCount);
                Assert.Equal(0.025f, fresh.LearningRate);
                fresh.Step();
                again.Step();
                Assert.Equal(0.0125f, fresh.LearningRate);   // step 6 of the schedule, not step 1
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }

        [Fact]
        public void OneCycleLR_refuses_more_steps_than_it_was_built_for_and_SGD_without_momentum()
        {
            var opt = new Sgd(OneParameter(), 0.1f, momentum: 0.9f);
            var schedule = new OneCycleLR(opt, 0.1, totalSteps: 3);
            Assert.Equal(0.1 / 25 / 1e4, schedule.LearningRateAt(2), 6);   // the end of the cycle
            schedule.LearningRateAt(3);                                        // PyTorch allows one more (extrapolated)
            var e = Assert.Throws<InvalidOperationException>(() => schedule.LearningRateAt(4));
            Assert.Contains("built for 3 steps", e.Message);
            var plain = new Sgd(OneParameter(), 0.1f);
            Assert.Contains("momentum 0", Assert.Throws<ArgumentException>(() => new OneCycleLR(plain, 0.1, 10)).Message);
            var noCycle = new OneCycleLR(plain, 0.1, 10, cycleMomentum: false);
            Assert.Equal(0f, plain.Momentum);
            Assert.Equal((float)(0.1 / 25), plain.LearningRate);
            Assert.Equal(AnnealStrategy.Cos, noCycle.AnnealStrategy);
        }

        [Fact]
        public void Bad_arguments_are_named()
        {
            var opt = new Sgd(OneParameter(), 0.1f);
            Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(opt, 0)).ParamName);
            Assert.Equal("tMax", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(opt, 0)).ParamName);
            Assert.Equal("startFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(opt, startFactor: 0)).ParamName);
            var other = new Sgd(OneParameter(), 0.1f);
            Assert.Contains("another optimizer", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, new LearningRateScheduler[] { new StepLR(opt, 1), new StepLR(other, 1) }, new[] { 3 })).Message);
            Assert.Contains("need 1 milestones", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, new LearningRateScheduler[] { new StepLR(opt, 1), new StepLR(opt, 1) }, Array.Empty<int>())).Message);
        }
    }
}
