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
        [ThreadStatic] private static float[]? _wideOutputs;

        /// <summary>An im2col matrix of this thread.</summary>
        public static float* Columns(long floats) => Get(ref _columns, floats);

        /// <summary>A second im2col-sized matrix of this thread (the gradient of the columns).</summary>
        public static float* ColumnGradients(long floats) => Get(ref _columnGradients, floats);

        /// <summary>Per-chunk partial parameter gradients, owned by the thread that dispatches the chunks.</summary>
        public static float* Partials(long floats) => Get(ref _partials, floats);

        /// <summary>A weight-gradient-sized matrix of this thread, for gradients computed transposed.</summary>
        public static float* WeightTranspose(long floats) => Get(ref _weightTranspose, floats);

        /// <summary>A convolution output (or output gradient) of several samples side by side, [channels, samples·positions].</summary>
        public static float* WideOutputs(long floats) => Get(ref _wideOutputs, floats);

        /// <summary>
        /// A 64-byte-aligned pointer to at least <paramref name="floats"/> floats of the pinned array in
        /// <paramref name="cache"/> (a [ThreadStatic] field of the caller), grown when too small, never shrunk.
        /// </summary>
        internal static float* Get(ref float[]? cache, long floats)
        {
            if (floats > Array.MaxLength - 16)
                throw new InvalidOperationException($"A CPU kernel needs {floats} floats of scratch, more than one array can hold.");
            if (cache is null || cache.Length < floats + 16)
                cache = GC.AllocateUninitializedArray<float>((int)floats + 16, pinned: true);
            float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
            return (float*)(((nuint)p + 63) & ~(nuint)63); // 64-byte aligned: one cache line
        }
    }
}
