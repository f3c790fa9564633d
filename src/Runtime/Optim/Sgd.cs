using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Optim
{
    /// <summary>
    /// Stochastic gradient descent as <c>torch.optim.SGD</c> (PyTorch 1.13) computes it, per element:
    /// <code>
    /// d = g + weightDecay·p
    /// if momentum ≠ 0:
    ///     buf = d                                   (first step)
    ///     buf = momentum·buf + (1 − dampening)·d    (later steps)
    ///     d = nesterov ? d + momentum·buf : buf
    /// p = p − lr·d
    /// </code>
    /// </summary>
    public sealed class Sgd : Optimizer
    {
        private readonly float[][] _momentumBuffers;

        // Per parameter, as PyTorch keeps momentum_buffer per parameter: a parameter without a gradient at the
        // first step starts its buffer at its own first step.
        private readonly bool[] _bufferStarted;

        /// <summary>Creates the optimizer; the momentum buffers (if any) are allocated here, not per step.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite hyperparameter, or nesterov without momentum or with dampening.</exception>
        public Sgd(IEnumerable<Parameter> parameters, float lr, float momentum = 0, float weightDecay = 0, bool nesterov = false, float dampening = 0)
            : base(parameters, lr)
        {
            if (!(momentum >= 0) || float.IsInfinity(momentum))
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be a finite number ≥ 0.");
            if (!(weightDecay >= 0) || float.IsInfinity(weightDecay))
                throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be a finite number ≥ 0.");
            if (!float.IsFinite(dampening))
                throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "The dampening must be a finite number.");
            if (nesterov && momentum <= 0)
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Nesterov momentum needs a momentum > 0.");
            if (nesterov && dampening != 0)
                throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Nesterov momentum needs zero dampening.");
            Momentum = momentum;
            WeightDecay = weightDecay;
            Nesterov = nesterov;
            Dampening = dampening;
            _momentumBuffers = new float[Parameters.Count][];
            _bufferStarted = new bool[Parameters.Count];
            for (int i = 0; i < Parameters.Count; i++)
                _momentumBuffers[i] = momentum != 0 ? new float[Parameters[i].Length] : Array.Empty<float>();
        }

        /// <summary>Momentum factor (0: plain SGD). <see cref="OneCycleLR"/> cycles it per step.</summary>
        public float Momentum { get; internal set; }

        /// <summary>L2 penalty added to the gradient.</summary>
        public float WeightDecay { get; }

        /// <summary>Nesterov momentum.</summary>
        public bool Nesterov { get; }

        /// <summary>Dampening of the gradient's contribution to the momentum buffer (from the second step on).</summary>
        public float Dampening { get; }

        /// <summary>The momentum buffer of parameter <paramref name="index"/> (empty without momentum; all zeros before the first step).</summary>
        public ReadOnlySpan<float> MomentumBuffer(int index) => _momentumBuffers[index];

        /// <inheritdoc/>
        public override void Step()
        {
            float lr = LearningRate;
            for (int i = 0; i < Parameters.Count; i++)
            {
                var p = Parameters[i];
                if (!p.HasGradient) continue;
                if (Momentum == 0)
                {
                    OptimizerKernels.SgdPlain(p.Data, p.Grad, lr, WeightDecay);
                    continue;
                }
                // First step: buf = d, which is 0·buf + 1·d on the zero-filled buffer.
                bool started = _bufferStarted[i];
                float mu = started ? Momentum : 0f;
                float c = started ? (float)(1.0 - Dampening) : 1f;
                OptimizerKernels.SgdMomentum(p.Data, p.Grad, _momentumBuffers[i], lr, WeightDecay, mu, c, Momentum, Nesterov);
                _bufferStarted[i] = true;
            }
            StepCount++;
        }

        /// <inheritdoc/>
        public override void SaveState(string path)
            => OptimizerState.Save(path, nameof(Sgd), StepCount, LearningRate, Hyperparameters(),
                                   Array.IndexOf(_bufferStarted, true) >= 0 ? Slots() : Array.Empty<OptimizerState.Slot>());

        /// <inheritdoc/>
        /// <remarks>
        /// Accepts a file with a momentum buffer for every parameter, or (as PyTorch does) with none, in which case
        /// the next step starts the buffers afresh. Restores the step count and learning rate; the other
        /// hyperparameters stay those given to the constructor. (The file holds every buffer or none: a buffer that
        /// had not started when it was saved, all zeros, counts as started after loading; this differs from an
        /// uninterrupted run only with a non-zero dampening and a parameter that had no gradient yet.)
        /// </remarks>
        public override void LoadState(string path)
        {
            var sets = Momentum != 0
                ? new[] { Slots(), Array.Empty<OptimizerState.Slot>() }
                : new[] { Array.Empty<OptimizerState.Slot>() };
            var loaded = OptimizerState.Read(path, nameof(Sgd), sets, out int matched);
            if (Momentum != 0 && matched == 0)
            {
                loaded.CopyInto(sets[0]);
                Array.Fill(_bufferStarted, true);
            }
            else
            {
                foreach (var b in _momentumBuffers) Array.Clear(b);
                Array.Clear(_bufferStarted);
            }
            StepCount = loaded.Step;
            LearningRate = loaded.LearningRate;
        }

        private OptimizerState.Slot[] Slots()
        {
            if (Momentum == 0) return Array.Empty<OptimizerState.Slot>();
            var slots = new OptimizerState.Slot[Parameters.Count];
            for (int i = 0; i < slots.Length; i++) slots[i] = new OptimizerState.Slot(Parameters[i], "momentum_buffer", _momentumBuffers[i]);
            return slots;
        }

        private Dictionary<string, string> Hyperparameters() => new()
        {
            ["momentum"] = Momentum.ToString("R", CultureInfo.InvariantCulture),
            ["dampening"] = Dampening.ToString("R", CultureInfo.InvariantCulture),
            ["weight_decay"] = WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            ["nesterov"] = Nesterov ? "true" : "false",
        };
    }
}
