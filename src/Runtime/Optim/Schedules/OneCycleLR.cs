using System;

namespace CnnGen.Optim
{
    /// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
    public enum AnnealStrategy
    {
        /// <summary>Half a cosine (PyTorch's default, "cos").</summary>
        Cos,

        /// <summary>A straight line ("linear").</summary>
        Linear,
    }

    /// <summary>
    /// <c>torch.optim.lr_scheduler.OneCycleLR</c> with PyTorch's defaults (cosine annealing, pctStart 0.3,
    /// divFactor 25, finalDivFactor 1e4, two phases): the rate rises from maxLr / divFactor to maxLr over the first
    /// pctStart of <c>totalSteps</c>, then falls to maxLr / divFactor / finalDivFactor. The optimizer's own
    /// learning rate is not used.
    /// <para>
    /// Like PyTorch it also cycles the momentum the other way, from maxMomentum down to baseMomentum and back: SGD's
    /// <see cref="Sgd.Momentum"/> (the optimizer must have been built with momentum &gt; 0, which allocates its
    /// buffers) or Adam's and AdamW's <see cref="Adam.Beta1"/>. Pass <c>cycleMomentum: false</c> to leave them alone.
    /// </para>
    /// </summary>
    public sealed class OneCycleLR : LearningRateScheduler
    {
        private readonly Phase[] _phases;

        private readonly record struct Phase(double EndStep, double StartLr, double EndLr, double StartMomentum, double EndMomentum);

        /// <param name="optimizer">An <see cref="Sgd"/> with momentum, an <see cref="Adam"/>/<see cref="AdamW"/>, or any optimizer when <paramref name="cycleMomentum"/> is false.</param>
        /// <param name="maxLr">The peak learning rate.</param>
        /// <param name="totalSteps">Optimizer steps in the whole cycle (epochs × batches per epoch, or that ÷ accumulation steps).</param>
        /// <param name="pctStart">Share of the steps spent rising, in [0, 1].</param>
        /// <param name="annealStrategy">Cosine (default) or linear.</param>
        /// <param name="cycleMomentum">Cycle the momentum (SGD) or beta1 (Adam) inversely to the rate.</param>
        /// <param name="baseMomentum">The momentum at the peak rate.</param>
        /// <param name="maxMomentum">The momentum at the start and end.</param>
        /// <param name="divFactor">Initial rate = maxLr / divFactor.</param>
        /// <param name="finalDivFactor">Final rate = initial rate / finalDivFactor.</param>
        /// <param name="threePhase">PyTorch's three_phase: rise, fall back to the initial rate symmetrically, then anneal to the final rate.</param>
        public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
                          bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25.0,
                          double finalDivFactor = 1e4, bool threePhase = false)
            : base(optimizer)
        {
            if (!(maxLr >= 0) || double.IsInfinity(maxLr)) throw new ArgumentOutOfRangeException(nameof(maxLr), maxLr, "OneCycleLR: maxLr must be a finite number ≥ 0.");
            if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "OneCycleLR: totalSteps must be ≥ 1.");
            if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "OneCycleLR: pctStart must be in [0, 1].");
            if (!(divFactor > 0) || !(finalDivFactor > 0)) throw new ArgumentOutOfRangeException(nameof(divFactor), "OneCycleLR: divFactor and finalDivFactor must be > 0.");
            if (cycleMomentum)
            {
                if (!(baseMomentum >= 0 && baseMomentum < 1) || !(maxMomentum >= 0 && maxMomentum < 1))
                    throw new ArgumentOutOfRangeException(nameof(baseMomentum), "OneCycleLR: baseMomentum and maxMomentum must be in [0, 1).");
                if (optimizer is Sgd sgd && sgd.Momentum == 0)
                    throw new ArgumentException("OneCycleLR cycles SGD's momentum, but this Sgd was built with momentum 0 (so it has no momentum buffers): " +
                                                "build it with momentum > 0 (e.g. 0.9) or pass cycleMomentum: false.", nameof(optimizer));
                if (optimizer is not (Sgd or Adam))
                    throw new ArgumentException($"OneCycleLR cannot cycle the momentum of {optimizer.GetType().Name}; pass cycleMomentum: false.", nameof(optimizer));
            }
            MaxLearningRate = maxLr;
            TotalSteps = totalSteps;
            AnnealStrategy = annealStrategy;
            CycleMomentum = cycleMomentum;
            double initial = maxLr / divFactor, min = initial / finalDivFactor;
            InitialLearningRate = initial;
            FinalLearningRate = min;
            // The phase ends as PyTorch computes them, in double (float(pct_start * total_steps) - 1, …).
            _phases = threePhase
                ? new[]
                {
                    new Phase(pctStart * totalSteps - 1, initial, maxLr, maxMomentum, baseMomentum),
                    new Phase(2 * pctStart * totalSteps - 2, maxLr, initial, baseMomentum, maxMomentum),
                    new Phase(totalSteps - 1, initial, min, maxMomentum, maxMomentum),
                }
                : new[]
                {
                    new Phase(pctStart * totalSteps - 1, initial, maxLr, maxMomentum, baseMomentum),
                    new Phase(totalSteps - 1, maxLr, min, baseMomentum, maxMomentum),
                };
            Apply();
        }

        public double MaxLearningRate { get; }

        /// <summary>maxLr / divFactor: the rate of the first step.</summary>
        public double InitialLearningRate { get; }

        /// <summary>The initial rate / finalDivFactor: the rate at the end.</summary>
        public double FinalLearningRate { get; }

        public int TotalSteps { get; }

        public AnnealStrategy AnnealStrategy { get; }

        public bool CycleMomentum { get; }

        /// <inheritdoc/>
        /// <exception cref="InvalidOperationException">More than <see cref="TotalSteps"/> steps (PyTorch raises there too).</exception>
        public override double LearningRateAt(long step) => At(step).Lr;

        /// <summary>The momentum (SGD) or beta1 (Adam) after <paramref name="step"/> steps.</summary>
        public double MomentumAt(long step) => At(step).Momentum;

        /// <inheritdoc/>
        public override void Apply()
        {
            var (lr, momentum) = At(Optimizer.StepCount);
            Optimizer.LearningRate = (float)lr;
            if (!CycleMomentum) return;
            if (Optimizer is Sgd sgd) sgd.Momentum = (float)momentum;
            else if (Optimizer is Adam adam) adam.Beta1 = (float)momentum;
        }

        private (double Lr, double Momentum) At(long step)
        {
            CheckStep(step);
            if (step > TotalSteps)
                throw new InvalidOperationException(
                    $"OneCycleLR was built for {TotalSteps} steps, but the optimizer has taken {step}: set totalSteps to the number of optimizer steps of the whole run " +
                    "(epochs × batches per epoch, divided by the accumulation steps).");
            double start = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                var p = _phases[i];
                if (step <= p.EndStep || i == _phases.Length - 1)
                {
                    double pct = (step - start) / (p.EndStep - start);
                    return (Anneal(p.StartLr, p.EndLr, pct), Anneal(p.StartMomentum, p.EndMomentum, pct));
                }
                start = p.EndStep;
            }
            throw new InvalidOperationException("unreachable: the last phase always matches");
        }

        private double Anneal(double start, double end, double pct)
            => AnnealStrategy == AnnealStrategy.Cos
                ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
                : (end - start) * pct + start;
    }
}
