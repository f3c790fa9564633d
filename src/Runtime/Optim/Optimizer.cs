using System;
using System.Collections.Generic;

namespace CnnGen.Optim
{
    /// <summary>
    /// Base of the optimizers. <see cref="Step"/> reads each parameter's Grad and updates its Data in place,
    /// following <c>torch.optim</c>'s update rules exactly.
    /// </summary>
    public abstract class Optimizer
    {
        protected Optimizer(IEnumerable<Parameter> parameters, float learningRate)
        {
            if (parameters is null) throw new ArgumentNullException(nameof(parameters));
            if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be ≥ 0.");
            Parameters = new List<Parameter>(parameters);
            LearningRate = learningRate;
        }

        public IReadOnlyList<Parameter> Parameters { get; }

        /// <summary>May be changed between steps (a schedule).</summary>
        public float LearningRate { get; set; }

        /// <summary>Number of <see cref="Step"/> calls so far.</summary>
        public long StepCount { get; protected set; }

        /// <summary>One update of every parameter from its gradient.</summary>
        public abstract void Step();

        /// <summary>Sets every gradient to zero (not needed with ForwardBackward, which overwrites them).</summary>
        public void ZeroGrad()
        {
            foreach (var p in Parameters) p.Grad.Clear();
        }
    }
}
