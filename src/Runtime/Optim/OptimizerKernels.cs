using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;

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
        public static void Adam(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
                                float decay, float l2, float beta1, float beta2, float bc2Sqrt, float eps, float stepSize)
        {
            int n = Check(param, grad);
            if (expAvg.Length != n || expAvgSq.Length != n) throw new ArgumentException("The moment buffers' length differs from the parameter's.", nameof(expAvg));
            ref float p = ref MemoryMarshal.GetReference(param);
            ref float g = ref MemoryMarshal.GetReference(grad);
            ref float m = ref MemoryMarshal.GetReference(expAvg);
            ref float v = ref MemoryMarshal.GetReference(expAvgSq);
            float oneMinusB1 = (float)(1.0 - beta1), oneMinusB2 = (float)(1.0 - beta2);
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
