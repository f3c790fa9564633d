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
            foreach (var p in Parameters)
                if (p is null) throw new ArgumentException("A parameter in the list is null.", nameof(parameters));
            LearningRate = learningRate;
        }

        public IReadOnlyList<Parameter> Parameters { get; }

        /// <summary>May be changed between steps (a schedule).</summary>
        public float LearningRate { get; set; }

        /// <summary>Number of <see cref="Step"/> calls so far.</summary>
        public long StepCount { get; protected set; }

        /// <summary>One update of every parameter from its gradient.</summary>
        public abstract void Step();

        /// <summary>
        /// Writes the optimizer's state (step count, learning rate, per-parameter buffers such as Adam's moments,
        /// keyed "&lt;parameter&gt;.&lt;buffer&gt;") to a safetensors file, atomically, for checkpoints.
        /// </summary>
        public abstract void SaveState(string path);

        /// <summary>Restores what <see cref="SaveState"/> wrote; refuses a file that does not match these parameters, changing nothing.</summary>
        public abstract void LoadState(string path);

        /// <summary>Sets every gradient to zero (not needed with ForwardBackward, which overwrites them).</summary>
        public void ZeroGrad()
        {
            foreach (var p in Parameters) p.Grad.Clear();
        }
    }
}
