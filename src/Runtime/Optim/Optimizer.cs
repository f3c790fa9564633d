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
            CheckLearningRate(learningRate, nameof(learningRate));
            Parameters = new List<Parameter>(parameters);
            foreach (var p in Parameters)
                if (p is null) throw new ArgumentException("A parameter in the list is null.", nameof(parameters));
            LearningRate = learningRate;
        }

        public IReadOnlyList<Parameter> Parameters { get; }

        private float _learningRate;

        /// <summary>May be changed between steps (a schedule); must be a finite number ≥ 0.</summary>
        /// <exception cref="ArgumentOutOfRangeException">NaN, infinite or negative.</exception>
        public float LearningRate
        {
            get => _learningRate;
            set
            {
                CheckLearningRate(value, nameof(LearningRate));
                _learningRate = value;
            }
        }

        private static void CheckLearningRate(float value, string name)
        {
            if (!(value >= 0) || float.IsInfinity(value))
                throw new ArgumentOutOfRangeException(name, value, "The learning rate must be a finite number ≥ 0.");
        }

        /// <summary>Number of <see cref="Step"/> calls so far.</summary>
        public long StepCount { get; protected set; }

        /// <summary>
        /// One update of every parameter from its gradient. As in PyTorch, a parameter that has no gradient yet
        /// (<see cref="Parameter.HasGradient"/>) is left alone: no weight decay, no momentum, no Adam step.
        /// </summary>
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
