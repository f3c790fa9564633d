using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;

namespace CnnGen.Cpu
{
    /// <summary>
    /// Direct (GEMM-free) Conv2d for few channels: groups = 1, stride 1, dilation 1, small Cin·k·k and Cout.
    /// </summary>
    /// <remarks>
    /// There im2col + a GEMM per sample is dominated by call overhead and packing (M = Cout = 6, K = 25). Instead
    /// each sample is copied into a zero-padded plane of width Wp = W + 2p, and outputs are computed on the
    /// "wide" grid q = oh·Wp + ow (ow running over all Wp columns): then tap (ci, kh, kw) reads the input at
    /// q + ci·Hp·Wp + kh·Wp + kw, a plain shifted vector for every q, so the whole output plane is one 1-D
    /// correlation vectorised 32 positions at a time. The Wp − OW garbage columns per row are dropped (forward)
    /// or held at zero (backward, so they add nothing). A forward whose rows hold 16 or more outputs skips the wide
    /// grid: each output row is correlated straight into y, the same shifted input vectors read row by row. Work is split in contiguous sample chunks as in
    /// <see cref="Conv2dKernel"/>; each chunk's weight gradient is reduced from per-lane sums in a fixed order.
    /// </remarks>
    internal static unsafe class Conv2dDirect
    {
        private const int Lanes = 16; // floats in a Vector512
        private const int Block = 32; // output positions per register tile (two vectors)

        // This path's own per-thread scratch, grown and aligned by the shared DenseScratch.Get.
        [ThreadStatic] private static float[]? _input, _outGrad, _tmp, _inGrad, _lanes, _weights;

        /// <summary>
        /// Whether the direct path handles this shape and pays: few output channels (the GEMM's M too small to fill
        /// its tiles), or a first layer's tiny depth Cin·k·k ≤ 32 (SimpleCnn's 9, an RGB 3×3's 27: the GEMM's K too
        /// short for its packing to pay) with up to 64 output channels. Other machines (AVX2, portable) take
        /// im2col and their GEMM for every shape.
        /// </summary>
        public static bool Applies(in Conv2dShape s)
        {
            int depth = s.InChannels * s.Kernel * s.Kernel;
            return Sgemm.CurrentIsa == Sgemm.Isa.Vector512 && s.Groups == 1 && s.Stride == 1 && s.Dilation == 1 && s.Kernel <= 7
                && (depth <= 160 && s.OutChannels <= 16 || depth <= 32 && s.OutChannels <= 64);
        }

        private struct Geometry
        {
            public int Hp, Wp, PlaneP, Q, QR, CoutP, Kg, KgP, TapsP, OutGradStride;

            public Geometry(in Conv2dShape s)
            {
                Hp = s.Height + 2 * s.Padding;
                Wp = s.Width + 2 * s.Padding;
                PlaneP = Hp * Wp;
                Q = (s.OutHeight - 1) * Wp + s.OutWidth;   // wide positions that hold real outputs
                QR = RoundUp(Q, Block);
                CoutP = RoundUp(s.OutChannels, 3);          // output channels in register blocks of 3
                Kg = s.InChannels * s.Kernel * s.Kernel;
                KgP = RoundUp(Kg, 3);                       // column-gradient rows in blocks of 3
                TapsP = RoundUp(Kg, 4);                     // weight-gradient taps in blocks of 4
                OutGradStride = RoundUp(QR + Block, Lanes);
            }

            // Input plane reads reach at most Block floats past Cin·PlaneP (the rounded-up tail of QR).
            public readonly long InputFloats(in Conv2dShape s) => (long)s.InChannels * PlaneP + 2 * Block;
        }

        private struct Job
        {
            public float* X, W, Bias, Y, Dy, Dx, DW, DB, Partials, Wt;
            public Conv2dShape S;
            public Geometry G;
            public int N, Chunks;
            public bool Relu;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(float* x, float* w, float* bias, float* y, int n, in Conv2dShape s, bool relu)
        {
            var g = new Geometry(in s);
            // wt[t, co] = W[co, t], the output channels padded with zero weights to a multiple of 3.
            float* wt = Gemm.DenseScratch.Get(ref _weights, (long)g.Kg * g.CoutP);
            new Span<float>(wt, g.Kg * g.CoutP).Clear();
            for (int co = 0; co < s.OutChannels; co++)
                for (int t = 0; t < g.Kg; t++)
                    wt[t * g.CoutP + co] = w[co * g.Kg + t];

            var job = new Job { X = x, W = w, Bias = bias, Y = y, S = s, G = g, N = n, Relu = relu, Wt = wt };
            job.Chunks = Chunks(n);
            if (job.Chunks > 1) CpuParallel.For(job.Chunks, &ForwardChunk, &job);
            else ForwardChunk(&job, 0);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward(float* x, float* w, float* dy, float* dx, float* dw, float* db, int n, in Conv2dShape s)
        {
            var g = new Geometry(in s);
            // wt[co, t] = W[co, t] with the taps padded to a multiple of 3 (the rows of the column gradient).
            float* wt = null;
            if (dx != null)
            {
                wt = Gemm.DenseScratch.Get(ref _weights, (long)s.OutChannels * g.KgP);
                new Span<float>(wt, s.OutChannels * g.KgP).Clear();
                for (int co = 0; co < s.OutChannels; co++)
                    new ReadOnlySpan<float>(w + co * g.Kg, g.Kg).CopyTo(new Span<float>(wt + co * g.KgP, g.Kg));
            }

            var job = new Job { X = x, W = w, Dy = dy, Dx = dx, DW = dw, DB = db, S = s, G = g, N = n, Wt = wt };
            job.Chunks = Chunks(n);
            int partialSize = s.WeightSize + s.OutChannels;
            if (job.Chunks > 1)
            {
                // Chunk 0 writes straight into dWeight/dBias, chunk c > 0 into its own slot; summed in chunk order.
                job.Partials = Gemm.DenseScratch.Partials((long)(job.Chunks - 1) * partialSize);
                CpuParallel.For(job.Chunks, &BackwardChunk, &job);
                for (int c = 1; c < job.Chunks; c++)
                {
                    float* part = job.Partials + (long)(c - 1) * partialSize;
                    var dws = new Span<float>(dw, s.WeightSize);
                    TensorPrimitives.Add(dws, new ReadOnlySpan<float>(part, s.WeightSize), dws);
                    if (db != null)
                    {
                        var dbs = new Span<float>(db, s.OutChannels);
                        TensorPrimitives.Add(dbs, new ReadOnlySpan<float>(part + s.WeightSize, s.OutChannels), dbs);
                    }
                }
            }
            else
            {
                BackwardChunk(&job, 0);
            }
        }

        private static int Chunks(int n)
        {
            int threads = CpuParallel.MaxThreads;
            return threads > 1 && n > 1 ? Math.Min(threads, n) : 1;
        }

        private static void SampleRange(in Job job, int chunk, out int first, out int end)
        {
            first = (int)((long)job.N * chunk / job.Chunks);
            end = (int)((long)job.N * (chunk + 1) / job.Chunks);
        }

        /// <summary>Copies sample x[Cin, H, W] into the interior of the zero-padded planes (pads already zero).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void LoadInput(float* xs, float* xp, in Conv2dShape s, in Geometry g)
        {
            int p = s.Padding;
            if (p == 0)
            {
                Buffer.MemoryCopy(xs, xp, (long)s.InputSize * 4, (long)s.InputSize * 4);
                return;
            }
            for (int ci = 0; ci < s.InChannels; ci++)
                for (int h = 0; h < s.Height; h++)
                    CopyRow(xs + ((long)ci * s.Height + h) * s.Width, xp + (long)ci * g.PlaneP + (h + p) * g.Wp + p, s.Width);
        }

        /// <summary>
        /// Copies one short row (count floats; the rows here are 7–64 wide) with whole vectors, the last one
        /// shifted left to end at the row's end: a call to a general copy per row cost more than the copy.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CopyRow(float* src, float* dst, int count)
        {
            if (count >= Lanes)
            {
                for (int next = 0; next < count; next += Lanes)
                {
                    int j = Math.Min(next, count - Lanes);
                    Vector512.Store(Vector512.Load(src + j), dst + j);
                }
            }
            else if (count >= 8)
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
            }
            else
            {
                for (int j = 0; j < count; j++) dst[j] = src[j];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardChunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Conv2dShape s = ref job.S;
            ref readonly Geometry g = ref job.G;
            SampleRange(in job, chunk, out int first, out int end);

            long inputFloats = g.InputFloats(in s);
            float* xp = Gemm.DenseScratch.Get(ref _input, inputFloats);
            new Span<float>(xp, (int)inputFloats).Clear();
            float* tmp = s.OutWidth >= Lanes ? null : Gemm.DenseScratch.Get(ref _tmp, (long)g.CoutP * g.QR);
            int k = s.Kernel;
            int* off = stackalloc int[g.Kg];
            for (int ci = 0, t = 0; ci < s.InChannels; ci++)
                for (int kh = 0; kh < k; kh++)
                    for (int kw = 0; kw < k; kw++, t++)
                        off[t] = ci * g.PlaneP + kh * g.Wp + kw;

            int positions = s.OutHeight * s.OutWidth;
            for (int i = first; i < end; i++)
            {
                LoadInput(job.X + (long)i * s.InputSize, xp, in s, in g);
                if (s.OutWidth >= Lanes)
                {
                    CorrelateRows(xp, off, g.Kg, job.Wt, g.CoutP, in s, g.Wp, job.Bias, job.Relu, job.Y + (long)i * s.OutputSize);
                    continue;
                }
                Correlate(xp, off, g.Kg, job.Wt, g.CoutP, g.QR, tmp);
                float* ys = job.Y + (long)i * s.OutputSize;
                for (int co = 0; co < s.OutChannels; co++)
                {
                    float b = job.Bias == null ? 0f : job.Bias[co];
                    for (int oh = 0; oh < s.OutHeight; oh++)
                        Epilogue(tmp + (long)co * g.QR + oh * g.Wp, ys + (long)co * positions + oh * s.OutWidth, s.OutWidth, b, job.Relu);
                }
            }
        }

        /// <summary>
        /// Rows of at least 16 outputs: each row computed straight into y (bias and ReLU in registers), 32 outputs
        /// a step as two vectors, the last ones shifted left to end at the row's end (a few outputs computed twice,
        /// identically). Saves the wide grid's round trip through scratch, which cost more than the correlation.
        /// wt holds <paramref name="channels"/> (a multiple of 3) columns; only the real channels are stored. The tap
        /// loop repeats <see cref="Correlate"/>'s on purpose: a shared helper handing the six accumulators back in a
        /// struct measured 25% slower on the VGG net's conv1.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CorrelateRows(float* src, int* off, int taps, float* wt, int channels, in Conv2dShape s, int wp,
            float* bias, bool relu, float* y)
        {
            int outWidth = s.OutWidth, cout = s.OutChannels, positions = s.OutHeight * outWidth;
            for (int c = 0; c < channels; c += 3)
            {
                var b0 = Vector512.Create(bias == null ? 0f : bias[c]);
                var b1 = Vector512.Create(bias == null || c + 1 >= cout ? 0f : bias[c + 1]);
                var b2 = Vector512.Create(bias == null || c + 2 >= cout ? 0f : bias[c + 2]);
                float* y0 = y + (long)c * positions, y1 = y0 + positions, y2 = y1 + positions;
                for (int oh = 0; oh < s.OutHeight; oh++)
                {
                    for (int next = 0; next < outWidth; next += Block)
                    {
                        int j0 = Math.Min(next, outWidth - Lanes), j1 = Math.Min(next + Lanes, outWidth - Lanes);
                        float* s0 = src + oh * wp + j0, s1 = src + oh * wp + j1;
                        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
                        float* w = wt + c;
                        for (int t = 0; t < taps; t++, w += channels)
                        {
                            var x0 = Vector512.Load(s0 + off[t]);
                            var x1 = Vector512.Load(s1 + off[t]);
                            var w0 = Vector512.Create(w[0]);
                            var w1 = Vector512.Create(w[1]);
                            var w2 = Vector512.Create(w[2]);
                            a00 = Vector512.FusedMultiplyAdd(x0, w0, a00);
                            a01 = Vector512.FusedMultiplyAdd(x1, w0, a01);
                            a10 = Vector512.FusedMultiplyAdd(x0, w1, a10);
                            a11 = Vector512.FusedMultiplyAdd(x1, w1, a11);
                            a20 = Vector512.FusedMultiplyAdd(x0, w2, a20);
                            a21 = Vector512.FusedMultiplyAdd(x1, w2, a21);
                        }
                        // The bias after the sum, as the other paths add it.
                        a00 += b0; a01 += b0; a10 += b1; a11 += b1; a20 += b2; a21 += b2;
                        if (relu)
                        {
                            a00 = Relu.Of(a00); a01 = Relu.Of(a01); a10 = Relu.Of(a10);
                            a11 = Relu.Of(a11); a20 = Relu.Of(a20); a21 = Relu.Of(a21);
                        }
                        int row = oh * outWidth;
                        Vector512.Store(a00, y0 + row + j0);
                        Vector512.Store(a01, y0 + row + j1);
                        if (c + 1 < cout)
                        {
                            Vector512.Store(a10, y1 + row + j0);
                            Vector512.Store(a11, y1 + row + j1);
                        }
                        if (c + 2 < cout)
                        {
                            Vector512.Store(a20, y2 + row + j0);
                            Vector512.Store(a21, y2 + row + j1);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// dst[j] = relu?(src[j] + bias) for one output row. A row's last vector is shifted left to end at the row's
        /// end (a few outputs written twice, identically): a scalar tail's ReLU compare on real data mispredicts
        /// about half the time, which cost more than the whole correlation on 28-wide rows.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Epilogue(float* src, float* dst, int count, float bias, bool relu)
        {
            if (count >= Lanes)
            {
                var vb = Vector512.Create(bias);
                for (int next = 0; next < count; next += Lanes)
                {
                    int j = Math.Min(next, count - Lanes);
                    var v = Vector512.Load(src + j) + vb;
                    if (relu) v = Relu.Of(v);
                    Vector512.Store(v, dst + j);
                }
                return;
            }
            if (count >= 8)
            {
                var hb = Vector256.Create(bias);
                for (int next = 0; next < count; next += 8)
                {
                    int j = Math.Min(next, count - 8);
                    var v = Vector256.Load(src + j) + hb;
                    if (relu) v = Relu.Of(v);
                    Vector256.Store(v, dst + j);
                }
                return;
            }
            for (int j = 0; j < count; j++)
            {
                float v = src[j] + bias;
                dst[j] = relu ? Relu.Of(v) : v;
            }
        }

        /// <summary>
        /// outp[c, q] = Σ_t src[off[t] + q] · wt[t·channels + c] for c &lt; channels (a multiple of 3) and
        /// q &lt; qr (a multiple of 32); outp rows are qr long. A 3-channel × 32-position register tile.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Correlate(float* src, int* off, int taps, float* wt, int channels, int qr, float* outp)
        {
            for (int c = 0; c < channels; c += 3)
            {
                for (int q = 0; q < qr; q += Block)
                {
                    Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
                    float* sq = src + q;
                    float* w = wt + c;
                    for (int t = 0; t < taps; t++, w += channels)
                    {
                        float* p = sq + off[t];
                        var x0 = Vector512.Load(p);
                        var x1 = Vector512.Load(p + Lanes);
                        var w0 = Vector512.Create(w[0]);
                        var w1 = Vector512.Create(w[1]);
                        var w2 = Vector512.Create(w[2]);
                        a00 = Vector512.FusedMultiplyAdd(x0, w0, a00);
                        a01 = Vector512.FusedMultiplyAdd(x1, w0, a01);
                        a10 = Vector512.FusedMultiplyAdd(x0, w1, a10);
                        a11 = Vector512.FusedMultiplyAdd(x1, w1, a11);
                        a20 = Vector512.FusedMultiplyAdd(x0, w2, a20);
                        a21 = Vector512.FusedMultiplyAdd(x1, w2, a21);
                    }
                    float* o = outp + (long)c * qr + q;
                    Vector512.Store(a00, o);
                    Vector512.Store(a01, o + Lanes);
                    Vector512.Store(a10, o + qr);
                    Vector512.Store(a11, o + qr + Lanes);
                    Vector512.Store(a20, o + 2 * qr);
                    Vector512.Store(a21, o + 2 * qr + Lanes);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardChunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Conv2dShape s = ref job.S;
            ref readonly Geometry g = ref job.G;
            SampleRange(in job, chunk, out int first, out int end);
            int k = s.Kernel, positions = s.OutHeight * s.OutWidth;

            long inputFloats = g.InputFloats(in s);
            float* xp = Gemm.DenseScratch.Get(ref _input, inputFloats);
            new Span<float>(xp, (int)inputFloats).Clear();
            long outGradFloats = (long)g.CoutP * g.OutGradStride;
            float* dyp = Gemm.DenseScratch.Get(ref _outGrad, outGradFloats);
            new Span<float>(dyp, (int)outGradFloats).Clear();
            long laneFloats = (long)g.CoutP * (g.TapsP + 1) * Lanes; // weight-gradient lanes, then one bias lane per channel
            float* lanes = Gemm.DenseScratch.Get(ref _lanes, laneFloats);
            new Span<float>(lanes, (int)laneFloats).Clear();
            float* biasLanes = lanes + (long)g.CoutP * g.TapsP * Lanes;
            float* dcol = null, dxp = null;
            if (job.Dx != null)
            {
                dcol = Gemm.DenseScratch.Get(ref _tmp, (long)g.KgP * g.QR);
                dxp = Gemm.DenseScratch.Get(ref _inGrad, inputFloats);
            }

            // Input offsets per tap; the padding taps (t ≥ Kg) read any valid place and land in discarded lanes.
            int* off = stackalloc int[g.TapsP];
            new Span<int>(off, g.TapsP).Clear();
            for (int ci = 0, t = 0; ci < s.InChannels; ci++)
                for (int kh = 0; kh < k; kh++)
                    for (int kw = 0; kw < k; kw++, t++)
                        off[t] = ci * g.PlaneP + kh * g.Wp + kw;
            int* gradOff = stackalloc int[s.OutChannels];
            for (int co = 0; co < s.OutChannels; co++) gradOff[co] = co * g.OutGradStride;

            float* dw = job.DW, db = job.DB;
            if (chunk > 0)
            {
                float* part = job.Partials + (long)(chunk - 1) * (s.WeightSize + s.OutChannels);
                dw = part;
                db = job.DB == null ? null : part + s.WeightSize;
            }

            for (int i = first; i < end; i++)
            {
                float* dys = job.Dy + (long)i * s.OutputSize;
                LoadInput(job.X + (long)i * s.InputSize, xp, in s, in g);
                // dy onto the wide grid; its garbage columns and tail stay zero from the clear above.
                for (int co = 0; co < s.OutChannels; co++)
                    for (int oh = 0; oh < s.OutHeight; oh++)
                        CopyRow(dys + (long)co * positions + oh * s.OutWidth, dyp + (long)co * g.OutGradStride + oh * g.Wp, s.OutWidth);

                WeightGradient(dyp, g.OutGradStride, g.CoutP, xp, off, g.TapsP, g.QR, lanes);

                if (db != null)
                {
                    // Per-lane sums of the wide dy rows (zero past the real outputs), still in L1 from the copy.
                    for (int co = 0; co < s.OutChannels; co++)
                    {
                        float* row = dyp + (long)co * g.OutGradStride;
                        Vector512<float> a0 = Vector512.Load(biasLanes + co * Lanes), a1 = default;
                        int q = 0;
                        for (; q + 2 * Lanes <= g.QR; q += 2 * Lanes)
                        {
                            a0 += Vector512.Load(row + q);
                            a1 += Vector512.Load(row + q + Lanes);
                        }
                        for (; q < g.QR; q += Lanes) a0 += Vector512.Load(row + q);
                        Vector512.Store(a0 + a1, biasLanes + co * Lanes);
                    }
                }

                if (dcol != null)
                {
                    // dcol[t, q] = Σ_co W[co, t] · dy[co, q], then each tap row is added back at its input offset.
                    Correlate(dyp, gradOff, s.OutChannels, job.Wt, g.KgP, g.QR, dcol);
                    new Span<float>(dxp, (int)inputFloats).Clear();
                    for (int t = 0; t < g.Kg; t++)
                    {
                        float* d = dxp + off[t], c = dcol + (long)t * g.QR;
                        for (int q = 0; q < g.QR; q += Lanes)
                            Vector512.Store(Vector512.Load(d + q) + Vector512.Load(c + q), d + q);
                    }
                    float* dxs = job.Dx + (long)i * s.InputSize;
                    int p = s.Padding;
                    for (int ci = 0; ci < s.InChannels; ci++)
                        for (int h = 0; h < s.Height; h++)
                            CopyRow(dxp + (long)ci * g.PlaneP + (h + p) * g.Wp + p, dxs + ((long)ci * s.Height + h) * s.Width, s.Width);
                }
            }

            // Each (co, t) weight gradient is the sum of its 16 lanes, added in lane order.
            int kg = g.Kg;
            for (int co = 0; co < s.OutChannels; co++)
                for (int t = 0; t < kg; t++)
                    dw[co * kg + t] = Vector512.Sum(Vector512.Load(lanes + ((long)co * g.TapsP + t) * Lanes));
            if (db != null)
                for (int co = 0; co < s.OutChannels; co++)
                    db[co] = Vector512.Sum(Vector512.Load(biasLanes + co * Lanes));
        }

        /// <summary>
        /// lanes[co, t, ·] += Σ_q dy[co, q] · x[off[t] + q] per lane, over q &lt; qr (dy zero past the real
        /// outputs); a 3-channel × 4-tap register tile streaming over q.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void WeightGradient(float* dy, int dyStride, int channels, float* x, int* off, int taps, int qr, float* lanes)
        {
            for (int c = 0; c < channels; c += 3)
            {
                float* d0 = dy + (long)c * dyStride, d1 = d0 + dyStride, d2 = d1 + dyStride;
                for (int t = 0; t < taps; t += 4)
                {
                    float* x0 = x + off[t], x1 = x + off[t + 1], x2 = x + off[t + 2], x3 = x + off[t + 3];
                    Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                    Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                    Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                    for (int q = 0; q < qr; q += Lanes)
                    {
                        var g0 = Vector512.Load(d0 + q);
                        var g1 = Vector512.Load(d1 + q);
                        var g2 = Vector512.Load(d2 + q);
                        var v = Vector512.Load(x0 + q);
                        a00 = Vector512.FusedMultiplyAdd(g0, v, a00);
                        a10 = Vector512.FusedMultiplyAdd(g1, v, a10);
                        a20 = Vector512.FusedMultiplyAdd(g2, v, a20);
                        v = Vector512.Load(x1 + q);
                        a01 = Vector512.FusedMultiplyAdd(g0, v, a01);
                        a11 = Vector512.FusedMultiplyAdd(g1, v, a11);
                        a21 = Vector512.FusedMultiplyAdd(g2, v, a21);
                        v = Vector512.Load(x2 + q);
                        a02 = Vector512.FusedMultiplyAdd(g0, v, a02);
                        a12 = Vector512.FusedMultiplyAdd(g1, v, a12);
                        a22 = Vector512.FusedMultiplyAdd(g2, v, a22);
                        v = Vector512.Load(x3 + q);
                        a03 = Vector512.FusedMultiplyAdd(g0, v, a03);
                        a13 = Vector512.FusedMultiplyAdd(g1, v, a13);
                        a23 = Vector512.FusedMultiplyAdd(g2, v, a23);
                    }
                    float* l0 = lanes + ((long)c * taps + t) * Lanes, l1 = l0 + taps * Lanes, l2 = l1 + taps * Lanes;
                    Add(l0, a00); Add(l0 + Lanes, a01); Add(l0 + 2 * Lanes, a02); Add(l0 + 3 * Lanes, a03);
                    Add(l1, a10); Add(l1 + Lanes, a11); Add(l1 + 2 * Lanes, a12); Add(l1 + 3 * Lanes, a13);
                    Add(l2, a20); Add(l2 + Lanes, a21); Add(l2 + 2 * Lanes, a22); Add(l2 + 3 * Lanes, a23);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add(float* p, Vector512<float> v) => Vector512.Store(Vector512.Load(p) + v, p);

        private static int RoundUp(int v, int m) => (v + m - 1) / m * m;
    }
}
