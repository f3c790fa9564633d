using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CnnGen.Cpu.Gemm;

namespace CnnGen.Cpu.Winograd
{
    /// <summary>
    /// The three transforms of Winograd F(2×2, 3×3) (Lavin and Gray's matrices): weights U = G·g·Gᵀ, input tiles
    /// V = Bᵀ·d·B, output tiles y = Aᵀ·m·A.
    /// </summary>
    /// <remarks>
    /// The input and output transforms work on whole rows of tiles at once. A padded input plane is split by
    /// row parity and column parity into four "parity planes" of L = TW + 1 columns (TW tiles per row): tile
    /// (ty, tx)'s 4×4 window is then, row by row, EE/EO at j = ty·L + tx and j + 1, OE/OO at j and j + 1, and
    /// the same at j + L and j + L + 1. Every term of Bᵀ·d·B is thus one vector operation over consecutive j,
    /// across tile rows too; the price is one junk column (tx = TW) per tile row, computed and never stored.
    /// The output transform works over the same j and interleaves its even and odd columns into the rows.
    /// The vector forms need AVX2 (for the even/odd shuffles); the scalar forms do the same arithmetic in the
    /// same order, so every path rounds alike.
    /// </remarks>
    internal static unsafe class WinogradTransforms
    {
        /// <summary>
        /// U[ξ] for ξ = 4i + j, each a [coutPad, cin] matrix packed in panels of <see cref="Sgemm.MR"/> rows (for
        /// each ci the MR values of the panel's rows side by side, as the GEMM micro-kernel reads them), rows past
        /// <paramref name="cout"/> zero. The filter of (co, ci) is w[co, ci] or, with <paramref name="adjoint"/>,
        /// w[ci, co] turned by 180°: the filter of the convolution that gives a stride-1 convolution's input
        /// gradient (w is then [cin][cout][3][3] in the original layer's terms).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Weights(float* w, float* u, int cout, int cin, int coutPad, bool adjoint, bool vector)
        {
            const int mr = Sgemm.MR;
            long plane = (long)coutPad * cin;
            if (vector)
            {
                // One panel's MR filters per step, one per lane: gathered tap by tap, stored as the panel's MR
                // contiguous values (a masked store: the two spare lanes would overwrite the next entry).
                Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                Vector256<int> index = lanes * Vector256.Create(adjoint ? 9 : cin * 9);
                Vector256<float> store = Vector256.LessThan(lanes, Vector256.Create(mr)).AsSingle();
                for (int p0 = 0; p0 < coutPad; p0 += mr)
                {
                    Vector256<float> valid = Vector256.LessThan(lanes, Vector256.Create(Math.Min(mr, cout - p0))).AsSingle();
                    for (int ci = 0; ci < cin; ci++)
                    {
                        float* f = adjoint ? w + ((long)ci * cout + p0) * 9 + 8 : w + ((long)p0 * cin + ci) * 9;
                        int step = adjoint ? -1 : 1;
                        Vector256<float> g0 = Tap(f, 0), g1 = Tap(f, step), g2 = Tap(f, 2 * step), g3 = Tap(f, 3 * step), g4 = Tap(f, 4 * step);
                        Vector256<float> g5 = Tap(f, 5 * step), g6 = Tap(f, 6 * step), g7 = Tap(f, 7 * step), g8 = Tap(f, 8 * step);
                        var half = Vector256.Create(0.5f);
                        Vector256<float> h10 = half * (g0 + g3 + g6), h11 = half * (g1 + g4 + g7), h12 = half * (g2 + g5 + g8);
                        Vector256<float> h20 = half * (g0 - g3 + g6), h21 = half * (g1 - g4 + g7), h22 = half * (g2 - g5 + g8);
                        float* dst = u + (long)p0 * cin + (long)ci * mr;
                        VectorRow(dst, plane, 0, g0, g1, g2, store);
                        VectorRow(dst, plane, 1, h10, h11, h12, store);
                        VectorRow(dst, plane, 2, h20, h21, h22, store);
                        VectorRow(dst, plane, 3, g6, g7, g8, store);
                    }

                    Vector256<float> Tap(float* f, int t) => Avx2.GatherMaskVector256(Vector256<float>.Zero, f + t, index, valid, 4);
                }
                return;
            }
            for (int co = 0; co < coutPad; co++)
            {
                float* panel = u + (long)(co / mr) * mr * cin + co % mr;
                for (int ci = 0; ci < cin; ci++)
                {
                    float* dst = panel + (long)ci * mr;
                    if (co >= cout)
                    {
                        for (int xi = 0; xi < 16; xi++) dst[xi * plane] = 0f;
                        continue;
                    }
                    float g0, g1, g2, g3, g4, g5, g6, g7, g8;
                    if (!adjoint)
                    {
                        float* f = w + ((long)co * cin + ci) * 9;
                        g0 = f[0]; g1 = f[1]; g2 = f[2]; g3 = f[3]; g4 = f[4]; g5 = f[5]; g6 = f[6]; g7 = f[7]; g8 = f[8];
                    }
                    else
                    {
                        float* f = w + ((long)ci * cout + co) * 9;
                        g0 = f[8]; g1 = f[7]; g2 = f[6]; g3 = f[5]; g4 = f[4]; g5 = f[3]; g6 = f[2]; g7 = f[1]; g8 = f[0];
                    }
                    // h = G·g (4×3), by columns b: h0 = g0b, h1 = (g0b + g1b + g2b)/2, h2 = (g0b − g1b + g2b)/2, h3 = g2b.
                    float h10 = 0.5f * (g0 + g3 + g6), h11 = 0.5f * (g1 + g4 + g7), h12 = 0.5f * (g2 + g5 + g8);
                    float h20 = 0.5f * (g0 - g3 + g6), h21 = 0.5f * (g1 - g4 + g7), h22 = 0.5f * (g2 - g5 + g8);
                    Row(dst, plane, 0, g0, g1, g2);
                    Row(dst, plane, 1, h10, h11, h12);
                    Row(dst, plane, 2, h20, h21, h22);
                    Row(dst, plane, 3, g6, g7, g8);
                }
            }

            // Row i of U = h_i·Gᵀ: (a, (a + b + c)/2, (a − b + c)/2, c).
            static void Row(float* dst, long plane, int i, float a, float b, float c)
            {
                dst[(4 * i) * plane] = a;
                dst[(4 * i + 1) * plane] = 0.5f * (a + b + c);
                dst[(4 * i + 2) * plane] = 0.5f * (a - b + c);
                dst[(4 * i + 3) * plane] = c;
            }

            static void VectorRow(float* dst, long plane, int i, Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> mask)
            {
                var half = Vector256.Create(0.5f);
                Avx.MaskStore(dst + (4 * i) * plane, mask, a);
                Avx.MaskStore(dst + (4 * i + 1) * plane, mask, half * (a + b + c));
                Avx.MaskStore(dst + (4 * i + 2) * plane, mask, half * (a - b + c));
                Avx.MaskStore(dst + (4 * i + 3) * plane, mask, c);
            }
        }

        /// <summary>
        /// The parity planes of plane rows [0, rows] for tile rows starting at <paramref name="ty0"/>: plane row r
        /// holds padded input rows 2(ty0 + r) (EE, EO) and 2(ty0 + r) + 1 (OE, OO), split into even and odd
        /// columns, L of each. x is one channel's [h, w] plane; rows and columns outside it are zero (padding).
        /// The vector form may write up to 7 floats past the last row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ParityPlanes(float* x, int h, int w, int pad, int ty0, int rows, int l, bool vector,
            float* ee, float* eo, float* oe, float* oo)
        {
            for (int r = 0; r <= rows; r++)
            {
                int iy = 2 * (ty0 + r) - pad;
                SplitRow(x, h, w, pad, iy, l, vector, ee + r * l, eo + r * l);
                SplitRow(x, h, w, pad, iy + 1, l, vector, oe + r * l, oo + r * l);
            }
        }

        /// <summary>
        /// even[k] = u[2k], odd[k] = u[2k + 1] for k &lt; L, u being row iy of the [h, w] plane x shifted right by pad (zero
        /// outside the plane). The vector form fills whole vectors of 8 (L a multiple of 8, or up to 7 floats more).
        /// Also used by <see cref="WinogradWeightGradient"/> for input and output-gradient rows.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void SplitRow(float* x, int h, int w, int pad, int iy, int l, bool vector, float* even, float* odd)
        {
            bool inside = (uint)iy < (uint)h;
            float* src = x + (long)iy * w; // u[i] = src[i − pad] where 0 ≤ i − pad < w
            if (vector)
            {
                if (!inside)
                {
                    for (int k = 0; k < l; k += 8)
                    {
                        Avx.Store(even + k, Vector256<float>.Zero);
                        Avx.Store(odd + k, Vector256<float>.Zero);
                    }
                    return;
                }
                Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), width = Vector256.Create(w);
                for (int k = 0; k < l; k += 8)
                {
                    // Masked loads read only the columns inside the row (the padding reads as zero, nothing
                    // outside the row is touched); then the shuffle takes (a0 a2 b0 b2 | a4 a6 b4 b6) and the
                    // 64-bit permute (0 2 1 3) puts them in order.
                    int i0 = 2 * k - pad;
                    Vector256<int> ia = lanes + Vector256.Create(i0), ib = ia + Vector256.Create(8);
                    Vector256<float> ma = (Vector256.GreaterThan(ia, Vector256.Create(-1)) & Vector256.LessThan(ia, width)).AsSingle();
                    Vector256<float> mb = (Vector256.GreaterThan(ib, Vector256.Create(-1)) & Vector256.LessThan(ib, width)).AsSingle();
                    Vector256<float> a = Avx.MaskLoad(src + i0, ma), b = Avx.MaskLoad(src + i0 + 8, mb);
                    Vector256<float> ev = Avx.Shuffle(a, b, 0b10_00_10_00), od = Avx.Shuffle(a, b, 0b11_01_11_01);
                    Avx.Store(even + k, Avx2.Permute4x64(ev.AsDouble(), 0b11_01_10_00).AsSingle());
                    Avx.Store(odd + k, Avx2.Permute4x64(od.AsDouble(), 0b11_01_10_00).AsSingle());
                }
                return;
            }
            for (int k = 0; k < l; k++)
            {
                int ie = 2 * k - pad, io = ie + 1;
                even[k] = inside && (uint)ie < (uint)w ? src[ie] : 0f;
                odd[k] = inside && (uint)io < (uint)w ? src[io] : 0f;
            }
        }

        /// <summary>
        /// V[ξ] at v + ξ·<paramref name="xiStride"/> + j for j &lt; count: Bᵀ·d·B of the tiles at plane index j (see the
        /// class remarks). The vector form may write up to 7 floats past count.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void InputTiles(float* ee, float* eo, float* oe, float* oo, int l, int count, bool vector, float* v, long xiStride)
        {
            if (vector)
            {
                for (int j = 0; j < count; j += 8)
                {
                    // d·B of the window's four rows: rows 0 and 2 from the even planes, 1 and 3 from the odd ones.
                    RowTimesB(ee + j, eo + j, out Vector256<float> a0, out Vector256<float> a1, out Vector256<float> a2, out Vector256<float> a3);
                    RowTimesB(oe + j, oo + j, out Vector256<float> b0, out Vector256<float> b1, out Vector256<float> b2, out Vector256<float> b3);
                    RowTimesB(ee + j + l, eo + j + l, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3);
                    RowTimesB(oe + j + l, oo + j + l, out Vector256<float> d0, out Vector256<float> d1, out Vector256<float> d2, out Vector256<float> d3);
                    // Then Bᵀ· over the rows.
                    float* p = v + j;
                    Avx.Store(p, a0 - c0); Avx.Store(p + xiStride, a1 - c1); Avx.Store(p + 2 * xiStride, a2 - c2); Avx.Store(p + 3 * xiStride, a3 - c3);
                    p += 4 * xiStride;
                    Avx.Store(p, b0 + c0); Avx.Store(p + xiStride, b1 + c1); Avx.Store(p + 2 * xiStride, b2 + c2); Avx.Store(p + 3 * xiStride, b3 + c3);
                    p += 4 * xiStride;
                    Avx.Store(p, c0 - b0); Avx.Store(p + xiStride, c1 - b1); Avx.Store(p + 2 * xiStride, c2 - b2); Avx.Store(p + 3 * xiStride, c3 - b3);
                    p += 4 * xiStride;
                    Avx.Store(p, b0 - d0); Avx.Store(p + xiStride, b1 - d1); Avx.Store(p + 2 * xiStride, b2 - d2); Avx.Store(p + 3 * xiStride, b3 - d3);
                }
                return;
            }
            for (int j = 0; j < count; j++)
            {
                RowTimesB(ee + j, eo + j, out float a0, out float a1, out float a2, out float a3);
                RowTimesB(oe + j, oo + j, out float b0, out float b1, out float b2, out float b3);
                RowTimesB(ee + j + l, eo + j + l, out float c0, out float c1, out float c2, out float c3);
                RowTimesB(oe + j + l, oo + j + l, out float d0, out float d1, out float d2, out float d3);
                float* p = v + j;
                p[0] = a0 - c0; p[xiStride] = a1 - c1; p[2 * xiStride] = a2 - c2; p[3 * xiStride] = a3 - c3;
                p += 4 * xiStride;
                p[0] = b0 + c0; p[xiStride] = b1 + c1; p[2 * xiStride] = b2 + c2; p[3 * xiStride] = b3 + c3;
                p += 4 * xiStride;
                p[0] = c0 - b0; p[xiStride] = c1 - b1; p[2 * xiStride] = c2 - b2; p[3 * xiStride] = c3 - b3;
                p += 4 * xiStride;
                p[0] = b0 - d0; p[xiStride] = b1 - d1; p[2 * xiStride] = b2 - d2; p[3 * xiStride] = b3 - d3;
            }
        }

        /// <summary>One window row (d0 d1 d2 d3) = (E[j], O[j], E[j+1], O[j+1]) times B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowTimesB(float* e, float* o, out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3)
        {
            Vector256<float> d0 = Avx.LoadVector256(e), d1 = Avx.LoadVector256(o), d2 = Avx.LoadVector256(e + 1), d3 = Avx.LoadVector256(o + 1);
            t0 = d0 - d2; t1 = d1 + d2; t2 = d2 - d1; t3 = d1 - d3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void RowTimesB(float* e, float* o, out float t0, out float t1, out float t2, out float t3)
        {
            float d0 = e[0], d1 = o[0], d2 = e[1], d3 = o[1];
            t0 = d0 - d2; t1 = d1 + d2; t2 = d2 - d1; t3 = d1 - d3;
        }

        /// <summary>
        /// Aᵀ·m·A of the tiles at plane index j &lt; count, m[ξ] at m + ξ·<paramref name="xiStride"/> + j, plus bias,
        /// then ReLU (NaN stays NaN, as torch.relu): the tile's outputs (0,0), (0,1), (1,0), (1,1) into y00, y01,
        /// y10, y11 at j. The vector form may write up to 7 floats past count.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void OutputTiles(float* m, long xiStride, int count, float bias, bool relu, bool vector,
            float* y00, float* y01, float* y10, float* y11)
        {
            if (vector)
            {
                var vb = Vector256.Create(bias);
                for (int j = 0; j < count; j += 8)
                {
                    float* p = m + j;
                    TimesA(p, xiStride, out Vector256<float> s00, out Vector256<float> s01);
                    TimesA(p + 4 * xiStride, xiStride, out Vector256<float> s10, out Vector256<float> s11);
                    TimesA(p + 8 * xiStride, xiStride, out Vector256<float> s20, out Vector256<float> s21);
                    TimesA(p + 12 * xiStride, xiStride, out Vector256<float> s30, out Vector256<float> s31);
                    Vector256<float> o00 = s00 + s10 + s20 + vb, o01 = s01 + s11 + s21 + vb;
                    Vector256<float> o10 = s10 - s20 - s30 + vb, o11 = s11 - s21 - s31 + vb;
                    if (relu) { o00 = Relu.Of(o00); o01 = Relu.Of(o01); o10 = Relu.Of(o10); o11 = Relu.Of(o11); }
                    Avx.Store(y00 + j, o00); Avx.Store(y01 + j, o01); Avx.Store(y10 + j, o10); Avx.Store(y11 + j, o11);
                }
                return;
            }
            for (int j = 0; j < count; j++)
            {
                float* p = m + j;
                TimesA(p, xiStride, out float s00, out float s01);
                TimesA(p + 4 * xiStride, xiStride, out float s10, out float s11);
                TimesA(p + 8 * xiStride, xiStride, out float s20, out float s21);
                TimesA(p + 12 * xiStride, xiStride, out float s30, out float s31);
                float o00 = s00 + s10 + s20 + bias, o01 = s01 + s11 + s21 + bias;
                float o10 = s10 - s20 - s30 + bias, o11 = s11 - s21 - s31 + bias;
                if (relu) { o00 = Relu.Of(o00); o01 = Relu.Of(o01); o10 = Relu.Of(o10); o11 = Relu.Of(o11); }
                y00[j] = o00; y01[j] = o01; y10[j] = o10; y11[j] = o11;
            }
        }

        /// <summary>One row (m0 m1 m2 m3) of m times A: (m0 + m1 + m2, m1 − m2 − m3).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TimesA(float* p, long stride, out Vector256<float> s0, out Vector256<float> s1)
        {
            Vector256<float> m0 = Avx.LoadVector256(p), m1 = Avx.LoadVector256(p + stride);
            Vector256<float> m2 = Avx.LoadVector256(p + 2 * stride), m3 = Avx.LoadVector256(p + 3 * stride);
            s0 = m0 + m1 + m2; s1 = m1 - m2 - m3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TimesA(float* p, long stride, out float s0, out float s1)
        {
            float m0 = p[0], m1 = p[stride], m2 = p[2 * stride], m3 = p[3 * stride];
            s0 = m0 + m1 + m2; s1 = m1 - m2 - m3;
        }

        /// <summary>dst[2t] = even[t], dst[2t + 1] = odd[t] for the first <paramref name="width"/> outputs (an odd width drops the last odd one); the vector form reads up to 8 floats past width/2.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Interleave(float* even, float* odd, float* dst, int width, bool vector)
        {
            int t = 0;
            if (vector)
            {
                for (; 2 * t + 16 <= width; t += 8)
                {
                    Pair(even + t, odd + t, out Vector256<float> first, out Vector256<float> second);
                    Avx.Store(dst + 2 * t, first);
                    Avx.Store(dst + 2 * t + 8, second);
                }
                int rest = width - 2 * t;
                if (rest > 0)
                {
                    // The last part of the row (under 16 outputs), by masked stores that leave what follows alone.
                    Pair(even + t, odd + t, out Vector256<float> first, out Vector256<float> second);
                    Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), n = Vector256.Create(rest);
                    Avx.MaskStore(dst + 2 * t, Vector256.LessThan(lanes, n).AsSingle(), first);
                    Avx.MaskStore(dst + 2 * t + 8, Vector256.LessThan(lanes + Vector256.Create(8), n).AsSingle(), second);
                }
                return;
            }
            for (; 2 * t + 1 < width; t++)
            {
                dst[2 * t] = even[t];
                dst[2 * t + 1] = odd[t];
            }
            if (2 * t < width) dst[2 * t] = even[t];
        }

        /// <summary>(e0 o0 … e3 o3) and (e4 o4 … e7 o7): unpack gives (e0 o0 e1 o1 | e4 o4 e5 o5) and (e2 o2 e3 o3 | e6 o6 e7 o7), the lane permutes order them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pair(float* even, float* odd, out Vector256<float> first, out Vector256<float> second)
        {
            Vector256<float> a = Avx.LoadVector256(even), b = Avx.LoadVector256(odd);
            Vector256<float> lo = Avx.UnpackLow(a, b), hi = Avx.UnpackHigh(a, b);
            first = Avx.Permute2x128(lo, hi, 0x20);
            second = Avx.Permute2x128(lo, hi, 0x31);
        }
    }
}
