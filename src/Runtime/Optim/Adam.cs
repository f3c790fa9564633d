using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Optim
{
    /// <summary>
    /// Adam as <c>torch.optim.Adam</c> (PyTorch 1.13, amsgrad off) computes it, per element at step t:
    /// <code>
    /// g = g + weightDecay·p                           (L2 penalty folded into the gradient)
    /// m = β1·m + (1 − β1)·g
    /// v = β2·v + (1 − β2)·g²
    /// denom = sqrt(v) / sqrt(1 − β2^t) + eps
    /// p = p − lr / (1 − β1^t) · m / denom
    /// </code>
    /// </summary>
    public class Adam : Optimizer
    {
        private readonly float[][] _expAvg;
        private readonly float[][] _expAvgSq;
        private readonly bool _decoupled;

        // Steps taken per parameter (PyTorch's state['step']): a parameter skipped for want of a gradient does not
        // advance its bias correction.
        private readonly long[] _steps;
        private const string ParameterStepsKey = "parameter_steps";

        /// <summary>Creates the optimizer; both moment buffers are allocated here, not per step.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter outside PyTorch's accepted range.</exception>
        public Adam(IEnumerable<Parameter> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0)
            : this(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: false)
        {
        }

        private protected Adam(IEnumerable<Parameter> parameters, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled)
            : base(parameters, lr)
        {
            if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
            if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
            if (!(eps >= 0) || float.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be a finite number ≥ 0.");
            if (!(weightDecay >= 0) || float.IsInfinity(weightDecay))
                throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be a finite number ≥ 0.");
            Beta1 = beta1;
            Beta2 = beta2;
            Eps = eps;
            WeightDecay = weightDecay;
            _decoupled = decoupled;
            _expAvg = new float[Parameters.Count][];
            _expAvgSq = new float[Parameters.Count][];
            _steps = new long[Parameters.Count];
            for (int i = 0; i < Parameters.Count; i++)
            {
                _expAvg[i] = new float[Parameters[i].Length];
                _expAvgSq[i] = new float[Parameters[i].Length];
            }
        }

        /// <summary>Decay rate of the first moment. <see cref="OneCycleLR"/> cycles it per step.</summary>
        public float Beta1 { get; internal set; }

        /// <summary>Decay rate of the second moment.</summary>
        public float Beta2 { get; }

        /// <summary>Added to the denominator for stability.</summary>
        public float Eps { get; }

        /// <summary>Adam: L2 penalty added to the gradient. AdamW: decoupled decay rate.</summary>
        public float WeightDecay { get; }

        /// <summary>First moment (exp_avg) of parameter <paramref name="index"/>.</summary>
        public ReadOnlySpan<float> ExpAvg(int index) => _expAvg[index];

        /// <summary>Second moment (exp_avg_sq) of parameter <paramref name="index"/>.</summary>
        public ReadOnlySpan<float> ExpAvgSq(int index) => _expAvgSq[index];

        /// <summary>The name written to a state file's metadata.</summary>
        private protected virtual string Kind => nameof(Adam);

        /// <inheritdoc/>
        public override void Step()
        {
            double lr = LearningRate;
            float decay = _decoupled ? (float)(1 - lr * WeightDecay) : 1f;
            float l2 = _decoupled ? 0f : WeightDecay;
            for (int i = 0; i < Parameters.Count; i++)
            {
                var p = Parameters[i];
                if (!p.HasGradient) continue;
                long step = ++_steps[i];
                // Scalars in double, as PyTorch computes them in Python, then rounded once to float.
                double biasCorrection1 = 1 - Math.Pow(Beta1, step);
                double biasCorrection2 = 1 - Math.Pow(Beta2, step);
                float stepSize = (float)(lr / biasCorrection1);
                float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);
                OptimizerKernels.Adam(p.Data, p.Grad, _expAvg[i], _expAvgSq[i], decay, l2, Beta1, Beta2, bc2Sqrt, Eps, stepSize);
            }
            StepCount++;
        }

        /// <inheritdoc/>
        public override void SaveState(string path)
            => OptimizerState.Save(path, Kind, StepCount, LearningRate, Hyperparameters(), Slots());

        /// <inheritdoc/>
        /// <remarks>Restores the moments, step count and learning rate; the other hyperparameters stay the constructor's.</remarks>
        public override void LoadState(string path)
        {
            var slots = Slots();
            var loaded = OptimizerState.Read(path, Kind, new[] { slots }, out _);
            long[] steps = ReadParameterSteps(loaded);
            loaded.CopyInto(slots);
            steps.CopyTo(_steps, 0);
            StepCount = loaded.Step;
            LearningRate = loaded.LearningRate;
        }

        /// <summary>The per-parameter steps a state file records (only written when some parameter lags), checked before anything changes.</summary>
        private long[] ReadParameterSteps(OptimizerState.Loaded loaded)
        {
            var steps = new long[Parameters.Count];
            if (!loaded.File.Metadata.TryGetValue(ParameterStepsKey, out string? text))
            {
                Array.Fill(steps, loaded.Step);
                return steps;
            }
            string[] parts = text.Split(',');
            bool ok = parts.Length == steps.Length;
            for (int i = 0; ok && i < parts.Length; i++)
                ok = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out steps[i]) && steps[i] <= loaded.Step;
            if (!ok)
                throw new Serialization.SafetensorsFormatException(loaded.File.FilePath, null,
                    $"metadata '{ParameterStepsKey}' = '{(text.Length > 60 ? text.Substring(0, 60) + "…" : text)}' is not {steps.Length} comma-separated whole numbers ≤ the step {loaded.Step} (nothing was loaded).");
            return steps;
        }

        private OptimizerState.Slot[] Slots()
        {
            var slots = new OptimizerState.Slot[2 * Parameters.Count];
            for (int i = 0; i < Parameters.Count; i++)
            {
                slots[2 * i] = new OptimizerState.Slot(Parameters[i], "exp_avg", _expAvg[i]);
                slots[2 * i + 1] = new OptimizerState.Slot(Parameters[i], "exp_avg_sq", _expAvgSq[i]);
            }
            return slots;
        }

        private Dictionary<string, string> Hyperparameters()
        {
            var h = new Dictionary<string, string>
            {
                ["beta1"] = Beta1.ToString("R", CultureInfo.InvariantCulture),
                ["beta2"] = Beta2.ToString("R", CultureInfo.InvariantCulture),
                ["eps"] = Eps.ToString("R", CultureInfo.InvariantCulture),
                ["weight_decay"] = WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            };
            if (Array.Exists(_steps, s => s != StepCount))
                h[ParameterStepsKey] = string.Join(",", Array.ConvertAll(_steps, s => s.ToString(CultureInfo.InvariantCulture)));
            return h;
        }
    }

    /// <summary>
    /// AdamW as <c>torch.optim.AdamW</c> (PyTorch 1.13) computes it: first p = p·(1 − lr·weightDecay) (decoupled
    /// decay, not added to the gradient), then Adam's update with the plain gradient.
    /// </summary>
    public sealed class AdamW : Adam
    {
        /// <summary>Creates the optimizer; both moment buffers are allocated here, not per step.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter outside PyTorch's accepted range.</exception>
        public AdamW(IEnumerable<Parameter> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f)
            : base(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: true)
        {
        }

        private protected override string Kind => nameof(AdamW);
    }
}
