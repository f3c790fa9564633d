using System;
using System.Collections.Generic;
using System.Linq;

namespace CnnGen.Optim
{
    /// <summary><c>torch.optim.lr_scheduler.StepLR</c>: lr = base · gamma^⌊step / stepSize⌋.</summary>
    public sealed class StepLR : LearningRateScheduler
    {
        /// <param name="optimizer">The optimizer whose learning rate (at the first schedule's construction) is the base.</param>
        /// <param name="stepSize">Steps between two decays, ≥ 1.</param>
        /// <param name="gamma">Factor of each decay.</param>
        public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
        {
            if (stepSize < 1) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "StepLR: the step size must be ≥ 1.");
            if (!double.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "StepLR: gamma must be a finite number.");
            StepSize = stepSize;
            Gamma = gamma;
            Apply();
        }

        public int StepSize { get; }

        public double Gamma { get; }

        /// <inheritdoc/>
        public override double LearningRateAt(long step)
        {
            CheckStep(step);
            return BaseLearningRate * Math.Pow(Gamma, step / StepSize);
        }
    }

    /// <summary><c>torch.optim.lr_scheduler.MultiStepLR</c>: lr = base · gamma^(number of milestones ≤ step).</summary>
    public sealed class MultiStepLR : LearningRateScheduler
    {
        private readonly int[] _milestones;

        /// <param name="optimizer">The optimizer whose learning rate (at the first schedule's construction) is the base.</param>
        /// <param name="milestones">Step counts at which the rate is multiplied by gamma (a repeated milestone multiplies twice, as in PyTorch).</param>
        /// <param name="gamma">Factor of each decay.</param>
        public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
        {
            if (milestones is null) throw new ArgumentNullException(nameof(milestones));
            _milestones = milestones.OrderBy(m => m).ToArray();
            foreach (int m in _milestones)
                if (m < 0) throw new ArgumentOutOfRangeException(nameof(milestones), m, "MultiStepLR: a milestone must be ≥ 0.");
            if (!double.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "MultiStepLR: gamma must be a finite number.");
            Gamma = gamma;
            Apply();
        }

        public IReadOnlyList<int> Milestones => _milestones;

        public double Gamma { get; }

        /// <inheritdoc/>
        public override double LearningRateAt(long step)
        {
            CheckStep(step);
            int passed = 0;
            foreach (int m in _milestones)
                if (m <= step) passed++;
            return BaseLearningRate * Math.Pow(Gamma, passed);
        }
    }
}
