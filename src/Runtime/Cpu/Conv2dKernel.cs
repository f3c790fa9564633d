using System;

namespace CnnGen.Cpu
{
    /// <summary>Conv2d forward and backward, PyTorch semantics (stride, padding, dilation, groups).</summary>
    public static class Conv2dKernel
    {
        /// <summary>
        /// y[n, Cout, OH, OW] = conv(x[n, Cin, H, W], weight) + bias, then the epilogue.
        /// <paramref name="bias"/> may be empty (no bias).
        /// </summary>
        public static void Forward(FloatBuffer x, FloatBuffer weight, FloatBuffer bias, FloatBuffer y, int n, in Conv2dShape s, Epilogue epilogue)
            => throw new NotImplementedException();

        /// <summary>
        /// Given dy = dL/dy, writes dx (skipped when empty: the first layer needs none), dWeight and dBias
        /// (skipped when empty). Gradients are overwritten, not accumulated. With <see cref="Epilogue.ReLU"/>,
        /// dy is first masked by y &gt; 0 (in place: dy is scratch afterwards).
        /// </summary>
        public static void Backward(FloatBuffer x, FloatBuffer weight, FloatBuffer y, FloatBuffer dy, FloatBuffer dx,
            FloatBuffer dWeight, FloatBuffer dBias, int n, in Conv2dShape s, Epilogue epilogue)
            => throw new NotImplementedException();
    }
}
