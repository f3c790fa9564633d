using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;

namespace CnnGen.Cpu.Winograd
{
    /// <summary>
    /// The weight gradient of a 3×3, stride-1 convolution in the Winograd F(2×2, 3×3) domain: 2.25× fewer
    /// multiplies than dW = dy · im2col(x)ᵀ, and no im2col matrix.
    /// </summary>
    /// <remarks>
    /// F(2×2, 3×3) computes each 2×2 output tile from a 4×4 input tile d as y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. That is
    /// linear in U = G g Gᵀ, so the gradient of a tile's output with respect to U is (A dy Aᵀ) ⊙ (Bᵀ d B), and
    /// dW = Gᵀ · [Σ over every tile of every sample of (A dy Aᵀ) ⊙ (Bᵀ d B)] · G. The sum is, for each of the 16
    /// positions ξ of the 4×4 transform, one matrix product dU[ξ][co, ci] = Σ_t dM[ξ][co, t] · V[ξ][ci, t] over
    /// the tiles t, both operands contiguous in t: a dot-product micro-kernel with a 4×4 block of (co, ci) in
    /// registers. Tiles are gathered in blocks (whole tile rows, across samples) small enough that the block's
    /// transforms stay in L2. The transforms run along a tile row on the input row split into even and odd
    /// columns, where every term of Bᵀ d B is a plain vector operation. Tiles past the output's edge read zeros
    /// of dy, so they add nothing. Work is split into one contiguous sample chunk per thread; each chunk sums
    /// into its own dU, reduced in chunk order (results do not depend on scheduling).
    /// </remarks>
    internal static unsafe class WinogradWeightGradient
    {
        private const int Xi = 16;          // positions of the 4×4 transform
        private const int Block = 4;        // (co, ci) register block of the micro-kernel
        private const int Slack = 32;       // floats past a row that full-vector transforms may write or read
        private const long BlockBytes = 512 * 1024;

        // Per-thread scratch (see DenseScratch.Get): the block's transforms and split rows, the chunks' dU.
        [ThreadStatic] private static float[]? _v, _dm, _xSplit, _dySplit, _partials;

        /// <summary>Whether this path can compute the weight gradient of <paramref name="s"/>.</summary>
        public static bool Supports(in Conv2dShape s) =>
            s.Kernel == 3 && s.Stride == 1 && s.Dilation == 1 && s.Groups == 1 && s.Padding <= 2;

        /// <summary>
        /// Whether it also beats im2col + GEMM there. Measured (`CnnGen.Benchmarks dw`, one thread, batch 64, quiet):
        /// 1.3–2.0× faster for 32 or more channels each way on outputs 14 wide or more (SimpleCnn's conv2, VGG's,
        /// ResNet-14's second stage); slower with 16 channels (0.70×: the transforms outweigh the small products) and
        /// on 7×7 outputs (0.89×: a quarter of each 8×8 tile grid is edge padding).
        /// </summary>
        public static bool Pays(in Conv2dShape s) =>
            !DisabledOnThisThread && Supports(in s) && s.InChannels >= 32 && s.OutChannels >= 32 && s.OutWidth >= 14;

        /// <summary>Benchmark hook: convolutions started from this thread compute dW by im2col + GEMM (to compare the two).</summary>
        [ThreadStatic] internal static bool DisabledOnThisThread;

        private struct Geometry
        {
            public int TilesH, TilesW, CinP, CoutP, Capacity, RowStride, Split;

            public Geometry(in Conv2dShape s)
            {
                TilesH = (s.OutHeight + 1) / 2;
                TilesW = (s.OutWidth + 1) / 2;
                CinP = RoundUp(s.InChannels, Block);
                CoutP = RoundUp(s.OutChannels, Block);
                // The transforms read the even and odd halves of a row at t and t + 1 for t < TilesW rounded up to 8.
                Split = RoundUp(TilesW, 8) + 8;
                // Tiles per block: the block's transforms (16 values per tile and channel) and its split rows
                // (per tile row: 2 new input rows per input channel, 2 gradient rows per output channel, each as
                // two halves) within BlockBytes, but at least one whole tile row.
                double perTile = Xi * (CinP + CoutP) + (4.0 * s.InChannels + 4.0 * s.OutChannels) * Split / TilesW;
                int fit = (int)Math.Min(1 << 20, BlockBytes / (sizeof(float) * perTile));
                Capacity = Math.Max(RoundUp(Math.Max(fit, 16), 16), RoundUp(TilesW, 16));
                RowStride = Capacity + Slack;
            }

            /// <summary>Tile rows a block holds at most.</summary>
            public readonly int BlockRows => Capacity / TilesW;
            // The 16 planes of V (and of dM) are one cache line more than their size apart: the transforms store
            // to all 16 at once, and planes a multiple of 4 KiB apart would all fall into the same L1 sets.
            public readonly long VPlane => (long)CinP * RowStride + 16;
            public readonly long DmPlane => (long)CoutP * RowStride + 16;
            public readonly long VFloats => Xi * VPlane;
            public readonly long DmFloats => Xi * DmPlane;
            public readonly long DuFloats => (long)Xi * CoutP * CinP;
            // Input row slots: tile row b of a block reads slots 2(b + k) .. 2(b + k) + 3, k = the samples begun
            // in the block before b's, so consecutive tile rows of a sample share two rows (at most 4·BlockRows + 2).
            public readonly long InputSplitFloats(in Conv2dShape s) => (4L * BlockRows + 2) * s.InChannels * 2 * Split;
            public readonly long GradientSplitFloats(in Conv2dShape s) => (long)BlockRows * s.OutChannels * 4 * Split;
        }

        private struct Job
        {
            public float* X, Dy, Dw, Partials;
            public Conv2dShape S;
            public Geometry G;
            public int N, Chunks;
            public Sgemm.Isa Isa;
        }

        /// <summary>The bounds-checked form of <see cref="Compute(float*, float*, float*, int, in Conv2dShape)"/>.</summary>
        public static void Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight, int n, in Conv2dShape s)
        {
            if (!Supports(in s)) throw new ArgumentException("WinogradWeightGradient: only a 3×3, stride-1, undilated, ungrouped convolution with padding 0–2 is supported.", nameof(s));
            if (n < 0 || x.Length < (long)n * s.InputSize || dy.Length < (long)n * s.OutputSize || dWeight.Length < s.WeightSize)
                throw new ArgumentException($"WinogradWeightGradient: x holds {x.Length} floats, dy {dy.Length}, dWeight {dWeight.Length}; n = {n} needs {(long)n * s.InputSize}, {(long)n * s.OutputSize} and {s.WeightSize}.");
            fixed (float* px = x, pdy = dy, pdw = dWeight) Compute(px, pdy, pdw, n, in s);
        }

        /// <summary>
        /// dWeight[Cout, Cin, 3, 3] = the gradient of Σ dy ⊙ conv(x, W) (overwritten), for n samples of x[n, Cin, H, W]
        /// and dy[n, Cout, OH, OW]. The caller has checked <see cref="Supports"/> and the buffer sizes.
        /// </summary>
        public static void Compute(float* x, float* dy, float* dWeight, int n, in Conv2dShape s)
        {
            var job = new Job { X = x, Dy = dy, Dw = dWeight, S = s, G = new Geometry(in s), N = n, Isa = Sgemm.CurrentIsa };
            int threads = CpuParallel.MaxThreads;
            job.Chunks = threads > 1 && n > 1 ? Math.Min(threads, n) : 1;
            long duFloats = job.G.DuFloats;
            if (job.Chunks > 1)
            {
                job.Partials = DenseScratch.Get(ref _partials, job.Chunks * duFloats);
                CpuParallel.For(job.Chunks, &Chunk, &job);
                for (int c = 1; c < job.Chunks; c++)
                {
                    float* part = job.Partials + c * duFloats;
                    var total = new Span<float>(job.Partials, (int)duFloats);
                    System.Numerics.Tensors.TensorPrimitives.Add(total, new ReadOnlySpan<float>(part, (int)duFloats), total);
                }
                ToWeights(job.Partials, dWeight, in s, in job.G);
            }
            else
            {
                job.Partials = DenseScratch.Get(ref _partials, duFloats);
                Chunk(&job, 0);
                ToWeights(job.Partials, dWeight, in s, in job.G);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Conv2dShape s = ref job.S;
            ref readonly Geometry g = ref job.G;
            int first = (int)((long)job.N * chunk / job.Chunks), end = (int)((long)job.N * (chunk + 1) / job.Chunks);
            float* du = job.Partials + chunk * g.DuFloats;
            new Span<float>(du, (int)g.DuFloats).Clear();
            float* v = DenseScratch.Get(ref _v, g.VFloats);
            float* dm = DenseScratch.Get(ref _dm, g.DmFloats);
            float* xSplit = DenseScratch.Get(ref _xSplit, g.InputSplitFloats(in s));
            float* dySplit = DenseScratch.Get(ref _dySplit, g.GradientSplitFloats(in s));
            // Rows of V and dM for the channels padded up to the register block stay zero.
            ClearPaddedChannels(v, s.InChannels, g.CinP, g.VPlane, g.RowStride);
            ClearPaddedChannels(dm, s.OutChannels, g.CoutP, g.DmPlane, g.RowStride);
            // The even/odd split (shared with the forward's WinogradTransforms) uses AVX2 unless the portable path is forced.
            bool avx2 = job.Isa != Sgemm.Isa.Scalar && Avx2.IsSupported;

            // Tile rows are numbered across the chunk's samples: r = (i − first)·TilesH + ty.
            int rows = (end - first) * g.TilesH;
            for (int r0 = 0; r0 < rows; r0 += g.BlockRows)
            {
                int count = Math.Min(g.BlockRows, rows - r0);
                // First split every row the block needs, then transform: a transform reading a half right after its
                // split was stored would stall on store forwarding (its loads straddle the split's stores).
                long slotFloats = (long)s.InChannels * 2 * g.Split;
                int samplesBegun = 0;
                for (int b = 0; b < count; b++)
                {
                    int i = first + (r0 + b) / g.TilesH, ty = (r0 + b) % g.TilesH;
                    if (b > 0 && ty == 0) samplesBegun++;
                    float* xs = job.X + (long)i * s.InputSize, dys = job.Dy + (long)i * s.OutputSize;
                    // Rows 0 and 1 of a tile row are rows 2 and 3 of the one above, unless it starts the block or a sample.
                    int firstRow = b == 0 || ty == 0 ? 0 : 2;
                    float* slots = xSplit + 2L * (b + samplesBegun) * slotFloats;
                    for (int r = firstRow; r < 4; r++)
                    {
                        int y = 2 * ty - s.Padding + r;
                        for (int ci = 0; ci < s.InChannels; ci++)
                        {
                            float* dst = slots + r * slotFloats + (long)ci * 2 * g.Split;
                            WinogradTransforms.SplitRow(xs + (long)ci * s.Height * s.Width, s.Height, s.Width, s.Padding, y, g.Split, avx2, dst, dst + g.Split);
                        }
                    }
                    for (int co = 0; co < s.OutChannels; co++)
                    {
                        float* plane = dys + (long)co * s.OutHeight * s.OutWidth, dst = dySplit + ((long)b * s.OutChannels + co) * 4 * g.Split;
                        for (int r = 0; r < 2; r++)
                            WinogradTransforms.SplitRow(plane, s.OutHeight, s.OutWidth, 0, 2 * ty + r, g.Split, avx2, dst + 2 * r * g.Split, dst + (2 * r + 1) * g.Split);
                    }
                }
                samplesBegun = 0;
                for (int b = 0; b < count; b++)
                {
                    if (b > 0 && (r0 + b) % g.TilesH == 0) samplesBegun++;
                    int at = b * g.TilesW;
                    float* slots = xSplit + 2L * (b + samplesBegun) * slotFloats;
                    for (int ci = 0; ci < s.InChannels; ci++)
                        InputTransform(slots + (long)ci * 2 * g.Split, slotFloats, in g, v + (long)ci * g.RowStride + at);
                    for (int co = 0; co < s.OutChannels; co++)
                        GradientTransform(dySplit + ((long)b * s.OutChannels + co) * 4 * g.Split, in g, dm + (long)co * g.RowStride + at);
                }
                Accumulate(v, dm, du, count * g.TilesW, in g, job.Isa);
            }
        }

        private static void ClearPaddedChannels(float* m, int channels, int padded, long plane, int rowStride)
        {
            for (int xi = 0; xi < Xi; xi++)
                for (int c = channels; c < padded; c++)
                    new Span<float>(m + xi * plane + (long)c * rowStride, rowStride).Clear();
        }

        /// <summary>
        /// V[ξ][t] = (Bᵀ d B)[ξ] for the tiles of one tile row of one channel, from its four input rows split into
        /// even (E) and odd (O) halves, row r's at <paramref name="split"/> + r·<paramref name="rowStride"/> (E, then O
        /// Split floats later); written at <paramref name="dst"/> + ξ·VPlane + t
        /// (plus up to 7 harmless floats past the row).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void InputTransform(float* split, long rowStride, in Geometry g, float* dst)
        {
            int h = g.Split;
            float* q0 = split, q1 = split + rowStride, q2 = split + 2 * rowStride, q3 = split + 3 * rowStride;
            long xiStride = g.VPlane;
            for (int t = 0; t < g.TilesW; t += 8)
            {
                // Row r of the tile at columns (2t, 2t+1, 2t+2, 2t+3) is (E_r[t], O_r[t], E_r[t+1], O_r[t+1]) = (e, o, f, p).
                var e0 = Vector256.Load(q0 + t); var o0 = Vector256.Load(q0 + h + t); var f0 = Vector256.Load(q0 + t + 1); var p0 = Vector256.Load(q0 + h + t + 1);
                var e1 = Vector256.Load(q1 + t); var o1 = Vector256.Load(q1 + h + t); var f1 = Vector256.Load(q1 + t + 1); var p1 = Vector256.Load(q1 + h + t + 1);
                var e2 = Vector256.Load(q2 + t); var o2 = Vector256.Load(q2 + h + t); var f2 = Vector256.Load(q2 + t + 1); var p2 = Vector256.Load(q2 + h + t + 1);
                var e3 = Vector256.Load(q3 + t); var o3 = Vector256.Load(q3 + h + t); var f3 = Vector256.Load(q3 + t + 1); var p3 = Vector256.Load(q3 + h + t + 1);
                // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3); then each times B along the columns.
                ColumnTransform(e0 - e2, o0 - o2, f0 - f2, p0 - p2, dst + t, xiStride, 0);
                ColumnTransform(e1 + e2, o1 + o2, f1 + f2, p1 + p2, dst + t, xiStride, 4);
                ColumnTransform(e2 - e1, o2 - o1, f2 - f1, p2 - p1, dst + t, xiStride, 8);
                ColumnTransform(e1 - e3, o1 - o3, f1 - f3, p1 - p3, dst + t, xiStride, 12);
            }
        }

        /// <summary>Row i of (Bᵀ d) B from row i of Bᵀ d at its four columns: ξ = first .. first + 3.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ColumnTransform(Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3, float* dst, long xiStride, int first)
        {
            (c0 - c2).Store(dst + first * xiStride);
            (c1 + c2).Store(dst + (first + 1) * xiStride);
            (c2 - c1).Store(dst + (first + 2) * xiStride);
            (c1 - c3).Store(dst + (first + 3) * xiStride);
        }

        /// <summary>
        /// dM[ξ][t] = (A dy Aᵀ)[ξ] for the tiles of one tile row of one output-gradient channel, from its two rows
        /// split at <paramref name="split"/>: with the tile's dy = [a b; c d] (zero past the edge), A dy = rows (a, b),
        /// (a+c, b+d), (a−c, b−d), (−c, −d), and each row (p, q) times Aᵀ gives (p, p+q, p−q, −q).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void GradientTransform(float* split, in Geometry g, float* dst)
        {
            int h = g.Split;
            long xiStride = g.DmPlane;
            for (int t = 0; t < g.TilesW; t += 8)
            {
                float* q = split + t;
                var a = Vector256.Load(q); var b = Vector256.Load(q + h);
                var c = Vector256.Load(q + 2 * h); var d = Vector256.Load(q + 3 * h);
                float* o = dst + t;
                GradientRow(a, b, o, xiStride, 0);
                GradientRow(a + c, b + d, o, xiStride, 4);
                GradientRow(a - c, b - d, o, xiStride, 8);
                GradientRow(-c, -d, o, xiStride, 12);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientRow(Vector256<float> p, Vector256<float> q, float* dst, long xiStride, int first)
        {
            p.Store(dst + first * xiStride);
            (p + q).Store(dst + (first + 1) * xiStride);
            (p - q).Store(dst + (first + 2) * xiStride);
            (-q).Store(dst + (first + 3) * xiStride);
        }

        /// <summary>dU[ξ][co, ci] += Σ_{t &lt; count} dM[ξ][co, t] · V[ξ][ci, t] for the block's tiles.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Accumulate(float* v, float* dm, float* du, int count, in Geometry g, Sgemm.Isa isa)
        {
            int lanes = isa == Sgemm.Isa.Vector512 ? 16 : isa == Sgemm.Isa.Vector256 ? 8 : 1;
            int length = RoundUp(count, lanes);
            // Tiles count..length are read by the vector loop: zero them in both operands (a stale NaN times 0 is NaN).
            if (length > count)
            {
                for (int xi = 0; xi < Xi; xi++)
                {
                    for (int r = 0; r < g.CinP; r++) new Span<float>(v + xi * g.VPlane + (long)r * g.RowStride + count, length - count).Clear();
                    for (int r = 0; r < g.CoutP; r++) new Span<float>(dm + xi * g.DmPlane + (long)r * g.RowStride + count, length - count).Clear();
                }
            }
            for (int xi = 0; xi < Xi; xi++)
            {
                float* vx = v + xi * g.VPlane;
                float* mx = dm + xi * g.DmPlane;
                // dU is kept in 4×4 blocks, [ξ][co / 4][ci / 4][4·4] row-major, so a block's sums add as one vector.
                float* c = du + (long)xi * g.CoutP * g.CinP;
                for (int co = 0; co < g.CoutP; co += Block)
                    for (int ci = 0; ci < g.CinP; ci += Block, c += Block * Block)
                    {
                        float* a = mx + (long)co * g.RowStride, b = vx + (long)ci * g.RowStride;
                        if (isa == Sgemm.Isa.Vector512 && Avx512F.IsSupported) Dot4x4Vector512(a, b, g.RowStride, length, c);
                        else if (isa != Sgemm.Isa.Scalar) Dot4x4Vector256(a, b, g.RowStride, length, c);
                        else Dot4x4Scalar(a, b, g.RowStride, length, c);
                    }
            }
        }

        /// <summary>c[4r + k] += Σ_t a[r, t]·b[k, t] for r, k &lt; 4; rows of a and b <paramref name="ld"/> apart.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x4Vector512(float* a, float* b, int ld, int length, float* c)
        {
            Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
            for (int t = 0; t < length; t += 16)
            {
                var b0 = Vector512.Load(b + t); var b1 = Vector512.Load(b + ld + t);
                var b2 = Vector512.Load(b + 2 * ld + t); var b3 = Vector512.Load(b + 3 * ld + t);
                var a0 = Vector512.Load(a + t);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector512.FusedMultiplyAdd(a0, b2, c02); c03 = Vector512.FusedMultiplyAdd(a0, b3, c03);
                var a1 = Vector512.Load(a + ld + t);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector512.FusedMultiplyAdd(a1, b2, c12); c13 = Vector512.FusedMultiplyAdd(a1, b3, c13);
                var a2 = Vector512.Load(a + 2 * ld + t);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector512.FusedMultiplyAdd(a2, b2, c22); c23 = Vector512.FusedMultiplyAdd(a2, b3, c23);
                var a3 = Vector512.Load(a + 3 * ld + t);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector512.FusedMultiplyAdd(a3, b2, c32); c33 = Vector512.FusedMultiplyAdd(a3, b3, c33);
            }
            // The 16 horizontal sums as one transposing tree (45 shuffles and adds instead of 16 separate
            // reductions), ending with lane 4r + k = Σ c_rk. Pairs first: per 128-bit quarter, (x0+x2, y0+y2, x1+x3, y1+y3).
            var p0 = PairSum(c00, c01); var p1 = PairSum(c02, c03); var p2 = PairSum(c10, c11); var p3 = PairSum(c12, c13);
            var p4 = PairSum(c20, c21); var p5 = PairSum(c22, c23); var p6 = PairSum(c30, c31); var p7 = PairSum(c32, c33);
            // Quads: per quarter, the partial sums of four accumulators in order.
            var q0 = QuadSum(p0, p1); var q1 = QuadSum(p2, p3); var q2 = QuadSum(p4, p5); var q3 = QuadSum(p6, p7);
            // Then the quarters: halves of (q0, q1) and (q2, q3), and the last fold puts rows 0..3 in quarters 0..3.
            var h0 = QuarterSum(q0, q1); var h1 = QuarterSum(q2, q3);
            var total = QuarterSum(h0, h1);
            (Vector512.Load(c) + total).Store(c);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> PairSum(Vector512<float> x, Vector512<float> y) => Avx512F.UnpackLow(x, y) + Avx512F.UnpackHigh(x, y);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> QuadSum(Vector512<float> s, Vector512<float> t) => Avx512F.Shuffle(s, t, 0x44) + Avx512F.Shuffle(s, t, 0xEE);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> QuarterSum(Vector512<float> u, Vector512<float> v) =>
            Avx512F.Shuffle4x128(u, v, 0b10_00_10_00) + Avx512F.Shuffle4x128(u, v, 0b11_01_11_01);

        /// <summary>The same with 256-bit vectors (AVX2).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x4Vector256(float* a, float* b, int ld, int length, float* c)
        {
            Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector256<float> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector256<float> c30 = default, c31 = default, c32 = default, c33 = default;
            for (int t = 0; t < length; t += 8)
            {
                var b0 = Vector256.Load(b + t); var b1 = Vector256.Load(b + ld + t);
                var b2 = Vector256.Load(b + 2 * ld + t); var b3 = Vector256.Load(b + 3 * ld + t);
                var a0 = Vector256.Load(a + t);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02); c03 = Vector256.FusedMultiplyAdd(a0, b3, c03);
                var a1 = Vector256.Load(a + ld + t);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12); c13 = Vector256.FusedMultiplyAdd(a1, b3, c13);
                var a2 = Vector256.Load(a + 2 * ld + t);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(a2, b2, c22); c23 = Vector256.FusedMultiplyAdd(a2, b3, c23);
                var a3 = Vector256.Load(a + 3 * ld + t);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(a3, b2, c32); c33 = Vector256.FusedMultiplyAdd(a3, b3, c33);
            }
            c[0] += Vector256.Sum(c00); c[1] += Vector256.Sum(c01); c[2] += Vector256.Sum(c02); c[3] += Vector256.Sum(c03);
            c[4] += Vector256.Sum(c10); c[5] += Vector256.Sum(c11); c[6] += Vector256.Sum(c12); c[7] += Vector256.Sum(c13);
            c[8] += Vector256.Sum(c20); c[9] += Vector256.Sum(c21); c[10] += Vector256.Sum(c22); c[11] += Vector256.Sum(c23);
            c[12] += Vector256.Sum(c30); c[13] += Vector256.Sum(c31); c[14] += Vector256.Sum(c32); c[15] += Vector256.Sum(c33);
        }

        /// <summary>The portable path: plain loops.</summary>
        private static void Dot4x4Scalar(float* a, float* b, int ld, int length, float* c)
        {
            for (int r = 0; r < Block; r++)
                for (int k = 0; k < Block; k++)
                {
                    float sum = 0;
                    float* ar = a + (long)r * ld, bk = b + (long)k * ld;
                    for (int t = 0; t < length; t++) sum = MathF.FusedMultiplyAdd(ar[t], bk[t], sum);
                    c[r * Block + k] += sum;
                }
        }

        /// <summary>dW[co, ci] = Gᵀ dU[co, ci] G (dU in its 4×4 blocks) with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1] (4×3).</summary>
        private static void ToWeights(float* du, float* dw, in Conv2dShape s, in Geometry g)
        {
            long xiStride = (long)g.CoutP * g.CinP;
            int blocksPerRow = g.CinP / Block;
            Span<float> u = stackalloc float[Xi];
            Span<float> h = stackalloc float[12];   // Gᵀ dU, 3×4
            for (int co = 0; co < s.OutChannels; co++)
                for (int ci = 0; ci < s.InChannels; ci++)
                {
                    long at = ((long)(co / Block) * blocksPerRow + ci / Block) * (Block * Block) + (co % Block) * Block + ci % Block;
                    for (int xi = 0; xi < Xi; xi++) u[xi] = du[xi * xiStride + at];
                    for (int j = 0; j < 4; j++)
                    {
                        float r0 = u[j], r1 = u[4 + j], r2 = u[8 + j], r3 = u[12 + j];
                        h[j] = r0 + 0.5f * (r1 + r2);
                        h[4 + j] = 0.5f * (r1 - r2);
                        h[8 + j] = 0.5f * (r1 + r2) + r3;
                    }
                    float* w = dw + ((long)co * s.InChannels + ci) * 9;
                    for (int i = 0; i < 3; i++)
                    {
                        float q0 = h[4 * i], q1 = h[4 * i + 1], q2 = h[4 * i + 2], q3 = h[4 * i + 3];
                        w[3 * i] = q0 + 0.5f * (q1 + q2);
                        w[3 * i + 1] = 0.5f * (q1 - q2);
                        w[3 * i + 2] = 0.5f * (q1 + q2) + q3;
                    }
                }
        }

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
    }
}
