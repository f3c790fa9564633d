using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using CnnGen.Optim;

namespace CnnGen.Training
{
    /// <summary>The trainer's options for what happens between the backward pass and the optimizer's update.</summary>
    public sealed partial class TrainerOptions
    {
        /// <summary>
        /// A learning-rate schedule stepped per optimizer step (as PyTorch code that calls <c>scheduler.step()</c>
        /// after every <c>optimizer.step()</c>); it must be built for the optimizer given to <see cref="Trainer.Fit"/>.
        /// It follows the optimizer's step count, so a resumed run continues it. Not together with the per-epoch
        /// <see cref="LearningRateSchedule"/>.
        /// </summary>
        public LearningRateScheduler? Scheduler { get; init; }

        /// <summary>
        /// Clip the gradients to this global norm before each optimizer step (<c>torch.nn.utils.clip_grad_norm_</c>,
        /// over all the model's parameters, after accumulation); null: no clipping.
        /// </summary>
        public double? ClipGradNorm { get; init; }

        /// <summary>The p of <see cref="ClipGradNorm"/>'s p-norm: 2 (default) or <see cref="double.PositiveInfinity"/>, or any p &gt; 0.</summary>
        public double ClipGradNormType { get; init; } = 2.0;

        /// <summary>
        /// Gradient accumulation: run this many batches through the backward pass and then make one optimizer step
        /// with their gradients averaged per sample, as if the batches had been one batch of their total size (exact
        /// for networks without BatchNorm, whose statistics are per batch). The epoch's last step takes whatever
        /// batches remain. Default 1: a step after every batch.
        /// </summary>
        public int AccumulateSteps { get; init; } = 1;
    }

    /// <summary>
    /// What the trainer does after each backward pass: accumulate gradients over <see cref="TrainerOptions.AccumulateSteps"/>
    /// batches, clip them, set the scheduled learning rate, step the optimizer.
    /// </summary>
    internal sealed class OptimizationStep
    {
        private readonly Optimizer _opt;
        private readonly IReadOnlyList<Parameter> _params;
        private readonly TrainerOptions _o;
        private readonly float[][]? _sums;
        private int _pendingBatches;
        private long _pendingSamples;

        public OptimizationStep(INetwork model, Optimizer opt, TrainerOptions o)
        {
            if (o.AccumulateSteps < 1)
                throw new ArgumentOutOfRangeException(nameof(o), o.AccumulateSteps, "TrainerOptions.AccumulateSteps must be ≥ 1 (1: a step after every batch).");
            if (o.ClipGradNorm is double max && (!(max > 0) || double.IsInfinity(max)))
                throw new ArgumentOutOfRangeException(nameof(o), max, "TrainerOptions.ClipGradNorm must be a finite number > 0, or null for no clipping.");
            if (!(o.ClipGradNormType > 0))
                throw new ArgumentOutOfRangeException(nameof(o), o.ClipGradNormType, "TrainerOptions.ClipGradNormType must be > 0 (2 for the Euclidean norm, +∞ for the largest magnitude).");
            if (o.Scheduler is { } s)
            {
                if (!ReferenceEquals(s.Optimizer, opt))
                    throw new ArgumentException($"TrainerOptions.Scheduler ({s.GetType().Name}) was built for another optimizer than the one given to Fit.", nameof(o));
                if (o.LearningRateSchedule is not null)
                    throw new ArgumentException("TrainerOptions.Scheduler (per step) and LearningRateSchedule (per epoch) both set the learning rate; use one.", nameof(o));
            }
            _opt = opt;
            _params = model.Parameters;
            _o = o;
            if (o.AccumulateSteps > 1)
            {
                _sums = new float[_params.Count][];
                for (int i = 0; i < _sums.Length; i++) _sums[i] = new float[_params[i].Length];
            }
        }

        /// <summary>True while some batches' gradients wait for the step (the trainer stops only between steps).</summary>
        public bool HasPending => _pendingBatches > 0;

        /// <summary>Called after each batch's backward pass over <paramref name="samples"/> samples.</summary>
        public void AfterBackward(int samples)
        {
            if (_sums is null)
            {
                Step();
                return;
            }
            // Each Grad is the batch's mean gradient: weighted by the batch size, the sum is the sum over samples.
            for (int i = 0; i < _sums.Length; i++)
                TensorPrimitives.MultiplyAdd(_params[i].Grad, (float)samples, _sums[i], _sums[i]);
            _pendingBatches++;
            _pendingSamples += samples;
            if (_pendingBatches == _o.AccumulateSteps) Flush();
        }

        /// <summary>At the end of an epoch: one step with the batches gathered so far, if any.</summary>
        public void FinishEpoch() => Flush();

        private void Flush()
        {
            if (_sums is null || _pendingBatches == 0) return;
            float total = _pendingSamples;
            for (int i = 0; i < _sums.Length; i++)
            {
                TensorPrimitives.Divide(_sums[i], total, _params[i].Grad);
                Array.Clear(_sums[i]);
            }
            _pendingBatches = 0;
            _pendingSamples = 0;
            Step();
        }

        private void Step()
        {
            if (_o.ClipGradNorm is double max) GradientClipping.ClipGradNorm(_params, max, _o.ClipGradNormType);
            _o.Scheduler?.Apply();
            _opt.Step();
        }
    }
}
