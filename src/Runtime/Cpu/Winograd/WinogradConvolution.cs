using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;

namespace CnnGen.Cpu.Winograd
{
    /// <summary>
    /// 3×3, stride-1 convolutions by Winograd F(2×2, 3×3): each 2×2 output tile from its 4×4 input window with 16
    /// multiplies per (input, output) channel pair instead of 36, 2.25× fewer than im2col + GEMM.
    /// </summary>
    /// <remarks>
    /// Per block of whole tile rows (of one or several samples): the input transform writes V[16][Cin][T] (T
    /// tile columns of the block, see <see cref="WinogradTransforms"/>); then for each ξ of the 16 transform
    /// points M[ξ][Cout][T] = U[ξ][Cout][Cin] · V[ξ][Cin][T], by the GEMM's register-tiled micro-kernel reading V
    /// in place; then the output transform (plus bias and ReLU) writes the block's output rows. The weights
    /// are transformed into U once per call, or once for as long as they do not change (see
    /// <see cref="TransformedWeights"/>). T is chosen so V stays within about a quarter of the 2 MiB L2; the
    /// products are made and consumed a few output channels at a time so M stays small. Threads take
    /// contiguous ranges of tile rows across the batch (a single sample is split by its tile rows); every
    /// output is computed the same way whatever the split, so results do not depend on the thread count.
    /// The input gradient of a stride-1 convolution is the same computation: dy convolved with the weights
    /// turned by 180° and their channel axes swapped, with padding 2 − p.
    /// </remarks>
    internal static unsafe class WinogradConvolution
    {
        // From 8 input and output channels on, every shape measured ran faster than im2col + GEMM (one thread,
        // batch 64: 8→32 channels on 14×14 0.90 → 0.72 ms, 64 on 2×2 0.52 → 0.46 ms, up to 2.4× on 256 channels
        // on 8×8). Fewer channels were not tried: the first layers (1 or 3 input channels) keep their paths, and
        // on AVX-512 the direct path takes layers of up to 16 output channels before this one is asked.
        private const int MinChannels = 8;

        /// <summary>Whether <see cref="Forward"/> (and <see cref="InputGradient"/>, whose padding 2 − p it needs) take this shape.</summary>
        public static bool Applies(in Conv2dShape s) =>
            s.Kernel == 3 && s.Stride == 1 && s.Dilation == 1 && s.Groups == 1 && s.Padding <= 2
            && s.InChannels >= MinChannels && s.OutChannels >= MinChannels;

        /// <summary>y[n, Cout, OH, OW] = conv(x, w) + bias (may be null), then ReLU when asked.</summary>
        public static void Forward(float* x, float* w, float* bias, float* y, int n, in Conv2dShape s, bool relu)
        {
            var plan = new Plan(s.InChannels, s.Height, s.Width, s.OutChannels, s.Padding, s.OutHeight, s.OutWidth, Sgemm.CurrentIsa);
            Run(x, w, bias, y, n, in plan, adjoint: false, relu);
        }

        /// <summary>dx[n, Cin, H, W] = the input gradient of the convolution given dy[n, Cout, OH, OW] (overwritten, not accumulated).</summary>
        public static void InputGradient(float* dy, float* w, float* dx, int n, in Conv2dShape s)
        {
            var plan = new Plan(s.OutChannels, s.OutHeight, s.OutWidth, s.InChannels, 2 - s.Padding, s.Height, s.Width, Sgemm.CurrentIsa);
            Run(dy, w, null, dx, n, in plan, adjoint: true, relu: false);
        }

        /// <summary>The sizes of one call: the convolution's (in its own terms, input gradient included) and the blocking.</summary>
        private readonly struct Plan
        {
            public readonly int Cin, H, W, Cout, Pad, OH, OW;
            /// <summary>Tile rows and tiles per row; L = TW + 1 plane columns per tile row (one junk).</summary>
            public readonly int TH, TW, L;
            /// <summary>Cout rounded up to the micro-kernel's MR rows; output channels per GEMM pass.</summary>
            public readonly int CoutPad, ChannelBlock;
            /// <summary>Tile rows per block; V's row stride (block columns rounded up to NR, plus 16 of slack for the transforms' last vector).</summary>
            public readonly int BlockRows, ColumnsMax, VStride;
            public readonly Sgemm.Isa Isa;
            public readonly bool Vector;

            // V of one block within about a quarter of the L2 (2 MiB per core): 128 Ki floats. Blocks a quarter
            // and half that size measured the same.
            private const int VFloats = 128 * 1024;

            public Plan(int cin, int h, int w, int cout, int pad, int oh, int ow, Sgemm.Isa isa)
            {
                Cin = cin; H = h; W = w; Cout = cout; Pad = pad; OH = oh; OW = ow; Isa = isa;
                TH = (oh + 1) / 2; TW = (ow + 1) / 2; L = TW + 1;
                CoutPad = (cout + Sgemm.MR - 1) / Sgemm.MR * Sgemm.MR;
                ChannelBlock = Math.Min(CoutPad, 4 * Sgemm.MR);
                int nr = Sgemm.NR(isa);
                int columns = Math.Max(64, VFloats / (16 * cin));
                BlockRows = Math.Max(1, columns / L);
                ColumnsMax = (BlockRows * L + nr - 1) / nr * nr;
                VStride = ColumnsMax + 16;
                Vector = isa != Sgemm.Isa.Scalar && Avx2.IsSupported;
            }
        }

        private struct Job
        {
            public float* X, U, Bias, Y;
            public Plan Plan;
            public int N, Chunks;
            public bool Relu;
        }

        // Below this many multiply-adds a parallel dispatch costs more than it saves (as in Sgemm).
        private const long ParallelThreshold = 1L << 17;

        private static void Run(float* x, float* w, float* bias, float* y, int n, in Plan plan, bool adjoint, bool relu)
        {
            float* u = TransformedWeights.Get(w, plan.Cout, plan.Cin, plan.CoutPad, adjoint, plan.Vector);

            var job = new Job { X = x, U = u, Bias = bias, Y = y, Plan = plan, N = n, Relu = relu };
            long tileRows = (long)n * plan.TH;
            long macs = tileRows * plan.TW * 16L * plan.Cin * plan.Cout;
            int threads = CpuParallel.MaxThreads;
            job.Chunks = threads > 1 && macs >= ParallelThreshold ? (int)Math.Min(threads, tileRows) : 1;
            if (job.Chunks > 1) CpuParallel.For(job.Chunks, &Chunk, &job);
            else Chunk(&job, 0);
        }

        /// <summary>Tile rows [N·TH·c/chunks, N·TH·(c+1)/chunks) of the batch, block by block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Plan p = ref job.Plan;
            long total = (long)job.N * p.TH;
            long first = total * chunk / job.Chunks, end = total * (chunk + 1) / job.Chunks;

            int nr = Sgemm.NR(p.Isa), l = p.L;
            long planeFloats = (long)(p.BlockRows + 1) * l + 32;
            // The 16 matrices of V (and of M) are read and written together, one row of each at a time: one
            // cache line of skew between them keeps those 16 rows in different L1 sets (whole multiples of
            // 4 KiB apart, all 16 would compete for the 12 ways of one set).
            long xiV = (long)p.Cin * p.VStride + 16, xiM = (long)p.ChannelBlock * p.ColumnsMax + 16;
            float* v = WinogradScratch.Inputs(16 * xiV);
            float* m = WinogradScratch.Products(16 * xiM + 32);
            float* planes = WinogradScratch.Planes(4 * planeFloats);
            long outFloats = (long)p.BlockRows * l + 16;
            float* outs = WinogradScratch.Outputs(4 * outFloats);
            long inPlane = (long)p.H * p.W, inSample = p.Cin * inPlane;
            long outPlane = (long)p.OH * p.OW, outSample = p.Cout * outPlane;

            for (long b0 = first; b0 < end; b0 += p.BlockRows)
            {
                long b1 = Math.Min(b0 + p.BlockRows, end);

                // Input transform, piece by piece (a piece: the block's tile rows of one sample).
                int columns = 0;
                for (long t = b0; t < b1;)
                {
                    int sample = (int)(t / p.TH), ty0 = (int)(t % p.TH);
                    int rows = (int)Math.Min(p.TH - ty0, b1 - t);
                    float* xs = job.X + sample * inSample;
                    for (int c = 0; c < p.Cin; c++)
                    {
                        WinogradTransforms.ParityPlanes(xs + c * inPlane, p.H, p.W, p.Pad, ty0, rows, l, p.Vector,
                            planes, planes + planeFloats, planes + 2 * planeFloats, planes + 3 * planeFloats);
                        WinogradTransforms.InputTiles(planes, planes + planeFloats, planes + 2 * planeFloats, planes + 3 * planeFloats,
                            l, rows * l, p.Vector, v + (long)c * p.VStride + columns, xiV);
                    }
                    columns += rows * l;
                    t += rows;
                }
                int columnsPad = (columns + nr - 1) / nr * nr;

                for (int cb = 0; cb < p.CoutPad; cb += p.ChannelBlock)
                {
                    int blockRows = Math.Min(p.ChannelBlock, p.CoutPad - cb);
                    // M[ξ][cb .. cb + blockRows) = U[ξ] · V[ξ]: each V panel (Cin × NR) is read from L1 by every row panel.
                    for (int xi = 0; xi < 16; xi++)
                    {
                        float* uXi = job.U + (long)xi * p.CoutPad * p.Cin;
                        float* vXi = v + xi * xiV;
                        float* mXi = m + xi * xiM;
                        for (int jr = 0; jr < columnsPad; jr += nr)
                            for (int ir = 0; ir < blockRows; ir += Sgemm.MR)
                            {
                                float* pa = uXi + (long)(cb + ir) * p.Cin;
                                float* c = mXi + (long)ir * p.ColumnsMax + jr;
                                for (int pc = 0; pc < p.Cin; pc += KC)
                                {
                                    int kc = Math.Min(KC, p.Cin - pc);
                                    Sgemm.MicroKernel(p.Isa, kc, pa + (long)pc * Sgemm.MR, vXi + (long)pc * p.VStride + jr, p.VStride,
                                        c, p.ColumnsMax, accumulate: pc > 0);
                                }
                            }
                    }

                    // Output transform of these channels, piece by piece.
                    int coEnd = Math.Min(cb + blockRows, p.Cout);
                    int col0 = 0;
                    for (long t = b0; t < b1;)
                    {
                        int sample = (int)(t / p.TH), ty0 = (int)(t % p.TH);
                        int rows = (int)Math.Min(p.TH - ty0, b1 - t);
                        for (int co = cb; co < coEnd; co++)
                        {
                            float bias = job.Bias == null ? 0f : job.Bias[co];
                            WinogradTransforms.OutputTiles(m + (long)(co - cb) * p.ColumnsMax + col0, xiM, rows * l, bias, job.Relu, p.Vector,
                                outs, outs + outFloats, outs + 2 * outFloats, outs + 3 * outFloats);
                            float* yc = job.Y + sample * outSample + co * outPlane;
                            for (int r = 0; r < rows; r++)
                            {
                                int oy = 2 * (ty0 + r);
                                WinogradTransforms.Interleave(outs + r * l, outs + outFloats + r * l, yc + (long)oy * p.OW, p.OW, p.Vector);
                                if (oy + 1 < p.OH)
                                    WinogradTransforms.Interleave(outs + 2 * outFloats + r * l, outs + 3 * outFloats + r * l, yc + (long)(oy + 1) * p.OW, p.OW, p.Vector);
                            }
                        }
                        col0 += rows * l;
                        t += rows;
                    }
                }
            }
        }

        // The GEMM's depth block: a V panel of KC × NR floats (32 KiB at NR = 32) stays in L1.
        private const int KC = 256;
    }

    /// <summary>
    /// Per-thread scratch of <see cref="WinogradConvolution"/>, pinned, grown on demand, never shrunk, and zeroed
    /// when (re)allocated: the transforms' junk columns and last vectors read past the data they fill, and
    /// stale values there must be ordinary numbers (only junk results depend on them).
    /// </summary>
    internal static unsafe class WinogradScratch
    {
        [ThreadStatic] private static float[]? _weights;
        [ThreadStatic] private static float[]? _inputs;
        [ThreadStatic] private static float[]? _products;
        [ThreadStatic] private static float[]? _planes;
        [ThreadStatic] private static float[]? _outputs;

        /// <summary>Transformed weights U too large to keep (<see cref="TransformedWeights"/>), written by the calling thread and read by every worker of the call.</summary>
        public static float* Weights(long floats) => Get(ref _weights, floats);

        /// <summary>V[16][Cin][T] of one block.</summary>
        public static float* Inputs(long floats) => Get(ref _inputs, floats);

        /// <summary>M[16][channel block][T].</summary>
        public static float* Products(long floats) => Get(ref _products, floats);

        /// <summary>The four parity planes of one channel.</summary>
        public static float* Planes(long floats) => Get(ref _planes, floats);

        /// <summary>The four outputs of each tile of one channel, before they are interleaved into rows.</summary>
        public static float* Outputs(long floats) => Get(ref _outputs, floats);

        private static float* Get(ref float[]? cache, long floats)
        {
            float[]? before = cache;
            float* p = DenseScratch.Get(ref cache, floats);
            if (!ReferenceEquals(before, cache)) Array.Clear(cache!);
            return p;
        }
    }
}
