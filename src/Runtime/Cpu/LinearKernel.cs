using System;

namespace CnnGen.Cpu
{
    /// <summary>Linear (fully connected) forward and backward. Weight layout [out, in] as PyTorch's.</summary>
    public static class LinearKernel
    {
        /// <summary>y[n, out] = x[n, in] · weightᵀ + bias, then the epilogue. <paramref name="bias"/> may be empty.</summary>
        public static void Forward(FloatBuffer x, FloatBuffer weight, FloatBuffer bias, FloatBuffer y, int n, int inFeatures, int outFeatures, Epilogue epilogue)
            => throw new NotImplementedException();

        /// <summary>
        /// dx = dy · W (skipped when dx is empty), dW = dyᵀ · x, dBias = Σₙ dy (skipped when empty); overwritten, not
        /// accumulated. With <see cref="Epilogue.ReLU"/> dy is first masked by y &gt; 0 in place.
        /// </summary>
        public static void Backward(FloatBuffer x, FloatBuffer weight, FloatBuffer y, FloatBuffer dy, FloatBuffer dx,
            FloatBuffer dWeight, FloatBuffer dBias, int n, int inFeatures, int outFeatures, Epilogue epilogue)
            => throw new NotImplementedException();
    }
}
