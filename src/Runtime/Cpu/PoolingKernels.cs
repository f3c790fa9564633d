using System;

namespace CnnGen.Cpu
{
    /// <summary>MaxPool2d: padding is −∞, ties keep the first maximum in window order, argmax kept for backward.</summary>
    public static class MaxPool2dKernel
    {
        /// <summary>y[n, C, OH, OW]; <paramref name="indices"/> (same length as y) gets, per output, the flat index h·W + w of the chosen input in its plane.</summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, IntBuffer indices, int n, in Pool2dShape s)
            => throw new NotImplementedException();

        /// <summary>dx = 0, then dx[argmax] += dy (windows may overlap).</summary>
        public static void Backward(FloatBuffer dy, IntBuffer indices, FloatBuffer dx, int n, in Pool2dShape s)
            => throw new NotImplementedException();
    }

    /// <summary>AvgPool2d with PyTorch's divisor rules (count_include_pad; windows clipped to the padded input under ceil_mode).</summary>
    public static class AvgPool2dKernel
    {
        public static void Forward(FloatBuffer x, FloatBuffer y, int n, in Pool2dShape s)
            => throw new NotImplementedException();

        /// <summary>dx overwritten.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer dx, int n, in Pool2dShape s)
            => throw new NotImplementedException();
    }

    /// <summary>AdaptiveAvgPool2d: output cell (i, j) averages rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and likewise columns.</summary>
    public static class AdaptiveAvgPool2dKernel
    {
        public static void Forward(FloatBuffer x, FloatBuffer y, int n, int channels, int height, int width, int outHeight, int outWidth)
            => throw new NotImplementedException();

        /// <summary>dx overwritten.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer dx, int n, int channels, int height, int width, int outHeight, int outWidth)
            => throw new NotImplementedException();
    }
}
