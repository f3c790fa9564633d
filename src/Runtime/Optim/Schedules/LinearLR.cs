using System;

namespace CnnGen.Optim
{
    /// <summary>
    /// <c>torch.optim.lr_scheduler.LinearLR</c>, the usual linear warm-up: the factor goes linearly from
    /// <c>startFactor</c> to <c>endFactor</c> over <c>totalIters</c> steps and then stays:
    /// lr = base · (start + (end − start) · min(step, totalIters) / totalIters).
    /// </summary>
    public sealed class LinearLR : LearningRateScheduler
    {
        /// <param name="optimizer">The optimizer whose learning rate (at the first schedule's construction) is the base.</param>
        /// <param name="startFactor">Factor of the first step, in (0, 1].</param>
        /// <param name="endFactor">Factor from step <paramref name="totalIters"/> on, in [0, 1].</param>
        /// <param name="totalIters">Steps of the ramp, ≥ 1.</param>
        public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
        {
            // PyTorch's own bounds: a start factor of 0 would make its recursive form divide by zero.
            if (!(startFactor > 0 && startFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "LinearLR: the start factor must be in (0, 1].");
            if (!(endFactor >= 0 && endFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "LinearLR: the end factor must be in [0, 1].");
            if (totalIters < 1) throw new ArgumentOutOfRangeException(nameof(totalIters), totalIters, "LinearLR: totalIters must be ≥ 1.");
            StartFactor = startFactor;
            EndFactor = endFactor;
            TotalIters = totalIters;
            Apply();
        }

        public double StartFactor { get; }

        public double EndFactor { get; }

        public int TotalIters { get; }

        /// <inheritdoc/>
        public override double LearningRateAt(long step)
        {
            CheckStep(step);
            return BaseLearningRate * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, step) / TotalIters);
        }
    }
}
