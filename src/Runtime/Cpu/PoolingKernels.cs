using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;

namespace CnnGen.Cpu
{
    /// <summary>MaxPool2d: padding is −∞, ties keep the first maximum in window order, argmax kept for backward.</summary>
    public static class MaxPool2dKernel
    {
        /// <summary>y[n, C, OH, OW]; <paramref name="indices"/> (same length as y) gets, per output, the flat index h·W + w of the chosen input in its plane.</summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, IntBuffer indices, int n, in Pool2dShape s)
        {
            PoolChecks.Check(nameof(MaxPool2dKernel), n, s, x.Length, nameof(x), y.Length, nameof(y));
            PoolChecks.CheckLength(nameof(MaxPool2dKernel), nameof(indices), indices.Length, (long)n * s.OutputSize);
            if (s.Dilation < 1) throw new ArgumentOutOfRangeException(nameof(s), $"MaxPool2d: dilation must be at least 1, got {s.Dilation}.");
            int planes = n * s.Channels;
            MiscParallel.For(planes, (long)planes * s.Height * s.Width, new ForwardWork(x, y, indices, s));
        }

        /// <summary>
        /// y[n, C, OH, OW] for evaluation: the same maxima as <see cref="Forward"/> (NaN wins, as in PyTorch) without
        /// the argmax, which only a backward needs. The common 2×2 stride-2 window takes vector maxima of whole
        /// rows (both rows first, then the column pairs) instead of tracking which input won.
        /// </summary>
        public static void ForwardInference(FloatBuffer x, FloatBuffer y, int n, in Pool2dShape s)
        {
            PoolChecks.Check(nameof(MaxPool2dKernel), n, s, x.Length, nameof(x), y.Length, nameof(y));
            if (s.Dilation < 1) throw new ArgumentOutOfRangeException(nameof(s), $"MaxPool2d: dilation must be at least 1, got {s.Dilation}.");
            int planes = n * s.Channels;
            MiscParallel.For(planes, (long)planes * s.Height * s.Width, new InferenceWork(x, y, s));
        }

        /// <summary>dx = 0, then dx[argmax] += dy (windows may overlap).</summary>
        public static void Backward(FloatBuffer dy, IntBuffer indices, FloatBuffer dx, int n, in Pool2dShape s)
        {
            PoolChecks.Check(nameof(MaxPool2dKernel), n, s, dx.Length, nameof(dx), dy.Length, nameof(dy));
            PoolChecks.CheckLength(nameof(MaxPool2dKernel), nameof(indices), indices.Length, (long)n * s.OutputSize);
            int planes = n * s.Channels;
            MiscParallel.For(planes, (long)planes * s.Height * s.Width, new BackwardWork(dy, indices, dx, s));
        }

        private readonly struct ForwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _y;
            private readonly IntBuffer _indices;
            private readonly Pool2dShape _s;

            public ForwardWork(FloatBuffer x, FloatBuffer y, IntBuffer indices, in Pool2dShape s)
            {
                _x = x; _y = y; _indices = indices; _s = s;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public unsafe void Run(int begin, int end)
            {
                int inPlane = _s.Height * _s.Width, outPlane = _s.OutHeight * _s.OutWidth;
                if (IsPlain2x2(in _s))
                {
                    // The slices bound-check the whole range once; the planes are then walked with pointers.
                    ReadOnlySpan<float> xAll = _x.Span.Slice(begin * inPlane, (end - begin) * inPlane);
                    Span<float> yAll = _y.Span.Slice(begin * outPlane, (end - begin) * outPlane);
                    Span<int> idxAll = _indices.Span.Slice(begin * outPlane, (end - begin) * outPlane);
                    Gemm.Sgemm.Isa isa = Gemm.Sgemm.CurrentIsa;
                    fixed (float* px = xAll, py = yAll)
                    fixed (int* pidx = idxAll)
                    {
                        for (int p = 0; p < end - begin; p++)
                            Plane2x2(px + (long)p * inPlane, py + (long)p * outPlane, pidx + (long)p * outPlane, in _s, isa);
                    }
                    return;
                }
                for (int p = begin; p < end; p++)
                {
                    ReadOnlySpan<float> x = _x.Span.Slice(p * inPlane, inPlane);
                    Span<float> y = _y.Span.Slice(p * outPlane, outPlane);
                    Span<int> idx = _indices.Span.Slice(p * outPlane, outPlane);
                    Plane(x, y, idx, _s);
                }
            }
        }

        private readonly struct InferenceWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _y;
            private readonly Pool2dShape _s;

            public InferenceWork(FloatBuffer x, FloatBuffer y, in Pool2dShape s)
            {
                _x = x; _y = y; _s = s;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public unsafe void Run(int begin, int end)
            {
                int inPlane = _s.Height * _s.Width, outPlane = _s.OutHeight * _s.OutWidth;
                if (!IsPlain2x2(in _s))
                {
                    // Other windows are rare in evaluation-heavy code: the training scan, its argmax into scratch.
                    if (t_indices is null || t_indices.Length < outPlane) t_indices = new int[outPlane];
                    for (int p = begin; p < end; p++)
                        Plane(_x.Span.Slice(p * inPlane, inPlane), _y.Span.Slice(p * outPlane, outPlane), t_indices.AsSpan(0, outPlane), _s);
                    return;
                }
                // The GEMM's instruction-set choice (a test may force a narrower one on its thread) picks the path.
                Gemm.Sgemm.Isa isa = Gemm.Sgemm.CurrentIsa;
                fixed (float* px = _x.Span, py = _y.Span)
                {
                    for (int p = begin; p < end; p++)
                        Plane2x2Values(px + (long)p * inPlane, py + (long)p * outPlane, _s.Width, _s.OutHeight, _s.OutWidth, isa);
                }
            }
        }

        [ThreadStatic] private static int[]? t_indices;

        /// <summary>
        /// The common window: 2×2, stride 2, no padding or dilation, every window inside the input. Windows then
        /// tile the input without overlap, which the fast paths rely on.
        /// </summary>
        private static bool IsPlain2x2(in Pool2dShape s)
            => s.Kernel == 2 && s.Stride == 2 && s.Padding == 0 && s.Dilation == 1 && 2 * s.OutHeight <= s.Height && 2 * s.OutWidth <= s.Width;

        /// <summary>Max of each 2×2 window of one plane, values only: rows r0 and r1 combined first, then column pairs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Plane2x2Values(float* x, float* y, int width, int outHeight, int outWidth, Gemm.Sgemm.Isa isa)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                float* r0 = x + 2L * oh * width, r1 = r0 + width, yRow = y + (long)oh * outWidth;
                int ow = 0;
                if (isa == Gemm.Sgemm.Isa.Vector512 && outWidth >= 8)
                {
                    // Eight outputs from 16 floats of each row; the last block shifted left to end at the row's end.
                    for (int next = 0; next < outWidth; next += 8)
                    {
                        ow = Math.Min(next, outWidth - 8);
                        Vector512<float> v = Pool2x2Vectors.Max(Vector512.Load(r0 + 2 * ow), Vector512.Load(r1 + 2 * ow));
                        Pool2x2Vectors.Deinterleave(v, out Vector256<float> even, out Vector256<float> odd);
                        Pool2x2Vectors.Max(even, odd).Store(yRow + ow);
                    }
                    continue;
                }
                if (isa != Gemm.Sgemm.Isa.Scalar && Sse.IsSupported && outWidth >= 4)
                {
                    // Narrow rows (SimpleCnn's 14 → 7): four outputs from 8 floats of each row, the last block shifted.
                    for (int next = 0; next < outWidth; next += 4)
                    {
                        ow = Math.Min(next, outWidth - 4);
                        Vector128<float> lo = Pool2x2Vectors.Max(Vector128.Load(r0 + 2 * ow), Vector128.Load(r1 + 2 * ow));
                        Vector128<float> hi = Pool2x2Vectors.Max(Vector128.Load(r0 + 2 * ow + 4), Vector128.Load(r1 + 2 * ow + 4));
                        Pool2x2Vectors.Max(Sse.Shuffle(lo, hi, 0b10_00_10_00), Sse.Shuffle(lo, hi, 0b11_01_11_01)).Store(yRow + ow);
                    }
                    continue;
                }
                for (; ow < outWidth; ow++)
                {
                    float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
                    yRow[ow] = Pool2x2Vectors.Max(Pool2x2Vectors.Max(a, c), Pool2x2Vectors.Max(b, d));
                }
            }
        }

        /// <summary>
        /// The general case, following PyTorch's scan: taps at start + t·dilation, those outside the input
        /// skipped (padding is −∞), a later value replaces the maximum only when strictly greater or NaN.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Plane(ReadOnlySpan<float> x, Span<float> y, Span<int> idx, in Pool2dShape s)
        {
            int height = s.Height, width = s.Width, kernel = s.Kernel, stride = s.Stride, pad = s.Padding, dil = s.Dilation;
            int span = (kernel - 1) * dil + 1;
            int o = 0;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                int h0 = oh * stride - pad;
                int h1 = Math.Min(h0 + span, height);
                h0 = FirstTapInside(h0, dil);
                for (int ow = 0; ow < s.OutWidth; ow++, o++)
                {
                    int w0 = ow * stride - pad;
                    int w1 = Math.Min(w0 + span, width);
                    w0 = FirstTapInside(w0, dil);
                    float max = float.NegativeInfinity;
                    // A window with no tap inside the input (only possible with dilation over padding) has no argmax:
                    // −1 tells the backward to route nothing.
                    int best = h0 < h1 && w0 < w1 ? h0 * width + w0 : -1;
                    for (int h = h0; h < h1; h += dil)
                    {
                        int row = h * width;
                        for (int w = w0; w < w1; w += dil)
                        {
                            float v = x[row + w];
                            // Non-short-circuit | and two selects: the JIT emits conditional moves, where a branch
                            // would be mispredicted about half the time on real data.
                            bool take = (v > max) | float.IsNaN(v);
                            max = take ? v : max;
                            best = take ? row + w : best;
                        }
                    }
                    y[o] = max;
                    idx[o] = best;
                }
            }
        }

        /// <summary>The plain 2×2 window (see <see cref="IsPlain2x2"/>) of one plane: four loads, no clipping.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Plane2x2(float* x, float* y, int* idx, in Pool2dShape s, Gemm.Sgemm.Isa isa)
        {
            int width = s.Width, outWidth = s.OutWidth;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                int r0 = 2 * oh * width, r1 = r0 + width;
                float* row0 = x + r0, row1 = x + r1, yRow = y + (long)oh * outWidth;
                int* idxRow = idx + (long)oh * outWidth;
                int ow = 0;
                if (isa == Gemm.Sgemm.Isa.Vector512 && outWidth >= 8)
                {
                    // Eight outputs at a time: 16 floats of each row, split into even (left) and odd (right) columns.
                    // The last block is shifted left to end at the row's end: a few outputs are computed twice,
                    // identically, instead of falling to the scalar loop (whose compares mispredict).
                    Vector256<int> laneColumns = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
                    for (int next = 0; next < outWidth; next += 8)
                    {
                        ow = Math.Min(next, outWidth - 8);
                        Pool2x2Vectors.Deinterleave(Vector512.Load(row0 + 2 * ow), out Vector256<float> a, out Vector256<float> b);
                        Pool2x2Vectors.Deinterleave(Vector512.Load(row1 + 2 * ow), out Vector256<float> c, out Vector256<float> d);
                        Vector256<int> ia = Vector256.Create(r0 + 2 * ow) + laneColumns;
                        Vector256<float> max = a;
                        Vector256<int> best = ia;
                        Pool2x2Vectors.Take(b, ia + Vector256<int>.One, ref max, ref best);
                        Pool2x2Vectors.Take(c, ia + Vector256.Create(width), ref max, ref best);
                        Pool2x2Vectors.Take(d, ia + Vector256.Create(width + 1), ref max, ref best);
                        max.Store(yRow + ow);
                        best.Store(idxRow + ow);
                    }
                    continue;
                }
                if (isa != Gemm.Sgemm.Isa.Scalar && Sse.IsSupported && outWidth >= 4)
                {
                    // Narrow rows (4–7 outputs, e.g. 8×8 → 4×4): four outputs at a time from 8 floats of each row,
                    // the last block shifted left like above.
                    Vector128<int> laneColumns = Vector128.Create(0, 2, 4, 6);
                    for (int next = 0; next < outWidth; next += 4)
                    {
                        ow = Math.Min(next, outWidth - 4);
                        Pool2x2Vectors.Deinterleave(row0 + 2 * ow, out Vector128<float> a, out Vector128<float> b);
                        Pool2x2Vectors.Deinterleave(row1 + 2 * ow, out Vector128<float> c, out Vector128<float> d);
                        Vector128<int> ia = Vector128.Create(r0 + 2 * ow) + laneColumns;
                        Vector128<float> max = a;
                        Vector128<int> best = ia;
                        Pool2x2Vectors.Take(b, ia + Vector128<int>.One, ref max, ref best);
                        Pool2x2Vectors.Take(c, ia + Vector128.Create(width), ref max, ref best);
                        Pool2x2Vectors.Take(d, ia + Vector128.Create(width + 1), ref max, ref best);
                        max.Store(yRow + ow);
                        best.Store(idxRow + ow);
                    }
                    continue;
                }
                for (; ow < outWidth; ow++)
                {
                    int col = 2 * ow;
                    // Same order as the general scan: (0,0), (0,1), (1,0), (1,1); a later value wins if larger or NaN.
                    float max = row0[col];
                    int best = r0 + col;
                    float v = row0[col + 1];
                    bool take = (v > max) | float.IsNaN(v);
                    max = take ? v : max;
                    best = take ? r0 + col + 1 : best;
                    v = row1[col];
                    take = (v > max) | float.IsNaN(v);
                    max = take ? v : max;
                    best = take ? r1 + col : best;
                    v = row1[col + 1];
                    take = (v > max) | float.IsNaN(v);
                    max = take ? v : max;
                    best = take ? r1 + col + 1 : best;
                    yRow[ow] = max;
                    idxRow[ow] = best;
                }
            }
        }

        /// <summary>Moves a window start that lies in the padding forward to its first tap inside the input.</summary>
        private static int FirstTapInside(int start, int dilation)
            => start >= 0 ? start : start + (-start + dilation - 1) / dilation * dilation;

        /// <summary>
        /// Backward of one plane of the plain 2×2 window: the windows tile the input, so each input is written once,
        /// with its window's dy where the argmax points and 0 elsewhere: no clear of dx, no scatter. A row the
        /// windows leave out (odd height or width) is zeroed.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void BackwardPlane2x2(float* dy, int* idx, float* dx, in Pool2dShape s, Gemm.Sgemm.Isa isa)
        {
            int width = s.Width, outWidth = s.OutWidth, covered = 2 * outWidth;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                int r0 = 2 * oh * width, r1 = r0 + width;
                float* dx0 = dx + r0, dx1 = dx + r1, g = dy + (long)oh * outWidth;
                int* ix = idx + (long)oh * outWidth;
                int ow = 0;
                if (isa == Gemm.Sgemm.Isa.Vector512 && outWidth >= 8)
                {
                    // Eight windows at a time, the last block shifted left to end at the row's end (written twice, identically).
                    Vector256<int> laneColumns = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
                    for (int next = 0; next < outWidth; next += 8)
                    {
                        ow = Math.Min(next, outWidth - 8);
                        Vector256<float> d = Vector256.Load(g + ow);
                        Vector256<int> at = Vector256.Load(ix + ow), left = Vector256.Create(r0 + 2 * ow) + laneColumns;
                        Vector256<float> a = Vector256.ConditionalSelect(Vector256.Equals(at, left).AsSingle(), d, Vector256<float>.Zero);
                        Vector256<float> b = Vector256.ConditionalSelect(Vector256.Equals(at, left + Vector256<int>.One).AsSingle(), d, Vector256<float>.Zero);
                        Vector256<float> c = Vector256.ConditionalSelect(Vector256.Equals(at, left + Vector256.Create(width)).AsSingle(), d, Vector256<float>.Zero);
                        Vector256<float> e = Vector256.ConditionalSelect(Vector256.Equals(at, left + Vector256.Create(width + 1)).AsSingle(), d, Vector256<float>.Zero);
                        Pool2x2Vectors.Interleave(a, b).Store(dx0 + 2 * ow);
                        Pool2x2Vectors.Interleave(c, e).Store(dx1 + 2 * ow);
                    }
                    ow = outWidth;
                }
                else if (isa != Gemm.Sgemm.Isa.Scalar && Sse.IsSupported && outWidth >= 4)
                {
                    Vector128<int> laneColumns = Vector128.Create(0, 2, 4, 6);
                    for (int next = 0; next < outWidth; next += 4)
                    {
                        ow = Math.Min(next, outWidth - 4);
                        Vector128<float> d = Vector128.Load(g + ow);
                        Vector128<int> at = Vector128.Load(ix + ow), left = Vector128.Create(r0 + 2 * ow) + laneColumns;
                        Vector128<float> a = Vector128.ConditionalSelect(Vector128.Equals(at, left).AsSingle(), d, Vector128<float>.Zero);
                        Vector128<float> b = Vector128.ConditionalSelect(Vector128.Equals(at, left + Vector128<int>.One).AsSingle(), d, Vector128<float>.Zero);
                        Vector128<float> c = Vector128.ConditionalSelect(Vector128.Equals(at, left + Vector128.Create(width)).AsSingle(), d, Vector128<float>.Zero);
                        Vector128<float> e = Vector128.ConditionalSelect(Vector128.Equals(at, left + Vector128.Create(width + 1)).AsSingle(), d, Vector128<float>.Zero);
                        Sse.UnpackLow(a, b).Store(dx0 + 2 * ow);
                        Sse.UnpackHigh(a, b).Store(dx0 + 2 * ow + 4);
                        Sse.UnpackLow(c, e).Store(dx1 + 2 * ow);
                        Sse.UnpackHigh(c, e).Store(dx1 + 2 * ow + 4);
                    }
                    ow = outWidth;
                }
                for (; ow < outWidth; ow++)
                {
                    int col = 2 * ow, at = ix[ow];
                    float d = g[ow];
                    dx0[col] = at == r0 + col ? d : 0f;
                    dx0[col + 1] = at == r0 + col + 1 ? d : 0f;
                    dx1[col] = at == r1 + col ? d : 0f;
                    dx1[col + 1] = at == r1 + col + 1 ? d : 0f;
                }
                for (int w = covered; w < width; w++)
                {
                    dx0[w] = 0f;
                    dx1[w] = 0f;
                }
            }
            for (int h = 2 * s.OutHeight; h < s.Height; h++)
                new Span<float>(dx + (long)h * width, width).Clear();
        }

        private readonly struct BackwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _dy, _dx;
            private readonly IntBuffer _indices;
            private readonly Pool2dShape _s;

            public BackwardWork(FloatBuffer dy, IntBuffer indices, FloatBuffer dx, in Pool2dShape s)
            {
                _dy = dy; _indices = indices; _dx = dx; _s = s;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public unsafe void Run(int begin, int end)
            {
                int inPlane = _s.Height * _s.Width, outPlane = _s.OutHeight * _s.OutWidth;
                if (IsPlain2x2(in _s))
                {
                    Span<float> dxAll = _dx.Span.Slice(begin * inPlane, (end - begin) * inPlane);
                    ReadOnlySpan<float> dyAll = _dy.Span.Slice(begin * outPlane, (end - begin) * outPlane);
                    ReadOnlySpan<int> idxAll = _indices.Span.Slice(begin * outPlane, (end - begin) * outPlane);
                    Gemm.Sgemm.Isa isa = Gemm.Sgemm.CurrentIsa;
                    fixed (float* pdx = dxAll, pdy = dyAll)
                    fixed (int* pidx = idxAll)
                    {
                        for (int p = 0; p < end - begin; p++)
                            BackwardPlane2x2(pdy + (long)p * outPlane, pidx + (long)p * outPlane, pdx + (long)p * inPlane, in _s, isa);
                    }
                    return;
                }
                for (int p = begin; p < end; p++)
                {
                    Span<float> dx = _dx.Span.Slice(p * inPlane, inPlane);
                    ReadOnlySpan<float> dy = _dy.Span.Slice(p * outPlane, outPlane);
                    ReadOnlySpan<int> idx = _indices.Span.Slice(p * outPlane, outPlane);
                    dx.Clear();
                    for (int o = 0; o < dy.Length; o++)
                    {
                        int i = idx[o];
                        if (i >= 0) dx[i] += dy[o];
                    }
                }
            }
        }
    }

    /// <summary>AvgPool2d with PyTorch's divisor rules (count_include_pad; windows clipped to the padded input under ceil_mode).</summary>
    public static class AvgPool2dKernel
    {
        /// <summary>y[n, C, OH, OW] = window sums over the real input, divided per PyTorch (see the type's summary).</summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, int n, in Pool2dShape s)
        {
            CheckShape(n, s, x.Length, nameof(x), y.Length, nameof(y));
            int planes = n * s.Channels;
            MiscParallel.For(planes, (long)planes * s.Height * s.Width, new ForwardWork(x, y, s));
        }

        /// <summary>dx overwritten.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer dx, int n, in Pool2dShape s)
        {
            CheckShape(n, s, dx.Length, nameof(dx), dy.Length, nameof(dy));
            int planes = n * s.Channels;
            MiscParallel.For(planes, (long)planes * s.Height * s.Width, new BackwardWork(dy, dx, s));
        }

        private static void CheckShape(int n, in Pool2dShape s, int inLength, string inName, int outLength, string outName)
        {
            PoolChecks.Check(nameof(AvgPool2dKernel), n, s, inLength, inName, outLength, outName);
            if (s.Dilation != 1)
                throw new ArgumentOutOfRangeException(nameof(s), $"AvgPool2d has no dilation; the shape says {s.Dilation}.");
        }

        /// <summary>
        /// One output's window, PyTorch's way: the window is first clipped to the padded input (which only bites
        /// under ceil_mode), that size is the count_include_pad divisor; then it is clipped to the real input,
        /// whose size is the other divisor and whose elements are summed. Returns false for an empty window.
        /// </summary>
        private static bool Window(int oh, int ow, in Pool2dShape s, out int h0, out int h1, out int w0, out int w1, out float divisor)
        {
            int pad = s.Padding;
            h0 = oh * s.Stride - pad;
            w0 = ow * s.Stride - pad;
            h1 = Math.Min(h0 + s.Kernel, s.Height + pad);
            w1 = Math.Min(w0 + s.Kernel, s.Width + pad);
            int paddedSize = (h1 - h0) * (w1 - w0);
            h0 = Math.Max(h0, 0);
            w0 = Math.Max(w0, 0);
            h1 = Math.Min(h1, s.Height);
            w1 = Math.Min(w1, s.Width);
            if (h0 >= h1 || w0 >= w1)
            {
                divisor = 1;
                return false;
            }
            divisor = s.CountIncludePad ? paddedSize : (h1 - h0) * (w1 - w0);
            return true;
        }

        /// <summary>2×2, stride 2, unpadded, every window inside the input: the divisor is 4 under either rule.</summary>
        private static bool Is2x2(in Pool2dShape s)
            => s.Kernel == 2 && s.Stride == 2 && s.Padding == 0 && 2 * s.OutHeight <= s.Height && 2 * s.OutWidth <= s.Width;

        /// <summary>Sums in the general path's order ((a + b) + c) + d, so both paths give identical results.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Forward2x2(ReadOnlySpan<float> x, Span<float> y, in Pool2dShape s)
        {
            int width = s.Width, outWidth = s.OutWidth;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                ReadOnlySpan<float> row0 = x.Slice(2 * oh * width, 2 * outWidth), row1 = x.Slice((2 * oh + 1) * width, 2 * outWidth);
                Span<float> yRow = y.Slice(oh * outWidth, outWidth);
                int ow = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    Vector256<float> four = Vector256.Create(4f);
                    for (int next = 0; next < outWidth && outWidth >= 8; next += 8)
                    {
                        ow = Math.Min(next, outWidth - 8); // last block shifted left, as in max pooling
                        Pool2x2Vectors.Deinterleave(Vector512.Create(row0.Slice(2 * ow, 16)), out Vector256<float> a, out Vector256<float> b);
                        Pool2x2Vectors.Deinterleave(Vector512.Create(row1.Slice(2 * ow, 16)), out Vector256<float> c, out Vector256<float> d);
                        (((a + b) + c + d) / four).CopyTo(yRow.Slice(ow, 8));
                        ow += 8;
                    }
                }
                for (; ow < outWidth; ow++)
                    yRow[ow] = (row0[2 * ow] + row0[2 * ow + 1] + row1[2 * ow] + row1[2 * ow + 1]) / 4f;
            }
        }

        /// <summary>Windows do not overlap, so each input gets exactly its window's dy/4 (dx was cleared: gaps stay 0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Backward2x2(ReadOnlySpan<float> dy, Span<float> dx, in Pool2dShape s)
        {
            int width = s.Width, outWidth = s.OutWidth;
            for (int oh = 0; oh < s.OutHeight; oh++)
            {
                Span<float> row0 = dx.Slice(2 * oh * width, 2 * outWidth), row1 = dx.Slice((2 * oh + 1) * width, 2 * outWidth);
                ReadOnlySpan<float> dyRow = dy.Slice(oh * outWidth, outWidth);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    float g = dyRow[ow] / 4f;
                    row0[2 * ow] = g;
                    row0[2 * ow + 1] = g;
                    row1[2 * ow] = g;
                    row1[2 * ow + 1] = g;
                }
            }
        }

        private readonly struct ForwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _y;
            private readonly Pool2dShape _s;

            public ForwardWork(FloatBuffer x, FloatBuffer y, in Pool2dShape s)
            {
                _x = x; _y = y; _s = s;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                int width = _s.Width, inPlane = _s.Height * width, outPlane = _s.OutHeight * _s.OutWidth;
                for (int p = begin; p < end; p++)
                {
                    ReadOnlySpan<float> x = _x.Span.Slice(p * inPlane, inPlane);
                    Span<float> y = _y.Span.Slice(p * outPlane, outPlane);
                    if (Is2x2(_s))
                    {
                        Forward2x2(x, y, _s);
                        continue;
                    }
                    int o = 0;
                    for (int oh = 0; oh < _s.OutHeight; oh++)
                    {
                        for (int ow = 0; ow < _s.OutWidth; ow++, o++)
                        {
                            if (!Window(oh, ow, _s, out int h0, out int h1, out int w0, out int w1, out float divisor))
                            {
                                y[o] = 0;
                                continue;
                            }
                            float sum = 0;
                            for (int h = h0; h < h1; h++)
                            {
                                ReadOnlySpan<float> row = x.Slice(h * width + w0, w1 - w0);
                                for (int w = 0; w < row.Length; w++) sum += row[w];
                            }
                            y[o] = sum / divisor;
                        }
                    }
                }
            }
        }

        private readonly struct BackwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _dy, _dx;
            private readonly Pool2dShape _s;

            public BackwardWork(FloatBuffer dy, FloatBuffer dx, in Pool2dShape s)
            {
                _dy = dy; _dx = dx; _s = s;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                int width = _s.Width, inPlane = _s.Height * width, outPlane = _s.OutHeight * _s.OutWidth;
                for (int p = begin; p < end; p++)
                {
                    Span<float> dx = _dx.Span.Slice(p * inPlane, inPlane);
                    ReadOnlySpan<float> dy = _dy.Span.Slice(p * outPlane, outPlane);
                    dx.Clear();
                    if (Is2x2(_s))
                    {
                        Backward2x2(dy, dx, _s);
                        continue;
                    }
                    int o = 0;
                    for (int oh = 0; oh < _s.OutHeight; oh++)
                    {
                        for (int ow = 0; ow < _s.OutWidth; ow++, o++)
                        {
                            if (!Window(oh, ow, _s, out int h0, out int h1, out int w0, out int w1, out float divisor))
                                continue;
                            float g = dy[o] / divisor;
                            for (int h = h0; h < h1; h++)
                            {
                                Span<float> row = dx.Slice(h * width + w0, w1 - w0);
                                for (int w = 0; w < row.Length; w++) row[w] += g;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>AdaptiveAvgPool2d: output cell (i, j) averages rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and likewise columns.</summary>
    public static class AdaptiveAvgPool2dKernel
    {
        /// <summary>y[n, C, OH, OW] from x[n, C, H, W].</summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, int n, int channels, int height, int width, int outHeight, int outWidth)
        {
            Check(n, channels, height, width, outHeight, outWidth, x.Length, nameof(x), y.Length, nameof(y));
            int planes = n * channels;
            MiscParallel.For(planes, (long)planes * height * width, new Work(x, y, height, width, outHeight, outWidth, backward: false));
        }

        /// <summary>dx overwritten.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer dx, int n, int channels, int height, int width, int outHeight, int outWidth)
        {
            Check(n, channels, height, width, outHeight, outWidth, dx.Length, nameof(dx), dy.Length, nameof(dy));
            int planes = n * channels;
            MiscParallel.For(planes, (long)planes * height * width, new Work(dy, dx, height, width, outHeight, outWidth, backward: true));
        }

        private static void Check(int n, int channels, int height, int width, int outHeight, int outWidth,
            int inLength, string inName, int outLength, string outName)
        {
            const string Kernel = nameof(AdaptiveAvgPool2dKernel);
            if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"{Kernel}: batch size must not be negative, got {n}.");
            if (channels < 1 || height < 1 || width < 1 || outHeight < 1 || outWidth < 1)
                throw new ArgumentOutOfRangeException(nameof(channels),
                    $"{Kernel}: sizes must be positive, got channels {channels}, input {height}×{width}, output {outHeight}×{outWidth}.");
            PoolChecks.CheckLength(Kernel, inName, inLength, (long)n * channels * height * width);
            PoolChecks.CheckLength(Kernel, outName, outLength, (long)n * channels * outHeight * outWidth);
        }

        private readonly struct Work : IMiscRangeWork
        {
            // Forward: _a = x, _b = y. Backward: _a = dy, _b = dx.
            private readonly FloatBuffer _a, _b;
            private readonly int _height, _width, _outHeight, _outWidth;
            private readonly bool _backward;

            public Work(FloatBuffer a, FloatBuffer b, int height, int width, int outHeight, int outWidth, bool backward)
            {
                _a = a; _b = b; _height = height; _width = width; _outHeight = outHeight; _outWidth = outWidth; _backward = backward;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                int inPlane = _height * _width, outPlane = _outHeight * _outWidth;
                for (int p = begin; p < end; p++)
                {
                    if (_backward)
                        BackwardPlane(_a.Span.Slice(p * outPlane, outPlane), _b.Span.Slice(p * inPlane, inPlane));
                    else
                        ForwardPlane(_a.Span.Slice(p * inPlane, inPlane), _b.Span.Slice(p * outPlane, outPlane));
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void ForwardPlane(ReadOnlySpan<float> x, Span<float> y)
            {
                int o = 0;
                for (int oh = 0; oh < _outHeight; oh++)
                {
                    int h0 = Shapes.ShapeMath.AdaptiveStart(oh, _height, _outHeight), h1 = Shapes.ShapeMath.AdaptiveEnd(oh, _height, _outHeight);
                    for (int ow = 0; ow < _outWidth; ow++, o++)
                    {
                        int w0 = Shapes.ShapeMath.AdaptiveStart(ow, _width, _outWidth), w1 = Shapes.ShapeMath.AdaptiveEnd(ow, _width, _outWidth);
                        float sum = 0;
                        for (int h = h0; h < h1; h++)
                        {
                            ReadOnlySpan<float> row = x.Slice(h * _width + w0, w1 - w0);
                            for (int w = 0; w < row.Length; w++) sum += row[w];
                        }
                        y[o] = sum / ((h1 - h0) * (w1 - w0));
                    }
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void BackwardPlane(ReadOnlySpan<float> dy, Span<float> dx)
            {
                dx.Clear();
                int o = 0;
                for (int oh = 0; oh < _outHeight; oh++)
                {
                    int h0 = Shapes.ShapeMath.AdaptiveStart(oh, _height, _outHeight), h1 = Shapes.ShapeMath.AdaptiveEnd(oh, _height, _outHeight);
                    for (int ow = 0; ow < _outWidth; ow++, o++)
                    {
                        int w0 = Shapes.ShapeMath.AdaptiveStart(ow, _width, _outWidth), w1 = Shapes.ShapeMath.AdaptiveEnd(ow, _width, _outWidth);
                        float g = dy[o] / ((h1 - h0) * (w1 - w0));
                        for (int h = h0; h < h1; h++)
                        {
                            Span<float> row = dx.Slice(h * _width + w0, w1 - w0);
                            for (int w = 0; w < row.Length; w++) row[w] += g;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Vector pieces of the 2×2 stride-2 pooling fast paths.</summary>
    internal static class Pool2x2Vectors
    {
        private static readonly Vector512<int> s_evenThenOdd = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);

        /// <summary>[a0 b0 a1 b1 … a7 b7] → even = [a0 … a7], odd = [b0 … b7].</summary>
        // Inlined: as a call, its zmm argument and the two results travel through the stack and the return
        // clears the upper registers, which cost more than the pooling itself.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Deinterleave(Vector512<float> v, out Vector256<float> even, out Vector256<float> odd)
        {
            // vpermps directly: Vector512.Shuffle with indices the JIT cannot see as a constant falls back to
            // a lane-by-lane software shuffle, which made this fast path slower than the scalar loop.
            Vector512<float> split = Avx512F.IsSupported ? Avx512F.PermuteVar16x32(v, s_evenThenOdd) : Vector512.Shuffle(v, s_evenThenOdd);
            even = split.GetLower();
            odd = split.GetUpper();
        }

        private static readonly Vector512<int> s_interleave = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);

        /// <summary>even = [a0 … a7], odd = [b0 … b7] → [a0 b0 a1 b1 … a7 b7]: the inverse of <see cref="Deinterleave(Vector512{float}, out Vector256{float}, out Vector256{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Interleave(Vector256<float> even, Vector256<float> odd)
        {
            Vector512<float> joined = Vector512.Create(even, odd);
            return Avx512F.IsSupported ? Avx512F.PermuteVar16x32(joined, s_interleave) : Vector512.Shuffle(joined, s_interleave);
        }

        /// <summary>[a0 b0 a1 b1 a2 b2 a3 b3] → even = [a0 … a3], odd = [b0 … b3] (SSE shufps).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Deinterleave(float* eight, out Vector128<float> even, out Vector128<float> odd)
        {
            Vector128<float> lo = Vector128.Load(eight), hi = Vector128.Load(eight + 4);
            even = Sse.Shuffle(lo, hi, 0b10_00_10_00);
            odd = Sse.Shuffle(lo, hi, 0b11_01_11_01);
        }

        /// <summary>As the 256-bit <see cref="Take(Vector256{float}, Vector256{int}, ref Vector256{float}, ref Vector256{int})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(Vector128<float> v, Vector128<int> index, ref Vector128<float> max, ref Vector128<int> best)
        {
            Vector128<float> take = Vector128.GreaterThan(v, max) | ~Vector128.Equals(v, v);
            max = Vector128.ConditionalSelect(take, v, max);
            best = Vector128.ConditionalSelect(take.AsInt32(), index, best);
        }

        /// <summary>Lane-wise max(p, q) that keeps p unless q is strictly greater or NaN (PyTorch's rule, so NaN wins).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Max(Vector512<float> p, Vector512<float> q) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(q, p) | ~Vector512.Equals(q, q), q, p);

        /// <summary>As the 512-bit <see cref="Max(Vector512{float}, Vector512{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> p, Vector256<float> q) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(q, p) | ~Vector256.Equals(q, q), q, p);

        /// <summary>As the 512-bit <see cref="Max(Vector512{float}, Vector512{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Max(Vector128<float> p, Vector128<float> q) =>
            Vector128.ConditionalSelect(Vector128.GreaterThan(q, p) | ~Vector128.Equals(q, q), q, p);

        /// <summary>As the 512-bit <see cref="Max(Vector512{float}, Vector512{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Max(float p, float q) => q > p || float.IsNaN(q) ? q : p;

        /// <summary>Lane-wise: a later window value replaces the maximum when strictly greater or NaN (PyTorch's rule).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(Vector256<float> v, Vector256<int> index, ref Vector256<float> max, ref Vector256<int> best)
        {
            Vector256<float> take = Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);
            max = Vector256.ConditionalSelect(take, v, max);
            best = Vector256.ConditionalSelect(take.AsInt32(), index, best);
        }
    }

    /// <summary>Argument checks shared by the pooling kernels: cheap, and they name the kernel and the buffer.</summary>
    internal static class PoolChecks
    {
        public static void Check(string kernel, int n, in Pool2dShape s, int inLength, string inName, int outLength, string outName)
        {
            if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"{kernel}: batch size must not be negative, got {n}.");
            if (s.Channels < 1 || s.Height < 1 || s.Width < 1 || s.OutHeight < 1 || s.OutWidth < 1 || s.Kernel < 1 || s.Stride < 1 || s.Padding < 0)
                throw new ArgumentOutOfRangeException(nameof(s),
                    $"{kernel}: bad shape: channels {s.Channels}, input {s.Height}×{s.Width}, output {s.OutHeight}×{s.OutWidth}, " +
                    $"kernel {s.Kernel}, stride {s.Stride}, padding {s.Padding}.");
            CheckLength(kernel, inName, inLength, (long)n * s.InputSize);
            CheckLength(kernel, outName, outLength, (long)n * s.OutputSize);
        }

        public static void CheckLength(string kernel, string name, int length, long needed)
        {
            if (length < needed)
                throw new ArgumentException($"{kernel}: buffer {name} holds {length} floats, the shape needs {needed}.", name);
        }
    }

    /// <summary>A slice of independent work items [begin, end) (planes, channels, chunks) that a kernel runs.</summary>
    internal interface IMiscRangeWork
    {
        void Run(int begin, int end);
    }

    /// <summary>
    /// Runs <see cref="IMiscRangeWork"/> serially when small, else split over the cores with the shared worker pool
    /// (<see cref="Threading.CpuParallel"/>, so --threads applies and nothing is allocated per call). The work
    /// struct is copied into a per-calling-thread cached job whose delegate is made once, so the steady state
    /// allocates nothing of ours. Splitting never changes results: every item writes only its own outputs.
    /// </summary>
    internal static class MiscParallel
    {
        /// <summary>Below this many touched elements a parallel split costs more than it saves.</summary>
        public const long Threshold = 1 << 16;

        public static void For<TWork>(int count, long elements, in TWork work) where TWork : struct, IMiscRangeWork
        {
            if (count <= 0) return;
            if (elements <= Threshold || count == 1 || Threading.CpuParallel.MaxThreads == 1)
            {
                work.Run(0, count);
                return;
            }
            Job<TWork>.Current.Run(count, work);
        }

        private sealed class Job<TWork> where TWork : struct, IMiscRangeWork
        {
            [ThreadStatic] private static Job<TWork>? t_current;

            public static Job<TWork> Current => t_current ??= new Job<TWork>();

            private readonly Action<int> _body;
            private TWork _work;
            private int _count, _chunks;

            private Job() => _body = RunChunk;

            public void Run(int count, in TWork work)
            {
                _work = work;
                _count = count;
                // A few chunks per core balances uneven planes without a delegate call per tiny plane.
                _chunks = Math.Min(count, Threading.CpuParallel.MaxThreads * 4);
                try
                {
                    Threading.CpuParallel.For(_chunks, _body);
                }
                finally
                {
                    _work = default; // let go of the buffers
                }
            }

            private void RunChunk(int chunk)
            {
                int begin = (int)((long)chunk * _count / _chunks);
                int end = (int)((long)(chunk + 1) * _count / _chunks);
                _work.Run(begin, end);
            }
        }
    }
}
