using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CnnGen.Randomness;

namespace CnnGen.Cpu
{
    /// <summary>Activations as their own pass. y may be x (in place); dx may be dy.</summary>
    public static class ActivationKernel
    {
        /// <summary>y = f(x) over <paramref name="length"/> elements. <paramref name="negativeSlope"/> is LeakyReLU's.</summary>
        public static void Forward(ActivationKind kind, FloatBuffer x, FloatBuffer y, int length, float negativeSlope = 0.01f)
        {
            ElementwiseMap.CheckLength("Activation", length, x.Length, nameof(x), y.Length, nameof(y));
            ReadOnlySpan<float> xs = x.Span.Slice(0, length);
            Span<float> ys = y.Span.Slice(0, length);
            switch (kind)
            {
                case ActivationKind.ReLU: ElementwiseMap.Map<ReLUOp>(xs, xs, ys, 0); break;
                case ActivationKind.LeakyReLU: ElementwiseMap.Map<LeakyReLUOp>(xs, xs, ys, negativeSlope); break;
                case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(xs, ys); break;
                case ActivationKind.Tanh: TensorPrimitives.Tanh(xs, ys); break;
                default: throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown activation {kind}.");
            }
        }

        /// <summary>
        /// dx = dy · f'(·). ReLU and LeakyReLU read the sign from y (same sign as x); Sigmoid and Tanh use y.
        /// So only the output needs keeping, and in-place activations work.
        /// </summary>
        public static void Backward(ActivationKind kind, FloatBuffer y, FloatBuffer dy, FloatBuffer dx, int length, float negativeSlope = 0.01f)
        {
            ElementwiseMap.CheckLength("Activation backward", length, y.Length, nameof(y), dy.Length, nameof(dy));
            ElementwiseMap.CheckLength("Activation backward", length, dx.Length, nameof(dx), dx.Length, nameof(dx));
            ReadOnlySpan<float> ys = y.Span.Slice(0, length), dys = dy.Span.Slice(0, length);
            Span<float> dxs = dx.Span.Slice(0, length);
            switch (kind)
            {
                case ActivationKind.ReLU: ElementwiseMap.Map<ReLUGradOp>(ys, dys, dxs, 0); break;
                case ActivationKind.LeakyReLU: ElementwiseMap.Map<LeakyReLUGradOp>(ys, dys, dxs, negativeSlope); break;
                case ActivationKind.Sigmoid: ElementwiseMap.Map<SigmoidGradOp>(ys, dys, dxs, 0); break;
                case ActivationKind.Tanh: ElementwiseMap.Map<TanhGradOp>(ys, dys, dxs, 0); break;
                default: throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown activation {kind}.");
            }
        }

        // Forward ops read only their first argument.
        private readonly struct ReLUOp : IMiscElementOp
        {
            public static float Invoke(float x, float unused, float slope) => Relu.Of(x);
            public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> slope) => Relu.Of(x);
            public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> unused, Vector512<float> slope) => Relu.Of(x);
        }

        private readonly struct LeakyReLUOp : IMiscElementOp
        {
            public static float Invoke(float x, float unused, float slope) => x > 0 ? x : x * slope;
            public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> slope)
                => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope);
            public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> unused, Vector512<float> slope)
                => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);
        }

        // Backward ops: (y, dy) → dx. ReLU follows PyTorch's threshold_backward: zero where y ≤ 0, dy elsewhere.
        private readonly struct ReLUGradOp : IMiscElementOp
        {
            public static float Invoke(float y, float dy, float slope) => y <= 0 ? 0 : dy;
            public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> slope)
                => Vector256.AndNot(dy, Vector256.LessThanOrEqual(y, Vector256<float>.Zero));
            public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> slope)
                => Vector512.AndNot(dy, Vector512.LessThanOrEqual(y, Vector512<float>.Zero));
        }

        private readonly struct LeakyReLUGradOp : IMiscElementOp
        {
            public static float Invoke(float y, float dy, float slope) => y > 0 ? dy : dy * slope;
            public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> slope)
                => Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), dy, dy * slope);
            public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> slope)
                => Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), dy, dy * slope);
        }

        // σ' = y(1 − y), in PyTorch's order dy·(1 − y)·y.
        private readonly struct SigmoidGradOp : IMiscElementOp
        {
            public static float Invoke(float y, float dy, float unused) => dy * (1 - y) * y;
            public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> unused)
                => dy * (Vector256<float>.One - y) * y;
            public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> unused)
                => dy * (Vector512<float>.One - y) * y;
        }

        // tanh' = 1 − y².
        private readonly struct TanhGradOp : IMiscElementOp
        {
            public static float Invoke(float y, float dy, float unused) => dy * (1 - y * y);
            public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> unused)
                => dy * (Vector256<float>.One - y * y);
            public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> unused)
                => dy * (Vector512<float>.One - y * y);
        }
    }

    /// <summary>Inverted dropout: kept elements are scaled by 1/(1−p) so evaluation needs no change.</summary>
    public static class DropoutKernel
    {
        /// <summary>
        /// mask[i] = (Rng.HashToUnit(seed, i) ≥ p) ? 1/(1−p) : 0; y = x · mask. The mask depends only on (seed, i),
        /// so results do not depend on how work is split across threads. y may be x.
        /// </summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, FloatBuffer mask, int length, float p, ulong seed)
        {
            ElementwiseMap.CheckLength("Dropout", length, x.Length, nameof(x), y.Length, nameof(y));
            ElementwiseMap.CheckLength("Dropout", length, mask.Length, nameof(mask), mask.Length, nameof(mask));
            if (!(p >= 0 && p <= 1))
                throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1], got {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            int chunks = (length + ChunkSize - 1) / ChunkSize;
            MiscParallel.For(chunks, length, new ForwardWork(x, y, mask, length, p, seed));
        }

        /// <summary>dx = dy · mask; dx may be dy.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer mask, FloatBuffer dx, int length)
        {
            ElementwiseMap.CheckLength("Dropout backward", length, dy.Length, nameof(dy), dx.Length, nameof(dx));
            ElementwiseMap.CheckLength("Dropout backward", length, mask.Length, nameof(mask), mask.Length, nameof(mask));
            TensorPrimitives.Multiply(dy.Span.Slice(0, length), mask.Span.Slice(0, length), dx.Span.Slice(0, length));
        }

        /// <summary>Elements per parallel work item; the mask is a pure function of the index, so any split gives the same result.</summary>
        private const int ChunkSize = 1 << 14;

        private readonly struct ForwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _y, _mask;
            private readonly int _length;
            private readonly float _p;
            private readonly ulong _seed;

            public ForwardWork(FloatBuffer x, FloatBuffer y, FloatBuffer mask, int length, float p, ulong seed)
            {
                _x = x; _y = y; _mask = mask; _length = length; _p = p; _seed = seed;
            }

            public void Run(int begin, int end)
            {
                int start = begin * ChunkSize;
                int count = Math.Min(end * ChunkSize, _length) - start;
                Span<float> mask = _mask.Span.Slice(start, count);
                FillMask(mask, start, _p, _seed);
                TensorPrimitives.Multiply(_x.Span.Slice(start, count), mask, _y.Span.Slice(start, count));
            }
        }

        /// <summary>mask[j] for global indices start + j.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FillMask(Span<float> mask, int start, float p, ulong seed)
        {
            float scale = p < 1 ? 1 / (1 - p) : 0; // p = 1 keeps nothing, and 0·∞ must not appear
            // HashToUnit is (z >> 40)·2⁻²⁴, exact in float, so u ≥ p ⇔ (z >> 40) ≥ ⌈p·2²⁴⌉ (p·2²⁴ is exact in double).
            ulong threshold = (ulong)Math.Ceiling(p * (double)(1 << 24));
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                ref float r = ref MemoryMarshal.GetReference(mask);
                Vector512<ulong> lane = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
                Vector512<float> vscale = Vector512.Create(scale);
                for (; i <= mask.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                {
                    Vector512<ulong> index = Vector512.Create((ulong)(start + i)) + lane;
                    Vector512<ulong> keepLo = Vector512.GreaterThanOrEqual(Hash(seed, index) >>> 40, Vector512.Create(threshold));
                    Vector512<ulong> keepHi = Vector512.GreaterThanOrEqual(Hash(seed, index + Vector512.Create(8UL)) >>> 40, Vector512.Create(threshold));
                    Vector512<float> keep = Vector512.Narrow(keepLo, keepHi).AsSingle();
                    (vscale & keep).StoreUnsafe(ref r, (nuint)i);
                }
            }
            for (; i < mask.Length; i++)
                mask[i] = Rng.HashToUnit(seed, (ulong)(start + i)) >= p ? scale : 0;
        }

        /// <summary>Rng.HashToUnit's 64-bit hash (one SplitMix64 step of seed ^ index·φ), eight lanes at a time.</summary>
        private static Vector512<ulong> Hash(ulong seed, Vector512<ulong> index)
        {
            Vector512<ulong> z = (Vector512.Create(seed) ^ (index * Vector512.Create(0x9E3779B97F4A7C15UL))) + Vector512.Create(0x9E3779B97F4A7C15UL);
            z = (z ^ (z >>> 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
            z = (z ^ (z >>> 27)) * Vector512.Create(0x94D049BB133111EBUL);
            return z ^ (z >>> 31);
        }
    }

    /// <summary>Softmax + cross-entropy (mean over the batch) in one pass.</summary>
    /// <remarks>
    /// Each row subtracts its maximum before exponentiating, so large logits cannot overflow. A NaN or +∞ logit
    /// makes that row's loss NaN (as in PyTorch) instead of being hidden; a −∞ logit is just a zero probability.
    /// </remarks>
    public static class SoftmaxCrossEntropyKernel
    {
        /// <summary>
        /// Returns the mean loss over <paramref name="n"/> rows and writes dLogits = (softmax − onehot)/n.
        /// Throws <see cref="ArgumentOutOfRangeException"/> naming the row when a label is outside [0, classes).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float ForwardBackward(FloatBuffer logits, ReadOnlySpan<int> labels, FloatBuffer dLogits, int n, int classes)
        {
            Check(logits.Length, labels, n, classes);
            if (dLogits.Length < (long)n * classes)
                throw new ArgumentException($"SoftmaxCrossEntropy: dLogits holds {dLogits.Length} floats, {n} rows × {classes} classes need {(long)n * classes}.", nameof(dLogits));
            Span<float> all = logits.Span, grads = dLogits.Span;
            float invN = 1f / n;
            double total = 0;
            for (int row = 0; row < n; row++)
            {
                ReadOnlySpan<float> z = all.Slice(row * classes, classes);
                Span<float> g = grads.Slice(row * classes, classes);
                int label = labels[row];
                float target = z[label]; // read before g overwrites it when dLogits is logits
                float max = TensorPrimitives.Max(z);
                TensorPrimitives.Subtract(z, max, g);
                TensorPrimitives.Exp(g, g);
                float sum = TensorPrimitives.Sum(g);
                // loss = log Σ exp(z − max) − (z[label] − max)
                total += Math.Log(sum) - ((double)target - max);
                TensorPrimitives.Multiply(g, invN / sum, g);
                g[label] -= invN;
            }
            return (float)(total / n);
        }

        /// <summary>Mean loss only (evaluation).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int classes)
        {
            Check(logits.Length, labels, n, classes);
            // Exponentials go through a small stack buffer: evaluation must not allocate either.
            Span<float> scratch = stackalloc float[256];
            double total = 0;
            for (int row = 0; row < n; row++)
            {
                ReadOnlySpan<float> z = logits.Slice(row * classes, classes);
                float max = TensorPrimitives.Max(z);
                double sum = 0;
                for (int c = 0; c < classes; c += scratch.Length)
                {
                    int width = Math.Min(scratch.Length, classes - c);
                    Span<float> e = scratch.Slice(0, width);
                    TensorPrimitives.Subtract(z.Slice(c, width), max, e);
                    TensorPrimitives.Exp(e, e);
                    sum += TensorPrimitives.Sum(e);
                }
                total += Math.Log(sum) - ((double)z[labels[row]] - max);
            }
            return (float)(total / n);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Check(int logitsLength, ReadOnlySpan<int> labels, int n, int classes)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"SoftmaxCrossEntropy: the batch must have at least one row, got {n}.");
            if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), $"SoftmaxCrossEntropy: there must be at least one class, got {classes}.");
            if (logitsLength < (long)n * classes)
                throw new ArgumentException($"SoftmaxCrossEntropy: logits hold {logitsLength} floats, {n} rows × {classes} classes need {(long)n * classes}.", "logits");
            if (labels.Length < n)
                throw new ArgumentException($"SoftmaxCrossEntropy: {labels.Length} labels for {n} rows.", nameof(labels));
            // All labels are checked before anything is written, so a bad batch leaves dLogits untouched.
            for (int row = 0; row < n; row++)
            {
                int label = labels[row];
                if ((uint)label >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), label,
                        $"SoftmaxCrossEntropy: label {label} of row {row} is outside [0, {classes}).");
            }
        }
    }

    /// <summary>An elementwise function of two inputs and a scalar, in scalar, 256- and 512-bit form.</summary>
    internal interface IMiscElementOp
    {
        static abstract float Invoke(float a, float b, float s);
        static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> s);
        static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> s);
    }

    /// <summary>
    /// ReLU as torch.relu computes it, for every kernel that applies one (the standalone layer and the fused
    /// epilogues of the GEMM, Linear and the direct convolution): negative values become 0, NaN stays NaN
    /// (x &lt; 0 is false for NaN). max(x, 0) or "x &gt; 0 ? x : 0" would turn NaN into 0 and hide a diverged
    /// input behind a finite loss.
    /// </summary>
    internal static class Relu
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Of(float x) => x < 0f ? 0f : x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Of(Vector256<float> x) => Vector256.AndNot(x, Vector256.LessThan(x, Vector256<float>.Zero));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Of(Vector512<float> x) => Vector512.AndNot(x, Vector512.LessThan(x, Vector512<float>.Zero));
    }

    internal static class ElementwiseMap
    {
        /// <summary>
        /// destination[i] = TOp(a[i], b[i], s). Each element is read before its own slot is written, so destination
        /// may be a or b exactly (not a shifted overlap).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Map<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination, float s) where TOp : IMiscElementOp
        {
            int length = destination.Length, i = 0;
            ref float ra = ref MemoryMarshal.GetReference(a);
            ref float rb = ref MemoryMarshal.GetReference(b);
            ref float rd = ref MemoryMarshal.GetReference(destination);
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> vs = Vector512.Create(s);
                for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
                    TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i), vs).StoreUnsafe(ref rd, (nuint)i);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> vs = Vector256.Create(s);
                for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
                    TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), vs).StoreUnsafe(ref rd, (nuint)i);
            }
            for (; i < length; i++)
                destination[i] = TOp.Invoke(a[i], b[i], s);
        }

        public static void CheckLength(string kernel, int length, int firstLength, string firstName, int secondLength, string secondName)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"{kernel}: length must not be negative, got {length}.");
            if (firstLength < length)
                throw new ArgumentException($"{kernel}: buffer {firstName} holds {firstLength} floats, length is {length}.", firstName);
            if (secondLength < length)
                throw new ArgumentException($"{kernel}: buffer {secondName} holds {secondLength} floats, length is {length}.", secondName);
        }
    }
}
