using System;
using System.Collections.Generic;
using System.Linq;

namespace CnnGen.Optim
{
    /// <summary>
    /// <c>torch.optim.lr_scheduler.SequentialLR</c>: schedule i runs from milestone i − 1 (0 for the first) to
    /// milestone i, each starting from its own step 0 at its milestone. The usual warm-up then decay:
    /// <code>
    /// var warmup = new LinearLR(opt, startFactor: 0.1, totalIters: 500);
    /// var decay = new CosineAnnealingLR(opt, tMax: totalSteps - 500);
    /// var schedule = new SequentialLR(opt, new LearningRateScheduler[] { warmup, decay }, milestones: new[] { 500 });
    /// </code>
    /// (or <see cref="WithWarmUp"/>).
    /// </summary>
    public sealed class SequentialLR : LearningRateScheduler
    {
        private readonly LearningRateScheduler[] _schedules;
        private readonly int[] _milestones;

        /// <param name="optimizer">The optimizer all schedules belong to.</param>
        /// <param name="schedules">The schedules in order, each built for <paramref name="optimizer"/>.</param>
        /// <param name="milestones">One fewer than the schedules, increasing: the step at which each next schedule takes over.</param>
        public SequentialLR(Optimizer optimizer, IEnumerable<LearningRateScheduler> schedules, IEnumerable<int> milestones) : base(optimizer)
        {
            if (schedules is null) throw new ArgumentNullException(nameof(schedules));
            if (milestones is null) throw new ArgumentNullException(nameof(milestones));
            _schedules = schedules.ToArray();
            _milestones = milestones.ToArray();
            if (_schedules.Length == 0) throw new ArgumentException("SequentialLR needs at least one schedule.", nameof(schedules));
            for (int i = 0; i < _schedules.Length; i++)
            {
                if (_schedules[i] is null) throw new ArgumentException($"SequentialLR: schedule {i} is null.", nameof(schedules));
                if (!ReferenceEquals(_schedules[i].Optimizer, optimizer))
                    throw new ArgumentException($"SequentialLR: schedule {i} ({_schedules[i].GetType().Name}) belongs to another optimizer.", nameof(schedules));
            }
            if (_milestones.Length != _schedules.Length - 1)
                throw new ArgumentException($"SequentialLR: {_schedules.Length} schedules need {_schedules.Length - 1} milestones, got {_milestones.Length}.", nameof(milestones));
            for (int i = 0; i < _milestones.Length; i++)
            {
                if (_milestones[i] < 1 || (i > 0 && _milestones[i] <= _milestones[i - 1]))
                    throw new ArgumentException($"SequentialLR: milestone {i} is {_milestones[i]}; milestones must be ≥ 1 and increasing.", nameof(milestones));
            }
            Apply();
        }

        /// <summary>Warm-up as PyTorch users write it: <see cref="LinearLR"/> from <paramref name="startFactor"/> to 1 over
        /// <paramref name="warmUpSteps"/> steps, then <paramref name="after"/> from its own step 0.</summary>
        public static SequentialLR WithWarmUp(LearningRateScheduler after, int warmUpSteps, double startFactor = 0.1)
        {
            if (after is null) throw new ArgumentNullException(nameof(after));
            var warmUp = new LinearLR(after.Optimizer, startFactor, 1.0, warmUpSteps);
            return new SequentialLR(after.Optimizer, new[] { warmUp, after }, new[] { warmUpSteps });
        }

        public IReadOnlyList<LearningRateScheduler> Schedules => _schedules;

        public IReadOnlyList<int> Milestones => _milestones;

        /// <inheritdoc/>
        public override double LearningRateAt(long step)
        {
            CheckStep(step);
            int i = 0;
            while (i < _milestones.Length && step >= _milestones[i]) i++;
            return _schedules[i].LearningRateAt(step - (i == 0 ? 0 : _milestones[i - 1]));
        }
    }
}
