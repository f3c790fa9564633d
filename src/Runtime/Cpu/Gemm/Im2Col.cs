using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Cpu.Gemm
{
    /// <summary>
    /// The lowering that turns a convolution into a matrix multiply. For one sample and a run of
    /// <c>channels</c> input channels, the column matrix has one row per (channel, ky, kx) and one column per
    /// output position (oy, ox): col[(c·k + ky)·k + kx, oy·OW + ox] = x[c, oy·s − p + ky·d, ox·s − p + kx·d],
    /// zero where that falls in the padding. Rows are <c>rowStride</c> floats apart (default OH·OW), so the
    /// columns of several samples can sit side by side in one wider matrix and go through one GEMM.
    /// </summary>
    internal static unsafe class Im2Col
    {
        /// <summary>Fills col[channels·k·k, OH·OW] (row stride <paramref name="rowStride"/>, 0: OH·OW) from x[channels, H, W] (one sample, one group).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Lower(float* x, int channels, in Conv2dShape s, float* col, long rowStride = 0)
        {
            int h = s.Height, w = s.Width, k = s.Kernel, oh = s.OutHeight, ow = s.OutWidth;
            if (rowStride == 0) rowStride = (long)oh * ow;
            int stride = s.Stride, pad = s.Padding, dil = s.Dilation;
            for (int c = 0; c < channels; c++)
            {
                float* plane = x + (long)c * h * w;
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        int offX = kx * dil - pad;
                        ValidRange(offX, w, stride, ow, out int oxLo, out int oxHi);
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * stride - pad + ky * dil;
                            float* dst = col + (long)oy * ow;
                            if ((uint)iy >= (uint)h || oxLo >= oxHi)
                            {
                                new Span<float>(dst, ow).Clear();
                                continue;
                            }
                            float* src = plane + (long)iy * w + offX; // src[ox·stride] is x[iy, ox·stride + offX]
                            for (int ox = 0; ox < oxLo; ox++) dst[ox] = 0f;
                            if (stride == 1)
                                CopyRun(src + oxLo, dst + oxLo, oxHi - oxLo);
                            else
                                for (int ox = oxLo; ox < oxHi; ox++) dst[ox] = src[ox * stride];
                            for (int ox = oxHi; ox < ow; ox++) dst[ox] = 0f;
                        }
                        col += rowStride;
                    }
                }
            }
        }

        /// <summary>
        /// The adjoint of <see cref="Lower"/>: adds every element of col[channels·k·k, OH·OW] back into the input
        /// position it was read from, dx[channels, H, W] += scatter(col). dx must be zeroed (or hold a sum to add to).
        /// Rows of col are <paramref name="rowStride"/> floats apart (0: OH·OW), as in <see cref="Lower"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LowerAdjointAdd(float* col, int channels, in Conv2dShape s, float* dx, long rowStride = 0)
        {
            int h = s.Height, w = s.Width, k = s.Kernel, oh = s.OutHeight, ow = s.OutWidth;
            if (rowStride == 0) rowStride = (long)oh * ow;
            int stride = s.Stride, pad = s.Padding, dil = s.Dilation;
            for (int c = 0; c < channels; c++)
            {
                float* plane = dx + (long)c * h * w;
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        int offX = kx * dil - pad;
                        ValidRange(offX, w, stride, ow, out int oxLo, out int oxHi);
                        if (oxLo < oxHi)
                        {
                            for (int oy = 0; oy < oh; oy++)
                            {
                                int iy = oy * stride - pad + ky * dil;
                                if ((uint)iy >= (uint)h) continue;
                                float* src = col + (long)oy * ow;
                                float* dst = plane + (long)iy * w + offX;
                                if (stride == 1)
                                {
                                    AddRun(src + oxLo, dst + oxLo, oxHi - oxLo);
                                }
                                else
                                {
                                    for (int ox = oxLo; ox < oxHi; ox++) dst[ox * stride] += src[ox];
                                }
                            }
                        }
                        col += rowStride;
                    }
                }
            }
        }

        /// <summary>
        /// dst[0, count) = src[0, count). Rows here are short (14 floats for a 14×14 output): a memmove call per
        /// row cost as much as the copying, so runs of 8 or more go as 8-float vectors, the last one overlapping.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRun(float* src, float* dst, int count)
        {
            if (count >= 8 && Vector256.IsHardwareAccelerated)
            {
                int i = 0;
                for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
                if (i < count) Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
                return;
            }
            for (int i = 0; i < count; i++) dst[i] = src[i];
        }

        /// <summary>dst[0, count) += src[0, count), inline for the same reason as <see cref="CopyRun"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRun(float* src, float* dst, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
                if (i + 4 <= count)
                {
                    Vector128.Store(Vector128.Load(dst + i) + Vector128.Load(src + i), dst + i);
                    i += 4;
                }
            }
            for (; i < count; i++) dst[i] += src[i];
        }

        /// <summary>The output columns [lo, hi) whose input column ox·stride + off lies inside [0, width).</summary>
        private static void ValidRange(int off, int width, int stride, int outWidth, out int lo, out int hi)
        {
            // ox·stride + off ≥ 0  ⇔  ox ≥ ceil(−off / stride); ox·stride + off < width ⇔ ox < ceil((width − off) / stride).
            lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
            hi = width - off <= 0 ? 0 : (width - off + stride - 1) / stride;
            if (hi > outWidth) hi = outWidth;
            if (lo > hi) lo = hi;
        }
    }
}
