using System;

namespace CnnGen.Cpu
{
    /// <summary>
    /// BatchNorm over x[n, C, spatial] (spatial = H·W for BatchNorm2d, 1 for BatchNorm1d), PyTorch semantics:
    /// training normalises with the biased batch variance and updates running stats with the unbiased one:
    /// running = (1 − momentum)·running + momentum·batch. Evaluation uses the running stats.
    /// </summary>
    public static class BatchNormKernel
    {
        /// <summary>
        /// Training forward. Writes y, and saveMean/saveInvStd [C] for the backward; updates runningMean/runningVar [C].
        /// </summary>
        public static void ForwardTraining(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y,
            FloatBuffer runningMean, FloatBuffer runningVar, FloatBuffer saveMean, FloatBuffer saveInvStd,
            int n, int channels, int spatial, float eps, float momentum)
            => throw new NotImplementedException();

        /// <summary>Evaluation forward with running statistics.</summary>
        public static void ForwardInference(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y,
            FloatBuffer runningMean, FloatBuffer runningVar, int n, int channels, int spatial, float eps)
            => throw new NotImplementedException();

        /// <summary>
        /// Backward of the evaluation forward (running statistics are constants): dx = dy·γ/√(var+eps),
        /// dGamma = Σ dy·x̂, dBeta = Σ dy. Used when ForwardBackward runs after Eval().
        /// </summary>
        public static void BackwardInference(FloatBuffer x, FloatBuffer gamma, FloatBuffer dy, FloatBuffer runningMean, FloatBuffer runningVar,
            FloatBuffer dx, FloatBuffer dGamma, FloatBuffer dBeta, int n, int channels, int spatial, float eps)
            => throw new NotImplementedException();

        /// <summary>Backward of the training forward: dx (skipped when empty), dGamma, dBeta; overwritten.</summary>
        public static void Backward(FloatBuffer x, FloatBuffer gamma, FloatBuffer dy, FloatBuffer saveMean, FloatBuffer saveInvStd,
            FloatBuffer dx, FloatBuffer dGamma, FloatBuffer dBeta, int n, int channels, int spatial)
            => throw new NotImplementedException();
    }
}
