using System;

namespace CnnGen.Optim
{
    /// <summary>
    /// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>: lr = etaMin + (base − etaMin)·(1 + cos(π·step / tMax)) / 2.
    /// Past <c>tMax</c> the rate climbs back up along the same cosine, as PyTorch's does (it is periodic in 2·tMax).
    /// </summary>
    public sealed class CosineAnnealingLR : LearningRateScheduler
    {
        /// <param name="optimizer">The optimizer whose learning rate (at the first schedule's construction) is the base.</param>
        /// <param name="tMax">Steps from the base rate down to <paramref name="etaMin"/>, ≥ 1.</param>
        /// <param name="etaMin">The lowest rate.</param>
        public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
        {
            if (tMax < 1) throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "CosineAnnealingLR: tMax must be ≥ 1.");
            if (!(etaMin >= 0) || double.IsInfinity(etaMin)) throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "CosineAnnealingLR: etaMin must be a finite number ≥ 0.");
            TMax = tMax;
            EtaMin = etaMin;
            Apply();
        }

        public int TMax { get; }

        public double EtaMin { get; }

        /// <inheritdoc/>
        public override double LearningRateAt(long step)
        {
            CheckStep(step);
            return EtaMin + (BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;
        }
    }
}
