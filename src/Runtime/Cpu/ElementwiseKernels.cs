using System;

namespace CnnGen.Cpu
{
    /// <summary>Activations as their own pass. y may be x (in place); dx may be dy.</summary>
    public static class ActivationKernel
    {
        /// <summary>y = f(x) over <paramref name="length"/> elements. <paramref name="negativeSlope"/> is LeakyReLU's.</summary>
        public static void Forward(ActivationKind kind, FloatBuffer x, FloatBuffer y, int length, float negativeSlope = 0.01f)
            => throw new NotImplementedException();

        /// <summary>
        /// dx = dy · f'(·). ReLU and LeakyReLU read the sign from y (same sign as x); Sigmoid and Tanh use y.
        /// So only the output needs keeping, and in-place activations work.
        /// </summary>
        public static void Backward(ActivationKind kind, FloatBuffer y, FloatBuffer dy, FloatBuffer dx, int length, float negativeSlope = 0.01f)
            => throw new NotImplementedException();
    }

    /// <summary>Inverted dropout: kept elements are scaled by 1/(1−p) so evaluation needs no change.</summary>
    public static class DropoutKernel
    {
        /// <summary>
        /// mask[i] = (Rng.HashToUnit(seed, i) ≥ p) ? 1/(1−p) : 0; y = x · mask. The mask depends only on (seed, i),
        /// so results do not depend on how work is split across threads. y may be x.
        /// </summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, FloatBuffer mask, int length, float p, ulong seed)
            => throw new NotImplementedException();

        /// <summary>dx = dy · mask; dx may be dy.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer mask, FloatBuffer dx, int length)
            => throw new NotImplementedException();
    }

    /// <summary>Softmax + cross-entropy (mean over the batch) in one pass.</summary>
    public static class SoftmaxCrossEntropyKernel
    {
        /// <summary>
        /// Returns the mean loss over <paramref name="n"/> rows and writes dLogits = (softmax − onehot)/n.
        /// Throws <see cref="ArgumentOutOfRangeException"/> naming the row when a label is outside [0, classes).
        /// </summary>
        public static float ForwardBackward(FloatBuffer logits, ReadOnlySpan<int> labels, FloatBuffer dLogits, int n, int classes)
            => throw new NotImplementedException();

        /// <summary>Mean loss only (evaluation).</summary>
        public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int classes)
            => throw new NotImplementedException();
    }
}
