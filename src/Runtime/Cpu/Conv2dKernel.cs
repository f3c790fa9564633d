using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;
using CnnGen.Cpu.Winograd;
using CnnGen.Shapes;

namespace CnnGen.Cpu
{
    /// <summary>Conv2d forward and backward, PyTorch semantics (stride, padding, dilation, groups).</summary>
    /// <remarks>
    /// Lowered to GEMM per group of samples and channel group: with Kg = (Cin/groups)·k·k rows of im2col columns
    /// and P = OH·OW output positions, y_g[Cout/groups, S·P] = W_g[Cout/groups, Kg] · col_g[Kg, S·P] (+ bias,
    /// ReLU in the GEMM epilogue), the columns of S samples side by side (S·P ≈ 1024), then copied back to each
    /// sample's planes. A 1×1, stride-1, unpadded convolution needs no lowering: the input already is col.
    /// With two or more samples and threads the batch is split into one contiguous chunk per thread (each with
    /// its own im2col scratch, and in the backward its own partial weight gradient, reduced once in chunk order
    /// so results do not depend on scheduling); a single sample parallelises inside the GEMM instead.
    /// 3×3 stride-1 layers with 8 or more input and output channels go to <see cref="WinogradConvolution"/> for the
    /// forward, other few-channel layers to <see cref="Conv2dDirect"/>. In the backward the direct path comes first
    /// (it makes dx and dW in one pass: for ResNet-14's 16-channel layers that beat Winograd dx + im2col dW, 69 against
    /// 74 ms a step, while their Winograd forward beat the direct one, 210 against 240 ms for a 1000-sample Predict);
    /// then Winograd dx, and the weight gradient in <see cref="WinogradWeightGradient"/> where that pays (32+ channels
    /// each way, outputs 14+ wide); the rest stays here.
    /// </remarks>
    public static unsafe class Conv2dKernel
    {
        /// <summary>
        /// y[n, Cout, OH, OW] = conv(x[n, Cin, H, W], weight) + bias, then the epilogue.
        /// <paramref name="bias"/> may be empty (no bias).
        /// </summary>
        public static void Forward(FloatBuffer x, FloatBuffer weight, FloatBuffer bias, FloatBuffer y, int n, in Conv2dShape s, Epilogue epilogue)
        {
            Validate(in s, n, nameof(Forward));
            Require(x, (long)n * s.InputSize, nameof(x), nameof(Forward));
            Require(weight, s.WeightSize, nameof(weight), nameof(Forward));
            if (!bias.IsEmpty) Require(bias, s.OutChannels, nameof(bias), nameof(Forward));
            Require(y, (long)n * s.OutputSize, nameof(y), nameof(Forward));
            if (n == 0) return;

            fixed (float* px = x.Span, pw = weight.Span, pb = bias.Span, py = y.Span)
            {
                // Winograd first: where both apply (ResNet-14's 16-channel layers) its forward is the faster.
                if (Conv2dDirect.Applies(in s) && !WinogradConvolution.Applies(in s))
                {
                    Conv2dDirect.Forward(px, pw, pb, py, n, in s, epilogue == Epilogue.ReLU);
                    return;
                }
                if (WinogradConvolution.Applies(in s))
                {
                    WinogradConvolution.Forward(px, pw, pb, py, n, in s, epilogue == Epilogue.ReLU);
                    return;
                }
                var job = new Job { X = px, W = pw, Bias = pb, Y = py, S = s, N = n, Relu = epilogue == Epilogue.ReLU };
                Plan(ref job);
                if (job.Chunks > 1) CpuParallel.For(job.Chunks, &ForwardChunk, &job);
                else ForwardChunk(&job, 0);
            }
        }

        /// <summary>
        /// Given dy = dL/dy, writes dx (skipped when empty: the first layer needs none), dWeight and dBias
        /// (skipped when empty). Gradients are overwritten, not accumulated. With <see cref="Epilogue.ReLU"/>,
        /// dy is first masked by y &gt; 0 (in place: dy is scratch afterwards).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward(FloatBuffer x, FloatBuffer weight, FloatBuffer y, FloatBuffer dy, FloatBuffer dx,
            FloatBuffer dWeight, FloatBuffer dBias, int n, in Conv2dShape s, Epilogue epilogue)
        {
            Validate(in s, n, nameof(Backward));
            Require(x, (long)n * s.InputSize, nameof(x), nameof(Backward));
            Require(weight, s.WeightSize, nameof(weight), nameof(Backward));
            if (epilogue == Epilogue.ReLU) Require(y, (long)n * s.OutputSize, nameof(y), nameof(Backward));
            Require(dy, (long)n * s.OutputSize, nameof(dy), nameof(Backward));
            if (!dx.IsEmpty) Require(dx, (long)n * s.InputSize, nameof(dx), nameof(Backward));
            Require(dWeight, s.WeightSize, nameof(dWeight), nameof(Backward));
            if (!dBias.IsEmpty) Require(dBias, s.OutChannels, nameof(dBias), nameof(Backward));

            if (n == 0)
            {
                // An empty batch contributes nothing: the (overwritten) gradients are zero.
                dWeight.Span.Slice(0, s.WeightSize).Clear();
                if (!dBias.IsEmpty) dBias.Span.Slice(0, s.OutChannels).Clear();
                return;
            }

            // The fused ReLU's backward: the same rule as a standalone ReLU layer's, applied to dy in place.
            if (epilogue == Epilogue.ReLU)
            {
                int length = n * s.OutputSize;
                ActivationKernel.Backward(ActivationKind.ReLU, y.Slice(0, length), dy.Slice(0, length), dy.Slice(0, length), length);
            }

            fixed (float* px = x.Span, pw = weight.Span, pdy = dy.Span, pdx = dx.Span, pdw = dWeight.Span, pdb = dBias.Span)
            {
                if (Conv2dDirect.Applies(in s))
                {
                    Conv2dDirect.Backward(px, pw, pdy, pdx, pdw, pdb, n, in s);
                    return;
                }

                // A 3×3 stride-1 convolution's input gradient is itself such a convolution (of dy, by the turned
                // weights), which Winograd does with fewer multiplies; the weight and bias gradients stay below,
                // unless the weight gradient pays in the Winograd domain too and nothing is left for im2col.
                bool winogradDx = pdx != null && WinogradConvolution.Applies(in s);
                if (winogradDx) WinogradConvolution.InputGradient(pdy, pw, pdx, n, in s);
                if ((pdx == null || winogradDx) && WinogradWeightGradient.Pays(in s))
                {
                    WinogradWeightGradient.Compute(px, pdy, pdw, n, in s);
                    if (pdb != null) BiasGradient(pdy, pdb, n, in s);
                    return;
                }

                var job = new Job { X = px, W = pw, Dy = pdy, Dx = winogradDx ? null : pdx, DW = pdw, DB = pdb, S = s, N = n };
                Plan(ref job);
                int partialSize = s.WeightSize + s.OutChannels;
                if (job.Chunks > 1)
                {
                    // Chunk 0 writes straight into dWeight/dBias, chunk c > 0 into its own partial slot.
                    job.Partials = DenseScratch.Partials((long)(job.Chunks - 1) * partialSize);
                    CpuParallel.For(job.Chunks, &BackwardChunk, &job);
                    for (int c = 1; c < job.Chunks; c++)
                    {
                        float* part = job.Partials + (long)(c - 1) * partialSize;
                        var dw = new Span<float>(pdw, s.WeightSize);
                        TensorPrimitives.Add(dw, new ReadOnlySpan<float>(part, s.WeightSize), dw);
                        if (pdb != null)
                        {
                            var db = new Span<float>(pdb, s.OutChannels);
                            TensorPrimitives.Add(db, new ReadOnlySpan<float>(part + s.WeightSize, s.OutChannels), db);
                        }
                    }
                }
                else
                {
                    BackwardChunk(&job, 0);
                }
            }
        }

        private struct Job
        {
            public float* X, W, Bias, Y, Dy, Dx, DW, DB, Partials;
            public Conv2dShape S;
            public int N, Chunks;
            public bool Relu, ParallelGemm;
        }

        /// <summary>Parallel over the batch when there are samples to share, else inside each GEMM.</summary>
        private static void Plan(ref Job job)
        {
            int threads = CpuParallel.MaxThreads;
            job.Chunks = threads > 1 && job.N > 1 ? Math.Min(threads, job.N) : 1;
            job.ParallelGemm = job.Chunks == 1;
        }

        private static void SampleRange(in Job job, int chunk, out int first, out int end)
        {
            first = (int)((long)job.N * chunk / job.Chunks);
            end = (int)((long)job.N * (chunk + 1) / job.Chunks);
        }

        private static bool NeedsNoLowering(in Conv2dShape s) => s.Kernel == 1 && s.Stride == 1 && s.Padding == 0;

        // Up to this many output positions go through one GEMM: the im2col columns of several samples side by
        // side (SimpleCnn's conv2, 14×14 = 196 positions: 4 samples). One GEMM per sample packed the whole
        // weight for every sample and wasted an eighth of the 32-wide register tiles on the 196 % 32 edge. The
        // column matrix is kept within about half of a 2 MiB L2 (the backward also holds its gradient): wider
        // groups of VggNet's 64-channel layers measured slower than one sample at a time.
        private const int TargetColumns = 1024;
        private const long MaxColumnFloats = 256 * 1024;

        /// <summary>How many samples share one GEMM: 1 when the input itself is the column matrix.</summary>
        private static int SamplesPerGemm(in Conv2dShape s)
        {
            if (NeedsNoLowering(in s)) return 1;
            int positions = s.OutHeight * s.OutWidth;
            long perSample = (long)s.InChannels / s.Groups * s.Kernel * s.Kernel * positions;
            return (int)Math.Max(1, Math.Min(TargetColumns / positions, MaxColumnFloats / perSample));
        }

        /// <summary>dst[j, r, 0..width) = src[r, j·width ..] for j &lt; count, r &lt; rows: a wide [rows, count·width] matrix back to per-sample planes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scatter(float* src, float* dst, long sampleStride, int rows, int width, int count)
        {
            long ld = (long)count * width;
            for (int j = 0; j < count; j++)
                for (int r = 0; r < rows; r++)
                    new ReadOnlySpan<float>(src + r * ld + (long)j * width, width).CopyTo(new Span<float>(dst + j * sampleStride + (long)r * width, width));
        }

        /// <summary>The inverse of <see cref="Scatter"/>: per-sample planes side by side into a wide [rows, count·width] matrix.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Gather(float* src, long sampleStride, float* dst, int rows, int width, int count)
        {
            long ld = (long)count * width;
            for (int j = 0; j < count; j++)
                for (int r = 0; r < rows; r++)
                    new ReadOnlySpan<float>(src + j * sampleStride + (long)r * width, width).CopyTo(new Span<float>(dst + r * ld + (long)j * width, width));
        }

        /// <summary>
        /// col_g[kG, count·P] for channel group g of <paramref name="count"/> samples from xs, sample j's columns
        /// at j·P; returns the GEMM's B operand: col, or the input itself for a 1×1 convolution (count = 1).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float* Columns(float* xs, int g, int count, bool direct, float* col, in Conv2dShape s)
        {
            int cinG = s.InChannels / s.Groups, positions = s.OutHeight * s.OutWidth;
            float* xg = xs + (long)g * cinG * s.Height * s.Width;
            if (direct) return xg;
            for (int j = 0; j < count; j++)
                Im2Col.Lower(xg + (long)j * s.InputSize, cinG, in s, col + (long)j * positions, (long)count * positions);
            return col;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardChunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Conv2dShape s = ref job.S;
            SampleRange(in job, chunk, out int first, out int end);
            int groups = s.Groups, cinG = s.InChannels / groups, coutG = s.OutChannels / groups;
            int kG = cinG * s.Kernel * s.Kernel, positions = s.OutHeight * s.OutWidth, plane = s.Height * s.Width;
            bool direct = NeedsNoLowering(in s);
            int perGemm = SamplesPerGemm(in s);
            float* col = direct ? null : DenseScratch.Columns((long)kG * perGemm * positions);
            float* wide = perGemm > 1 ? DenseScratch.WideOutputs((long)coutG * perGemm * positions) : null;

            for (int i0 = first; i0 < end; i0 += perGemm)
            {
                int count = Math.Min(perGemm, end - i0), ld = count * positions;
                float* xs = job.X + (long)i0 * s.InputSize;
                float* ys = job.Y + (long)i0 * s.OutputSize;
                for (int g = 0; g < groups; g++)
                {
                    float* b = Columns(xs, g, count, direct, col, in s);
                    float* yg = ys + (long)g * coutG * positions;
                    var epilogue = new GemmEpilogue { RowBias = job.Bias == null ? null : job.Bias + g * coutG, Relu = job.Relu };
                    Sgemm.Multiply(false, false, coutG, ld, kG, job.W + (long)g * coutG * kG, kG, b, ld,
                        count == 1 ? yg : wide, ld, accumulate: false, epilogue, job.ParallelGemm);
                    if (count > 1) Scatter(wide, yg, s.OutputSize, coutG, positions, count);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardChunk(void* state, int chunk)
        {
            ref Job job = ref Unsafe.AsRef<Job>(state);
            ref readonly Conv2dShape s = ref job.S;
            SampleRange(in job, chunk, out int first, out int end);
            int groups = s.Groups, cinG = s.InChannels / groups, coutG = s.OutChannels / groups;
            int kG = cinG * s.Kernel * s.Kernel, positions = s.OutHeight * s.OutWidth, plane = s.Height * s.Width;
            bool direct = NeedsNoLowering(in s);
            int perGemm = SamplesPerGemm(in s);
            float* col = direct ? null : DenseScratch.Columns((long)kG * perGemm * positions);
            float* dcol = direct || job.Dx == null ? null : DenseScratch.ColumnGradients((long)kG * perGemm * positions);
            float* wideDy = perGemm > 1 ? DenseScratch.WideOutputs((long)coutG * perGemm * positions) : null;

            float* dw = job.DW, db = job.DB;
            if (chunk > 0)
            {
                float* part = job.Partials + (long)(chunk - 1) * (s.WeightSize + s.OutChannels);
                dw = part;
                db = job.DB == null ? null : part + s.WeightSize;
            }

            // The GEMM's register tile is 32 columns wide, so a dW_g with few columns (kG = Cin·k·k small, as in a
            // first layer with one input channel: kG = 9) would waste most of it; then compute dW_gᵀ instead,
            // which puts the larger coutG along the columns, and transpose once at the end of the chunk.
            bool transposedWeightGradient = kG < 32 && coutG > kG;
            float* dwT = transposedWeightGradient ? DenseScratch.WeightTranspose(s.WeightSize) : null;

            for (int i0 = first; i0 < end; i0 += perGemm)
            {
                bool firstGroup = i0 == first;
                int count = Math.Min(perGemm, end - i0), ld = count * positions;
                float* xs = job.X + (long)i0 * s.InputSize;
                float* dys = job.Dy + (long)i0 * s.OutputSize;
                float* dxs = job.Dx == null ? null : job.Dx + (long)i0 * s.InputSize;
                if (dxs != null && !direct) new Span<float>(dxs, count * s.InputSize).Clear();

                for (int g = 0; g < groups; g++)
                {
                    float* b = Columns(xs, g, count, direct, col, in s);
                    // dy_g[coutG, count·P], the samples side by side as in col.
                    float* dyg = dys + (long)g * coutG * positions;
                    if (count > 1)
                    {
                        Gather(dyg, s.OutputSize, wideDy, coutG, positions, count);
                        dyg = wideDy;
                    }
                    float* wg = job.W + (long)g * coutG * kG;

                    if (transposedWeightGradient)
                    {
                        // dW_gᵀ[kG, coutG] (+)= col_g[kG, P'] · dy_gᵀ[P', coutG]
                        Sgemm.Multiply(false, true, kG, coutG, ld, b, ld, dyg, ld,
                            dwT + (long)g * coutG * kG, coutG, accumulate: !firstGroup, default, job.ParallelGemm);
                    }
                    else
                    {
                        // dW_g[coutG, kG] (+)= dy_g[coutG, P'] · col_gᵀ[P', kG]
                        Sgemm.Multiply(false, true, coutG, kG, ld, dyg, ld, b, ld,
                            dw + (long)g * coutG * kG, kG, accumulate: !firstGroup, default, job.ParallelGemm);
                    }

                    if (dxs != null)
                    {
                        // dcol_g[kG, P'] = W_gᵀ[kG, coutG] · dy_g[coutG, P'], then scattered back onto each sample's input.
                        float* dxg = dxs + (long)g * cinG * plane;
                        Sgemm.Multiply(true, false, kG, ld, coutG, wg, kG, dyg, ld,
                            direct ? dxg : dcol, ld, accumulate: false, default, job.ParallelGemm);
                        if (!direct)
                            for (int j = 0; j < count; j++)
                                Im2Col.LowerAdjointAdd(dcol + (long)j * positions, cinG, in s, dxg + (long)j * s.InputSize, ld);
                    }
                }

                if (db != null)
                {
                    for (int j = 0; j < count; j++)
                    {
                        bool firstSample = i0 + j == first;
                        for (int co = 0; co < s.OutChannels; co++)
                        {
                            float sum = TensorPrimitives.Sum(new ReadOnlySpan<float>(dys + (long)j * s.OutputSize + (long)co * positions, positions));
                            db[co] = firstSample ? sum : db[co] + sum;
                        }
                    }
                }
            }

            if (transposedWeightGradient)
            {
                for (int g = 0; g < groups; g++)
                {
                    float* src = dwT + (long)g * coutG * kG, dst = dw + (long)g * coutG * kG;
                    for (int r = 0; r < kG; r++)
                        for (int co = 0; co < coutG; co++)
                            dst[(long)co * kG + r] = src[(long)r * coutG + co];
                }
            }
        }

        /// <summary>dBias[co] = Σ over samples and positions of dy[·, co, ·, ·], summed sample by sample as BackwardChunk does.</summary>
        private static void BiasGradient(float* dy, float* db, int n, in Conv2dShape s)
        {
            int positions = s.OutHeight * s.OutWidth;
            for (int co = 0; co < s.OutChannels; co++)
            {
                float sum = 0;
                for (int i = 0; i < n; i++)
                    sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(dy + (long)i * s.OutputSize + (long)co * positions, positions));
                db[co] = sum;
            }
        }

        private static void Validate(in Conv2dShape s, int n, string method)
        {
            // Messages are built only when thrown: a string built per call would allocate in the training loop.
            if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"Conv2dKernel.{method}: the batch size must not be negative.");
            if (s.InChannels <= 0 || s.OutChannels <= 0 || s.Height <= 0 || s.Width <= 0 || s.Kernel <= 0 || s.Stride <= 0
                || s.Dilation <= 0 || s.Padding < 0 || s.Groups <= 0)
                throw new ArgumentException($"Conv2dKernel.{method}: every size must be positive (padding non-negative); got {Describe(in s)}.", nameof(s));
            if (s.InChannels % s.Groups != 0 || s.OutChannels % s.Groups != 0)
                throw new ArgumentException($"Conv2dKernel.{method}: groups={s.Groups} must divide both in_channels={s.InChannels} and out_channels={s.OutChannels}.", nameof(s));
            long oh = ShapeMath.ConvOutput(s.Height, s.Kernel, s.Stride, s.Padding, s.Dilation);
            long ow = ShapeMath.ConvOutput(s.Width, s.Kernel, s.Stride, s.Padding, s.Dilation);
            if (oh <= 0 || ow <= 0 || oh != s.OutHeight || ow != s.OutWidth)
                throw new ArgumentException($"Conv2dKernel.{method}: the output is {s.OutHeight}x{s.OutWidth} but {Describe(in s)} gives {oh}x{ow}.", nameof(s));
        }

        private static string Describe(in Conv2dShape s) =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Conv2d({s.InChannels}→{s.OutChannels}, k{s.Kernel}, s{s.Stride}, p{s.Padding}, d{s.Dilation}, g{s.Groups}) on {s.Height}x{s.Width}");

        private static void Require(FloatBuffer b, long floats, string name, string method)
        {
            if (b.Length < floats)
                throw new ArgumentException($"Conv2dKernel.{method}: {name} holds {b.Length} floats but {floats} are needed.", name);
        }
    }
}
