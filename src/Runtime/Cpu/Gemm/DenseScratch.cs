using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Cpu.Gemm
{
    /// <summary>
    /// Scratch memory for the dense kernels, one set per thread (workers included), pinned and grown on demand,
    /// never shrunk: after the first call at a given size the kernels allocate nothing.
    /// </summary>
    internal static unsafe class DenseScratch
    {
        [ThreadStatic] private static float[]? _columns;
        [ThreadStatic] private static float[]? _columnGradients;
        [ThreadStatic] private static float[]? _partials;
        [ThreadStatic] private static float[]? _weightTranspose;

        /// <summary>An im2col matrix of this thread.</summary>
        public static float* Columns(long floats) => Get(ref _columns, floats);

        /// <summary>A second im2col-sized matrix of this thread (the gradient of the columns).</summary>
        public static float* ColumnGradients(long floats) => Get(ref _columnGradients, floats);

        /// <summary>Per-chunk partial parameter gradients, owned by the thread that dispatches the chunks.</summary>
        public static float* Partials(long floats) => Get(ref _partials, floats);

        /// <summary>A weight-gradient-sized matrix of this thread, for gradients computed transposed.</summary>
        public static float* WeightTranspose(long floats) => Get(ref _weightTranspose, floats);

        private static float* Get(ref float[]? cache, long floats)
        {
            if (floats > Array.MaxLength - 16)
                throw new InvalidOperationException($"A dense kernel needs {floats} floats of scratch, more than one array can hold.");
            if (cache is null || cache.Length < floats + 16)
                cache = GC.AllocateUninitializedArray<float>((int)floats + 16, pinned: true);
            float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
            return (float*)(((nuint)p + 63) & ~(nuint)63); // 64-byte aligned: one cache line
        }

        /// <summary>dy[i] = y[i] &gt; 0 ? dy[i] : 0, the ReLU backward folded into the producer's backward.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ReluMask(float* y, float* dy, long length)
        {
            long i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i + 16 <= length; i += 16)
                {
                    var keep = Vector512.GreaterThan(Vector512.Load(y + i), Vector512<float>.Zero);
                    Vector512.Store(Vector512.BitwiseAnd(Vector512.Load(dy + i), keep), dy + i);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= length; i += 8)
                {
                    var keep = Vector256.GreaterThan(Vector256.Load(y + i), Vector256<float>.Zero);
                    Vector256.Store(Vector256.BitwiseAnd(Vector256.Load(dy + i), keep), dy + i);
                }
            }
            for (; i < length; i++)
                if (!(y[i] > 0f)) dy[i] = 0f;
        }
    }
}
