// Shape formulas, written once. The generator uses them at compile time and the runtime links this same
// file, so a shape is computed one way everywhere. They follow PyTorch's (aten/src/ATen/native/Pool.h,
// ConvUtils.h) and work in long so that absurd attribute arguments cannot overflow.
namespace CnnGen.Shapes
{
    internal static class ShapeMath
    {
        /// <summary>Floor division that rounds towards −∞ also for negative numerators (PyTorch's div_rtn).</summary>
        public static long FloorDiv(long a, long b)
        {
            long q = a / b;
            if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
            return q;
        }

        /// <summary>Conv2d output size: ⌊(size + 2p − d(k − 1) − 1) / s⌋ + 1.</summary>
        public static long ConvOutput(long size, long kernel, long stride, long padding, long dilation)
            => FloorDiv(size + 2 * padding - dilation * (kernel - 1) - 1, stride) + 1;

        /// <summary>
        /// Pooling output size. With ceil_mode the division rounds up, but a last window that would start
        /// inside the right padding is dropped (PyTorch's pooling_output_shape).
        /// </summary>
        public static long PoolOutput(long size, long kernel, long stride, long padding, long dilation, bool ceilMode)
        {
            long output = FloorDiv(size + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0), stride) + 1;
            if (ceilMode && (output - 1) * stride >= size + padding)
                output--;
            return output;
        }

        /// <summary>First input index averaged by adaptive-pool output cell <paramref name="i"/>.</summary>
        public static int AdaptiveStart(int i, int inSize, int outSize) => (int)((long)i * inSize / outSize);

        /// <summary>One past the last input index averaged by adaptive-pool output cell <paramref name="i"/>.</summary>
        public static int AdaptiveEnd(int i, int inSize, int outSize) => (int)(((long)(i + 1) * inSize + outSize - 1) / outSize);

        /// <summary>
        /// How many of the <paramref name="size"/> input positions no window of a sliding layer reads
        /// (−1 when the sizes are too large to check). Windows start at o·s − p and touch every d-th position
        /// over k taps. Used by the "discards information" warning.
        /// </summary>
        public static long UnreadPositions(long size, long kernel, long stride, long padding, long dilation, long outSize)
        {
            if (size <= 0 || outSize <= 0 || size > (1 << 16) || outSize > (1 << 16) || kernel > (1 << 16)) return -1;
            // The walk below touches outSize × kernel taps; beyond a few million it is not worth a compiler's time.
            if (outSize * kernel > (1 << 22)) return -1;
            var read = new bool[size];
            for (long o = 0; o < outSize; o++)
            {
                long start = o * stride - padding;
                for (long t = 0; t < kernel; t++)
                {
                    long i = start + t * dilation;
                    if (i >= 0 && i < size) read[i] = true;
                }
            }
            long unread = 0;
            foreach (bool r in read) if (!r) unread++;
            return unread;
        }
    }
}
