using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using CnnGen.Cpu.Threading;

namespace CnnGen.Optim
{
    /// <summary>
    /// The optimizers' per-parameter update, one fused pass over data, gradient and state. Each formula follows
    /// PyTorch 1.13's single-tensor code in float32, step by step in the same order (no FMA contraction), so
    /// results agree with torch.optim to float rounding. <see cref="Vector{T}"/> (256-bit on AVX2/AVX-512 x64,
    /// 128-bit on Arm; the update is memory-bound, so wider vectors would not pay), then a scalar tail with the
    /// same formula.
    /// </summary>
    internal static class OptimizerKernels
    {
        /// <summary>Plain SGD: d = g + wd·p; p -= lr·d.</summary>
        public static void SgdPlain(Span<float> param, ReadOnlySpan<float> grad, float lr, float weightDecay)
        {
            int n = Check(param, grad);
            ref float p = ref MemoryMarshal.GetReference(param);
            ref float g = ref MemoryMarshal.GetReference(grad);
            int i = 0;
            if (Vector.IsHardwareAccelerated) i = SgdPlainSimd(ref p, ref g, n, lr, weightDecay);
            for (; i < n; i++)
            {
                float d = Unsafe.Add(ref g, i) + weightDecay * Unsafe.Add(ref p, i);
                Unsafe.Add(ref p, i) = Unsafe.Add(ref p, i) + (-lr) * d;
            }
        }

        private static int SgdPlainSimd(ref float p, ref float g, int n, float lr, float wd)
        {
            Vector<float> vwd = new Vector<float>(wd), vlr = new Vector<float>(-lr);
            int i = 0;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> vp = Vector.LoadUnsafe(ref p, (nuint)i);
                Vector<float> d = Vector.LoadUnsafe(ref g, (nuint)i) + vwd * vp;
                Vector.StoreUnsafe(vp + vlr * d, ref p, (nuint)i);
            }
            return i;
        }

        /// <summary>
        /// SGD with momentum: d = g + wd·p; buf = mu·buf + c·d; d = nesterov ? d + momentum·buf : buf; p -= lr·d.
        /// PyTorch sets buf = d on the first step: callers pass mu = 0, c = 1 then (buf is still all zeros, and
        /// 0·0 + 1·d is exactly d); afterwards mu = momentum, c = 1 − dampening.
        /// </summary>
        public static void SgdMomentum(Span<float> param, ReadOnlySpan<float> grad, Span<float> buffer,
                                       float lr, float weightDecay, float mu, float c, float momentum, bool nesterov)
        {
            int n = Check(param, grad);
            if (buffer.Length != n) throw new ArgumentException("The momentum buffer's length differs from the parameter's.", nameof(buffer));
            ref float p = ref MemoryMarshal.GetReference(param);
            ref float g = ref MemoryMarshal.GetReference(grad);
            ref float b = ref MemoryMarshal.GetReference(buffer);
            int i = 0;
            if (Vector.IsHardwareAccelerated) i = SgdMomentumSimd(ref p, ref g, ref b, n, lr, weightDecay, mu, c, momentum, nesterov);
            for (; i < n; i++)
            {
                float pi = Unsafe.Add(ref p, i);
                float d = Unsafe.Add(ref g, i) + weightDecay * pi;
                float buf = Unsafe.Add(ref b, i) * mu + c * d;
                Unsafe.Add(ref b, i) = buf;
                float update = nesterov ? d + momentum * buf : buf;
                Unsafe.Add(ref p, i) = pi + (-lr) * update;
            }
        }

        private static int SgdMomentumSimd(ref float p, ref float g, ref float b, int n, float lr, float wd,
                                               float mu, float c, float momentum, bool nesterov)
        {
            Vector<float> vwd = new Vector<float>(wd), vlr = new Vector<float>(-lr), vmu = new Vector<float>(mu), vc = new Vector<float>(c), vm = new Vector<float>(momentum);
            int i = 0;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> vp = Vector.LoadUnsafe(ref p, (nuint)i);
                Vector<float> d = Vector.LoadUnsafe(ref g, (nuint)i) + vwd * vp;
                Vector<float> buf = Vector.LoadUnsafe(ref b, (nuint)i) * vmu + vc * d;
                Vector.StoreUnsafe(buf, ref b, (nuint)i);
                Vector<float> update = nesterov ? d + vm * buf : buf;
                Vector.StoreUnsafe(vp + vlr * update, ref p, (nuint)i);
            }
            return i;
        }

        /// <summary>
        /// Adam / AdamW: p *= decay (AdamW's 1 − lr·wd; 1 for Adam); g' = g + l2·p (Adam's weight decay; 0 for AdamW);
        /// m = b1·m + (1−b1)·g'; v = b2·v + (1−b2)·g'·g'; denom = sqrt(v)/sqrt(bc2) + eps; p += −stepSize·m/denom,
        /// with stepSize = lr/bc1.
        /// </summary>
        public static unsafe void Adam(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
                                float decay, float l2, float beta1, float beta2, float bc2Sqrt, float eps, float stepSize)
        {
            int n = Check(param, grad);
            if (expAvg.Length != n || expAvgSq.Length != n) throw new ArgumentException("The moment buffers' length differs from the parameter's.", nameof(expAvg));
            var h = new AdamScalars(decay, l2, beta1, beta2, bc2Sqrt, eps, stepSize);
            int chunks = ParallelChunks(n);
            if (chunks <= 1)
            {
                AdamRange(ref MemoryMarshal.GetReference(param), ref MemoryMarshal.GetReference(grad),
                    ref MemoryMarshal.GetReference(expAvg), ref MemoryMarshal.GetReference(expAvgSq), n, in h);
                return;
            }
            // Big tensors (a fully connected layer's weight) are split over the cores: every element's update
            // is independent, so the split cannot change a result.
            fixed (float* p = param, g = grad, m = expAvg, v = expAvgSq)
            {
                var job = new AdamJob { P = p, G = g, M = m, V = v, N = n, Chunks = chunks, H = h };
                CpuParallel.For(chunks, &AdamChunk, &job);
            }
        }

        /// <summary>Below this many elements an update runs on the calling thread (the hand-off would cost more).</summary>
        private const int ParallelThreshold = 1 << 15;

        private static int ParallelChunks(int n)
            => n < ParallelThreshold ? 1 : Math.Min(CpuParallel.MaxThreads, n / (ParallelThreshold / 2));

        /// <summary>[begin, end) of chunk c of n elements, cut at multiples of 64 so the vector loops see whole vectors.</summary>
        private static void ChunkRange(int n, int chunks, int c, out int begin, out int end)
        {
            begin = c == 0 ? 0 : (int)((long)n * c / chunks) & ~63;
            end = c == chunks - 1 ? n : (int)((long)n * (c + 1) / chunks) & ~63;
        }

        private readonly struct AdamScalars
        {
            public readonly float Decay, L2, Beta1, OneMinusB1, Beta2, OneMinusB2, Bc2Sqrt, Eps, StepSize;

            public AdamScalars(float decay, float l2, float beta1, float beta2, float bc2Sqrt, float eps, float stepSize)
            {
                Decay = decay; L2 = l2; Beta1 = beta1; Beta2 = beta2; Bc2Sqrt = bc2Sqrt; Eps = eps; StepSize = stepSize;
                OneMinusB1 = (float)(1.0 - beta1);
                OneMinusB2 = (float)(1.0 - beta2);
            }
        }

        private unsafe struct AdamJob
        {
            public float* P, G, M, V;
            public int N, Chunks;
            public AdamScalars H;
        }

        private static unsafe void AdamChunk(void* state, int c)
        {
            ref AdamJob job = ref Unsafe.AsRef<AdamJob>(state);
            ChunkRange(job.N, job.Chunks, c, out int begin, out int end);
            AdamRange(ref job.P[begin], ref job.G[begin], ref job.M[begin], ref job.V[begin], end - begin, in job.H);
        }

        private static void AdamRange(ref float p, ref float g, ref float m, ref float v, int n, in AdamScalars h)
        {
            float decay = h.Decay, l2 = h.L2, beta1 = h.Beta1, oneMinusB1 = h.OneMinusB1, beta2 = h.Beta2, oneMinusB2 = h.OneMinusB2;
            float bc2Sqrt = h.Bc2Sqrt, eps = h.Eps, stepSize = h.StepSize;
            int i = 0;
            if (Vector.IsHardwareAccelerated) i = AdamSimd(ref p, ref g, ref m, ref v, n, decay, l2, beta1, oneMinusB1, beta2, oneMinusB2, bc2Sqrt, eps, stepSize);
            for (; i < n; i++)
            {
                float pi = Unsafe.Add(ref p, i) * decay;
                float gi = Unsafe.Add(ref g, i) + l2 * pi;
                float mi = Unsafe.Add(ref m, i) * beta1 + oneMinusB1 * gi;
                float vi = Unsafe.Add(ref v, i) * beta2 + oneMinusB2 * gi * gi;
                Unsafe.Add(ref m, i) = mi;
                Unsafe.Add(ref v, i) = vi;
                float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
                Unsafe.Add(ref p, i) = pi + (-stepSize) * (mi / denom);
            }
        }

        private static int AdamSimd(ref float p, ref float g, ref float m, ref float v, int n, float decay, float l2,
                                        float beta1, float oneMinusB1, float beta2, float oneMinusB2, float bc2Sqrt, float eps, float stepSize)
           
        {
            Vector<float> vdecay = new Vector<float>(decay), vl2 = new Vector<float>(l2), vb1 = new Vector<float>(beta1), vb1c = new Vector<float>(oneMinusB1);
            Vector<float> vb2 = new Vector<float>(beta2), vb2c = new Vector<float>(oneMinusB2), vbc2 = new Vector<float>(bc2Sqrt), veps = new Vector<float>(eps), vstep = new Vector<float>(-stepSize);
            int i = 0;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> vp = Vector.LoadUnsafe(ref p, (nuint)i) * vdecay;
                Vector<float> vg = Vector.LoadUnsafe(ref g, (nuint)i) + vl2 * vp;
                Vector<float> vm = Vector.LoadUnsafe(ref m, (nuint)i) * vb1 + vb1c * vg;
                Vector<float> vv = Vector.LoadUnsafe(ref v, (nuint)i) * vb2 + vb2c * vg * vg;
                Vector.StoreUnsafe(vm, ref m, (nuint)i);
                Vector.StoreUnsafe(vv, ref v, (nuint)i);
                Vector<float> denom = Vector.SquareRoot(vv) / vbc2 + veps;
                Vector.StoreUnsafe(vp + vstep * (vm / denom), ref p, (nuint)i);
            }
            return i;
        }

        private static int Check(Span<float> param, ReadOnlySpan<float> grad)
        {
            if (grad.Length != param.Length) throw new ArgumentException("The gradient's length differs from the parameter's.", nameof(grad));
            return param.Length;
        }
    }
}
