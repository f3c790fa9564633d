using System;
using System.Runtime.CompilerServices;

namespace CnnGen.Optim
{
    /// <summary>
    /// Base of the learning-rate schedules, each a formula of <c>torch.optim.lr_scheduler</c> (PyTorch 1.13).
    /// A schedule is a pure function of the optimizer's step count: the optimizer's step number k + 1 (after k
    /// steps, PyTorch's <c>last_epoch</c> = k) uses <see cref="LearningRateAt"/>(k). So a resumed run, whose
    /// optimizer state restores the step count, continues the schedule where it stopped without saving the
    /// schedule itself.
    /// <para>
    /// Use as in PyTorch: construct it (it sets the optimizer's learning rate for the first step), then call
    /// <see cref="Step"/> after every <see cref="Optimizer.Step"/>; or hand it to the trainer
    /// (<c>TrainerOptions.Scheduler</c>), which steps it per batch.
    /// </para>
    /// </summary>
    public abstract class LearningRateScheduler
    {
        // PyTorch keeps each parameter group's "initial_lr", set by the first scheduler attached to the optimizer,
        // and every later scheduler starts from it. Without it, a second schedule built for SequentialLR would
        // read the first one's already scaled rate as its base.
        private static readonly ConditionalWeakTable<Optimizer, StrongBox<float>> InitialRates = new();

        protected LearningRateScheduler(Optimizer optimizer)
        {
            Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
            BaseLearningRate = InitialRates.GetValue(optimizer, o => new StrongBox<float>(o.LearningRate)).Value;
        }

        /// <summary>The optimizer whose learning rate this schedule sets.</summary>
        public Optimizer Optimizer { get; }

        /// <summary>PyTorch's <c>initial_lr</c>: the optimizer's learning rate when the first schedule was attached to it.</summary>
        public double BaseLearningRate { get; }

        /// <summary>The learning rate after <paramref name="step"/> optimizer steps (PyTorch's <c>last_epoch</c>), in double as Python computes it.</summary>
        public abstract double LearningRateAt(long step);

        /// <summary>Sets the learning rate for the optimizer's next step from its step count (PyTorch's <c>scheduler.step()</c>).</summary>
        public void Step() => Apply();

        /// <summary>The learning rate the optimizer will use for its next step.</summary>
        public float CurrentLearningRate => (float)LearningRateAt(Optimizer.StepCount);

        /// <summary>Sets the optimizer's learning rate (and whatever else the schedule controls) for its next step.</summary>
        public virtual void Apply()
        {
            Optimizer.LearningRate = (float)LearningRateAt(Optimizer.StepCount);
        }

        /// <summary>Throws for a negative step count.</summary>
        protected static void CheckStep(long step)
        {
            if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step count must be ≥ 0.");
        }
    }
}
