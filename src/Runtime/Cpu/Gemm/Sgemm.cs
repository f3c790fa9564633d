using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CnnGen.Cpu.Threading;

namespace CnnGen.Cpu.Gemm
{
    /// <summary>
    /// What <see cref="Sgemm"/>.Multiply applies to each element of C once its sum is complete, so a bias and
    /// a ReLU cost no extra pass over memory. Every pointer may be null (meaning: none).
    /// </summary>
    public unsafe struct GemmEpilogue
    {
        /// <summary>Added to every element of row i: C[i, j] += RowBias[i] (a convolution's per-channel bias).</summary>
        public float* RowBias;
        /// <summary>Added to every element of column j: C[i, j] += ColumnBias[j] (a linear layer's bias).</summary>
        public float* ColumnBias;
        /// <summary>Then C = relu(C) as torch.relu: negatives become 0, NaN stays NaN.</summary>
        public bool Relu;

        /// <summary>Whether this epilogue does anything at all.</summary>
        public readonly bool IsNone => RowBias == null && ColumnBias == null && !Relu;
    }

    /// <summary>
    /// Single-precision matrix multiply, row-major: C = op(A) · op(B) (+ C when accumulating), then an optional
    /// epilogue. op(A) is M×K, op(B) is K×N, C is M×N. The structure is the classic packed one (Goto/BLIS):
    /// blocks of B (KC×NC) and A (MC×KC) are copied into contiguous, zero-padded panels so that a register-blocked
    /// FMA micro-kernel streams them with unit stride; the micro-kernel keeps an MR×NR tile of C in registers.
    /// </summary>
    public static unsafe class Sgemm
    {
        /// <summary>Which micro-kernel runs. Chosen from the hardware; tests may force a narrower one.</summary>
        internal enum Isa { Scalar, Vector256, Vector512 }

        /// <summary>
        /// Test hook: GEMMs started from this thread use this instruction set instead of the best the hardware
        /// offers (null: auto). Per thread so a test cannot slow down others running beside it.
        /// </summary>
        [ThreadStatic] internal static Isa? ForcedIsa;

        internal static Isa CurrentIsa
        {
            get
            {
                if (ForcedIsa is Isa forced) return forced;
                if (Vector512.IsHardwareAccelerated) return Isa.Vector512;
                if (Vector256.IsHardwareAccelerated) return Isa.Vector256;
                return Isa.Scalar;
            }
        }

        // Register tile: MR rows of C by NR columns. 6×32 with 512-bit vectors is 12 accumulators (of 32
        // registers), enough independent FMA chains to hide the FMA latency; 6×16 with 256-bit vectors is
        // the same 12 accumulators of the 16 AVX2 registers.
        internal const int MR = 6;
        internal static int NR(Isa isa) => isa == Isa.Vector512 ? 32 : 16;

        // Cache blocking. A KC×NR panel of B (32 KB at NR=32) sits in L1 while the micro-kernel walks the
        // MC×KC block of A (120 KB) that sits in L2; the KC×NC block of B goes to L2/L3.
        private const int KC = 256;
        private const int MC = 120;  // a multiple of MR
        private const int NC = 2048; // a multiple of every NR

        // The hot methods carry AggressiveOptimization: they are jitted fully optimised on first call instead
        // of running as slow tier-0 code for the first few dozen calls (which would be most of a short run).

        // Below this many multiply-adds a parallel dispatch costs more than it saves.
        private const long ParallelThreshold = 1L << 17;

        /// <summary>
        /// C[M×N] = op(A) · op(B), or C += op(A) · op(B) when <paramref name="accumulate"/>, then the epilogue.
        /// op(A) is A (M×K, row stride <paramref name="lda"/>) or, with <paramref name="transA"/>, the transpose
        /// of a K×M matrix; likewise op(B) is K×N or the transpose of an N×K matrix. With K = 0 the product is
        /// zero. With <paramref name="parallel"/> the work is split across <see cref="CpuParallel.MaxThreads"/>
        /// threads when it is big enough. C must not overlap A or B. Allocation-free once the calling threads'
        /// pack buffers have grown to the sizes used.
        /// </summary>
        public static void Multiply(bool transA, bool transB, int m, int n, int k,
            float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate,
            GemmEpilogue epilogue = default, bool parallel = true)
        {
            if (m < 0 || n < 0 || k < 0)
                throw new ArgumentOutOfRangeException(nameof(m), $"Sgemm sizes must not be negative: M={m}, N={n}, K={k}.");
            if (m == 0 || n == 0) return;
            if (ldc < n) throw new ArgumentOutOfRangeException(nameof(ldc), $"Sgemm: ldc={ldc} is less than N={n}.");
            if (k > 0)
            {
                if (lda < (transA ? m : k)) throw new ArgumentOutOfRangeException(nameof(lda), $"Sgemm: lda={lda} is less than {(transA ? "M" : "K")}={(transA ? m : k)}.");
                if (ldb < (transB ? k : n)) throw new ArgumentOutOfRangeException(nameof(ldb), $"Sgemm: ldb={ldb} is less than {(transB ? "K" : "N")}={(transB ? k : n)}.");
            }

            Isa isa = CurrentIsa;
            var job = new Job
            {
                Isa = isa, TransA = transA, TransB = transB, M = m, N = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb,
                C = c, Ldc = ldc, Accumulate = accumulate, Epilogue = epilogue,
            };

            int threads = parallel && (long)m * n * Math.Max(k, 1) >= ParallelThreshold ? CpuParallel.MaxThreads : 1;
            if (threads > 1)
            {
                // Split C into column slices (each thread packs its own part of B and all of A) or row slices
                // (its own part of A, all of B), whichever gives every thread work and duplicates less packing.
                int nr = NR(isa);
                int nTiles = (n + nr - 1) / nr, mTiles = (m + MR - 1) / MR;
                job.SplitColumns = nTiles >= threads && (n >= m || mTiles < threads);
                int tiles = job.SplitColumns ? nTiles : mTiles;
                job.Parts = Math.Min(threads, tiles);
                job.TilesPerPart = tiles;
                if (job.Parts > 1)
                {
                    CpuParallel.For(job.Parts, &RunPart, &job);
                    return;
                }
            }
            Serial(in job, 0, m, 0, n);
        }

        /// <summary>
        /// The bounds-checked form of <see cref="Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, GemmEpilogue, bool)"/>:
        /// the same product over spans, with the epilogue's biases as spans (empty: none).
        /// </summary>
        public static void Multiply(bool transA, bool transB, int m, int n, int k,
            ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate,
            ReadOnlySpan<float> rowBias = default, ReadOnlySpan<float> columnBias = default, bool relu = false, bool parallel = true)
        {
            if (m < 0 || n < 0 || k < 0)
                throw new ArgumentOutOfRangeException(nameof(m), $"Sgemm sizes must not be negative: M={m}, N={n}, K={k}.");
            if (m == 0 || n == 0) return;
            CheckSpan(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
            CheckSpan(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
            CheckSpan(c.Length, m, n, ldc, nameof(c));
            if (!rowBias.IsEmpty && rowBias.Length < m) throw new ArgumentException($"Sgemm: rowBias holds {rowBias.Length} floats, M={m} are needed.", nameof(rowBias));
            if (!columnBias.IsEmpty && columnBias.Length < n) throw new ArgumentException($"Sgemm: columnBias holds {columnBias.Length} floats, N={n} are needed.", nameof(columnBias));
            fixed (float* pa = a, pb = b, pc = c, prb = rowBias, pcb = columnBias)
            {
                var e = new GemmEpilogue { RowBias = prb, ColumnBias = pcb, Relu = relu };
                Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, e, parallel);
            }
        }

        private static void CheckSpan(int length, int rows, int cols, int ld, string name)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentOutOfRangeException(name, $"Sgemm: the leading dimension of {name} is {ld}, less than its {cols} columns.");
            long needed = (long)(rows - 1) * ld + cols;
            if (length < needed) throw new ArgumentException($"Sgemm: {name} holds {length} floats but a {rows}x{cols} matrix with leading dimension {ld} needs {needed}.", name);
        }

        private struct Job
        {
            public Isa Isa;
            public bool TransA, TransB, Accumulate, SplitColumns;
            public int M, N, K, Lda, Ldb, Ldc, Parts, TilesPerPart;
            public float* A, B, C;
            public GemmEpilogue Epilogue;
        }

        private static void RunPart(void* state, int part)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            int unit = job.SplitColumns ? NR(job.Isa) : MR;
            int t0 = (int)((long)job.TilesPerPart * part / job.Parts), t1 = (int)((long)job.TilesPerPart * (part + 1) / job.Parts);
            if (job.SplitColumns)
                Serial(in job, 0, job.M, t0 * unit, Math.Min(job.N, t1 * unit));
            else
                Serial(in job, t0 * unit, Math.Min(job.M, t1 * unit), 0, job.N);
        }

        // Per-thread pack buffers, pinned (so the pointers stay valid) and grown on demand, never shrunk.
        [ThreadStatic] private static float[]? _packA;
        [ThreadStatic] private static float[]? _packB;

        private static float* Buffer(ref float[]? cache, int floats)
        {
            // 16 spare floats let the start be rounded up to a 64-byte boundary (one cache line, one zmm load).
            if (cache is null || cache.Length < floats + 16)
                cache = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
            return (float*)(((nuint)p + 63) & ~(nuint)63);
        }

        /// <summary>The rows [i0, i1) and columns [j0, j1) of C, on the calling thread.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Serial(in Job job, int i0, int i1, int j0, int j1)
        {
            int m = i1 - i0, n = j1 - j0, k = job.K;
            if (m <= 0 || n <= 0) return;
            if (k == 0)
            {
                // An empty sum: C is zero (or unchanged), then the epilogue.
                for (int i = i0; i < i1; i++)
                {
                    float* row = job.C + (long)i * job.Ldc + j0;
                    if (!job.Accumulate) new Span<float>(row, n).Clear();
                    if (!job.Epilogue.IsNone) ApplyEpilogue(row, n, i, j0, in job.Epilogue);
                }
                return;
            }

            Isa isa = job.Isa;
            int nr = NR(isa);
            // Sized from the whole problem, not this slice, so the buffers fit whichever slice this thread gets
            // next time (which keeps a repeated call allocation-free however the work was split).
            int ncMax = Math.Min(NC, RoundUp(job.N, nr));
            int kcMax = Math.Min(KC, k);
            float* packA = Buffer(ref _packA, Math.Min(MC, RoundUp(job.M, MR)) * kcMax);
            float* packB = Buffer(ref _packB, ncMax * kcMax);
            float* tile = stackalloc float[MR * 32];

            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool accumulate = job.Accumulate || pc > 0;
                    bool last = pc + kc == k;
                    PackB(in job, pc, kc, j0 + jc, nc, nr, packB);

                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackA(in job, i0 + ic, mc, pc, kc, packA);

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrr = Math.Min(nr, nc - jr);
                            float* pb = packB + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mrr = Math.Min(MR, mc - ir);
                                float* pa = packA + (long)ir * kc;
                                int row = i0 + ic + ir, col = j0 + jc + jr;
                                float* cTile = job.C + (long)row * job.Ldc + col;
                                bool epilogue = last && !job.Epilogue.IsNone;
                                if (mrr == MR && nrr == nr)
                                {
                                    // A full tile takes the epilogue in registers, before its single store.
                                    if (epilogue)
                                    {
                                        var e = new TileEpilogue
                                        {
                                            RowBias = job.Epilogue.RowBias == null ? null : job.Epilogue.RowBias + row,
                                            ColumnBias = job.Epilogue.ColumnBias == null ? null : job.Epilogue.ColumnBias + col,
                                            Relu = job.Epilogue.Relu,
                                        };
                                        MicroKernel(isa, kc, pa, pb, nr, cTile, job.Ldc, accumulate, &e);
                                    }
                                    else
                                    {
                                        MicroKernel(isa, kc, pa, pb, nr, cTile, job.Ldc, accumulate, null);
                                    }
                                    continue;
                                }
                                else
                                {
                                    // Edge tile: compute the whole padded tile aside, keep the part inside C.
                                    MicroKernel(isa, kc, pa, pb, nr, tile, nr, false, null);
                                    for (int r = 0; r < mrr; r++)
                                    {
                                        float* src = tile + r * nr;
                                        float* dst = cTile + (long)r * job.Ldc;
                                        if (accumulate) for (int j = 0; j < nrr; j++) dst[j] += src[j];
                                        else for (int j = 0; j < nrr; j++) dst[j] = src[j];
                                    }
                                }
                                if (epilogue)
                                {
                                    for (int r = 0; r < mrr; r++)
                                        ApplyEpilogue(cTile + (long)r * job.Ldc, nrr, row + r, col, in job.Epilogue);
                                }
                            }
                        }
                    }
                }
            }
        }

        private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

        /// <summary>
        /// Copies op(A)[i0..i0+mc, p0..p0+kc] into panels of MR rows: panel r holds, for each p, the MR values
        /// op(A)[i, p] of its rows side by side; rows past the end are zeros.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackA(in Job job, int i0, int mc, int p0, int kc, float* dst)
        {
            float* a = job.A;
            long lda = job.Lda;
            for (int ir = 0; ir < mc; ir += MR)
            {
                int mr = Math.Min(MR, mc - ir);
                float* panel = dst + (long)ir * kc;
                if (job.TransA)
                {
                    // op(A)[i, p] = a[p, i]: the MR values for one p are contiguous.
                    for (int p = 0; p < kc; p++)
                    {
                        float* src = a + (p0 + p) * lda + i0 + ir;
                        float* d = panel + p * MR;
                        int r = 0;
                        for (; r < mr; r++) d[r] = src[r];
                        for (; r < MR; r++) d[r] = 0f;
                    }
                }
                else
                {
                    // op(A)[i, p] = a[i, p]: read each row contiguously, write strided.
                    for (int r = 0; r < MR; r++)
                    {
                        float* d = panel + r;
                        if (r < mr)
                        {
                            float* src = a + (i0 + ir + r) * lda + p0;
                            for (int p = 0; p < kc; p++) d[p * MR] = src[p];
                        }
                        else
                        {
                            for (int p = 0; p < kc; p++) d[p * MR] = 0f;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Copies op(B)[p0..p0+kc, j0..j0+nc] into panels of NR columns: panel j holds, for each p, the NR
        /// values op(B)[p, j] of its columns side by side; columns past the end are zeros.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackB(in Job job, int p0, int kc, int j0, int nc, int nr, float* dst)
        {
            float* b = job.B;
            long ldb = job.Ldb;
            for (int jr = 0; jr < nc; jr += nr)
            {
                int w = Math.Min(nr, nc - jr);
                float* panel = dst + (long)jr * kc;
                if (!job.TransB)
                {
                    // op(B)[p, j] = b[p, j]: each panel row is a contiguous run of B.
                    for (int p = 0; p < kc; p++)
                    {
                        float* src = b + (p0 + p) * ldb + j0 + jr;
                        float* d = panel + p * nr;
                        if (w == nr)
                        {
                            if (nr == 32)
                            {
                                Vector256.Store(Vector256.Load(src), d);
                                Vector256.Store(Vector256.Load(src + 8), d + 8);
                                Vector256.Store(Vector256.Load(src + 16), d + 16);
                                Vector256.Store(Vector256.Load(src + 24), d + 24);
                            }
                            else
                            {
                                for (int j = 0; j < nr; j++) d[j] = src[j];
                            }
                        }
                        else
                        {
                            int j = 0;
                            for (; j < w; j++) d[j] = src[j];
                            for (; j < nr; j++) d[j] = 0f;
                        }
                    }
                }
                else
                {
                    // op(B)[p, j] = b[j, p]. A full panel goes through 8×8 register transposes (eight contiguous
                    // row loads, eight contiguous stores); element by element, this pack cost as much as the
                    // multiply in the weight gradients of a convolution (M = Cout small, K×N = P×Cin·k·k large).
                    int p8 = 0;
                    if (w == nr && Avx.IsSupported)
                    {
                        for (; p8 + 8 <= kc; p8 += 8)
                            for (int j8 = 0; j8 < nr; j8 += 8)
                                Transpose8x8(b + (j0 + jr + j8) * ldb + p0 + p8, ldb, panel + (long)p8 * nr + j8, nr);
                    }
                    if (p8 == kc) continue;
                    // The rest (a partial panel, or the last kc mod 8 rows): read each column of op(B) (a row of
                    // b) contiguously, write strided.
                    for (int j = 0; j < nr; j++)
                    {
                        float* d = panel + j;
                        if (j < w)
                        {
                            float* src = b + (j0 + jr + j) * ldb + p0;
                            for (int p = p8; p < kc; p++) d[p * nr] = src[p];
                        }
                        else
                        {
                            for (int p = p8; p < kc; p++) d[p * nr] = 0f;
                        }
                    }
                }
            }
        }

        /// <summary>dst[r·ldd + c] = src[c·lds + r] for r, c in [0, 8): eight row loads, the classic unpack/shuffle/permute transpose, eight stores.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8x8(float* src, long lds, float* dst, long ldd)
        {
            Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
            Vector256<float> r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds);
            Vector256<float> r4 = Avx.LoadVector256(src + 4 * lds), r5 = Avx.LoadVector256(src + 5 * lds);
            Vector256<float> r6 = Avx.LoadVector256(src + 6 * lds), r7 = Avx.LoadVector256(src + 7 * lds);
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
        }

        /// <summary>
        /// One full register tile for callers that lay out their own operands: C[MR×NR(isa)] (+)= Apanel · B, with
        /// Apanel packed as <see cref="PackA"/> does (for each p, MR values side by side) and B[kc×NR] read in place,
        /// row p at <paramref name="b"/> + p·<paramref name="ldb"/> (a matrix whose width is a multiple of NR needs
        /// no packing of B).
        /// </summary>
        internal static void MicroKernel(Isa isa, int kc, float* pa, float* b, long ldb, float* c, int ldc, bool accumulate) =>
            MicroKernel(isa, kc, pa, b, ldb, c, ldc, accumulate, null);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MicroKernel(Isa isa, int kc, float* pa, float* pb, long ldb, float* c, int ldc, bool accumulate, TileEpilogue* e)
        {
            if (isa == Isa.Vector512) Micro512(kc, pa, pb, ldb, c, ldc, accumulate, e);
            else if (isa == Isa.Vector256) Micro256(kc, pa, pb, ldb, c, ldc, accumulate, e);
            else
            {
                MicroScalar(kc, pa, pb, ldb, c, ldc, accumulate);
                if (e != null)
                    for (int r = 0; r < MR; r++)
                        ApplyEpilogue(c + (long)r * ldc, NR(isa), r, 0, new GemmEpilogue { RowBias = e->RowBias, ColumnBias = e->ColumnBias, Relu = e->Relu });
            }
        }

        /// <summary>The epilogue of one full register tile: biases already offset to the tile's first row and column.</summary>
        private struct TileEpilogue
        {
            public float* RowBias, ColumnBias;
            public bool Relu;
        }

        /// <summary>C[6×32] (+)= Apanel[6×kc] · B[kc×32] (row stride ldb: 32 in a packed panel), twelve zmm accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro512(int kc, float* pa, float* pb, long ldb, float* c, int ldc, bool accumulate, TileEpilogue* e)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(pb), b1 = Vector512.Load(pb + 16);
                Vector512<float> a = Vector512.Create(pa[0]);
                c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
                a = Vector512.Create(pa[1]);
                c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
                a = Vector512.Create(pa[2]);
                c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
                a = Vector512.Create(pa[3]);
                c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
                a = Vector512.Create(pa[4]);
                c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
                a = Vector512.Create(pa[5]);
                c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
                pa += MR;
                pb += ldb;
            }
            Store512(c, c00, c01, accumulate, e, 0); c += ldc;
            Store512(c, c10, c11, accumulate, e, 1); c += ldc;
            Store512(c, c20, c21, accumulate, e, 2); c += ldc;
            Store512(c, c30, c31, accumulate, e, 3); c += ldc;
            Store512(c, c40, c41, accumulate, e, 4); c += ldc;
            Store512(c, c50, c51, accumulate, e, 5);
        }

        /// <summary>Stores one tile row; with an epilogue, (sum + C) + rowBias + columnBias then ReLU, the order of <see cref="ApplyEpilogue"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate, TileEpilogue* e, int r)
        {
            if (accumulate)
            {
                v0 += Vector512.Load(c);
                v1 += Vector512.Load(c + 16);
            }
            if (e != null)
            {
                if (e->RowBias != null)
                {
                    var rb = Vector512.Create(e->RowBias[r]);
                    v0 += rb;
                    v1 += rb;
                }
                if (e->ColumnBias != null)
                {
                    v0 += Vector512.Load(e->ColumnBias);
                    v1 += Vector512.Load(e->ColumnBias + 16);
                }
                if (e->Relu)
                {
                    v0 = Relu.Of(v0);
                    v1 = Relu.Of(v1);
                }
            }
            Vector512.Store(v0, c);
            Vector512.Store(v1, c + 16);
        }

        /// <summary>C[6×16] (+)= Apanel[6×kc] · B[kc×16] (row stride ldb), twelve ymm accumulators.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Micro256(int kc, float* pa, float* pb, long ldb, float* c, int ldc, bool accumulate, TileEpilogue* e)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector256<float> b0 = Vector256.Load(pb), b1 = Vector256.Load(pb + 8);
                Vector256<float> a = Vector256.Create(pa[0]);
                c00 = Vector256.FusedMultiplyAdd(a, b0, c00); c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
                a = Vector256.Create(pa[1]);
                c10 = Vector256.FusedMultiplyAdd(a, b0, c10); c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
                a = Vector256.Create(pa[2]);
                c20 = Vector256.FusedMultiplyAdd(a, b0, c20); c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
                a = Vector256.Create(pa[3]);
                c30 = Vector256.FusedMultiplyAdd(a, b0, c30); c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
                a = Vector256.Create(pa[4]);
                c40 = Vector256.FusedMultiplyAdd(a, b0, c40); c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
                a = Vector256.Create(pa[5]);
                c50 = Vector256.FusedMultiplyAdd(a, b0, c50); c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
                pa += MR;
                pb += ldb;
            }
            Store256(c, c00, c01, accumulate, e, 0); c += ldc;
            Store256(c, c10, c11, accumulate, e, 1); c += ldc;
            Store256(c, c20, c21, accumulate, e, 2); c += ldc;
            Store256(c, c30, c31, accumulate, e, 3); c += ldc;
            Store256(c, c40, c41, accumulate, e, 4); c += ldc;
            Store256(c, c50, c51, accumulate, e, 5);
        }

        /// <summary>As <see cref="Store512"/>, 8-wide.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate, TileEpilogue* e, int r)
        {
            if (accumulate)
            {
                v0 += Vector256.Load(c);
                v1 += Vector256.Load(c + 8);
            }
            if (e != null)
            {
                if (e->RowBias != null)
                {
                    var rb = Vector256.Create(e->RowBias[r]);
                    v0 += rb;
                    v1 += rb;
                }
                if (e->ColumnBias != null)
                {
                    v0 += Vector256.Load(e->ColumnBias);
                    v1 += Vector256.Load(e->ColumnBias + 8);
                }
                if (e->Relu)
                {
                    v0 = Relu.Of(v0);
                    v1 = Relu.Of(v1);
                }
            }
            Vector256.Store(v0, c);
            Vector256.Store(v1, c + 8);
        }

        /// <summary>C[6×16] (+)= Apanel · Bpanel without SIMD, for hardware that has none.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MicroScalar(int kc, float* pa, float* pb, long ldb, float* c, int ldc, bool accumulate)
        {
            const int nr = 16;
            float* acc = stackalloc float[MR * nr];
            new Span<float>(acc, MR * nr).Clear();
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < MR; r++)
                {
                    float ar = pa[r];
                    float* accRow = acc + r * nr;
                    for (int j = 0; j < nr; j++) accRow[j] = MathF.FusedMultiplyAdd(ar, pb[j], accRow[j]);
                }
                pa += MR;
                pb += ldb;
            }
            for (int r = 0; r < MR; r++)
            {
                float* dst = c + (long)r * ldc;
                float* src = acc + r * nr;
                if (accumulate) for (int j = 0; j < nr; j++) dst[j] += src[j];
                else for (int j = 0; j < nr; j++) dst[j] = src[j];
            }
        }

        /// <summary>row[j] = relu?(row[j] + rowBias[i] + columnBias[j0 + j]) for j in [0, n).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ApplyEpilogue(float* row, int n, int i, int j0, in GemmEpilogue e)
        {
            float rb = e.RowBias != null ? e.RowBias[i] : 0f;
            float* cb = e.ColumnBias != null ? e.ColumnBias + j0 : null;
            bool relu = e.Relu;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vrb = Vector256.Create(rb);
                for (; j + 8 <= n; j += 8)
                {
                    var v = Vector256.Load(row + j) + vrb;
                    if (cb != null) v += Vector256.Load(cb + j);
                    if (relu) v = Relu.Of(v);
                    Vector256.Store(v, row + j);
                }
            }
            for (; j < n; j++)
            {
                float v = row[j] + rb;
                if (cb != null) v += cb[j];
                if (relu) v = Relu.Of(v);
                row[j] = v;
            }
        }
    }
}
