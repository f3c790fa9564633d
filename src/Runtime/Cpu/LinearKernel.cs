using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CnnGen.Cpu.Gemm;

namespace CnnGen.Cpu
{
    /// <summary>Linear (fully connected) forward and backward. Weight layout [out, in] as PyTorch's.</summary>
    /// <remarks>Each product is one <see cref="Sgemm"/> call, parallel inside the GEMM; bias and ReLU ride in its epilogue.</remarks>
    public static unsafe class LinearKernel
    {
        /// <summary>y[n, out] = x[n, in] · weightᵀ + bias, then the epilogue. <paramref name="bias"/> may be empty.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(FloatBuffer x, FloatBuffer weight, FloatBuffer bias, FloatBuffer y, int n, int inFeatures, int outFeatures, Epilogue epilogue)
        {
            Validate(n, inFeatures, outFeatures, nameof(Forward));
            Require(x, (long)n * inFeatures, nameof(x), nameof(Forward));
            Require(weight, (long)outFeatures * inFeatures, nameof(weight), nameof(Forward));
            if (!bias.IsEmpty) Require(bias, outFeatures, nameof(bias), nameof(Forward));
            Require(y, (long)n * outFeatures, nameof(y), nameof(Forward));
            if (n == 0) return;

            fixed (float* px = x.Span, pw = weight.Span, pb = bias.Span, py = y.Span)
            {
                if (n <= SmallBatch)
                {
                    for (int i = 0; i < n; i++)
                        MatVec(px + (long)i * inFeatures, pw, pb, py + (long)i * outFeatures, inFeatures, outFeatures, epilogue == Epilogue.ReLU);
                    return;
                }
                var e = new GemmEpilogue { ColumnBias = pb, Relu = epilogue == Epilogue.ReLU };
                Sgemm.Multiply(false, true, n, outFeatures, inFeatures, px, inFeatures, pw, inFeatures, py, outFeatures, accumulate: false, e);
            }
        }

        /// <summary>
        /// dx = dy · W (skipped when dx is empty), dW = dyᵀ · x, dBias = Σₙ dy (skipped when empty); overwritten, not
        /// accumulated. With <see cref="Epilogue.ReLU"/> dy is first masked by y &gt; 0 in place.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward(FloatBuffer x, FloatBuffer weight, FloatBuffer y, FloatBuffer dy, FloatBuffer dx,
            FloatBuffer dWeight, FloatBuffer dBias, int n, int inFeatures, int outFeatures, Epilogue epilogue)
        {
            Validate(n, inFeatures, outFeatures, nameof(Backward));
            Require(x, (long)n * inFeatures, nameof(x), nameof(Backward));
            Require(weight, (long)outFeatures * inFeatures, nameof(weight), nameof(Backward));
            if (epilogue == Epilogue.ReLU) Require(y, (long)n * outFeatures, nameof(y), nameof(Backward));
            Require(dy, (long)n * outFeatures, nameof(dy), nameof(Backward));
            if (!dx.IsEmpty) Require(dx, (long)n * inFeatures, nameof(dx), nameof(Backward));
            Require(dWeight, (long)outFeatures * inFeatures, nameof(dWeight), nameof(Backward));
            if (!dBias.IsEmpty) Require(dBias, outFeatures, nameof(dBias), nameof(Backward));

            // The fused ReLU's backward: the same rule as a standalone ReLU layer's, applied to dy in place.
            if (epilogue == Epilogue.ReLU && n > 0)
            {
                int length = n * outFeatures;
                ActivationKernel.Backward(ActivationKind.ReLU, y.Slice(0, length), dy.Slice(0, length), dy.Slice(0, length), length);
            }

            fixed (float* px = x.Span, pw = weight.Span, pdy = dy.Span, pdx = dx.Span, pdw = dWeight.Span, pdb = dBias.Span)
            {

                // dx[n, in] = dy[n, out] · W[out, in]
                if (pdx != null)
                    Sgemm.Multiply(false, false, n, inFeatures, outFeatures, pdy, outFeatures, pw, inFeatures, pdx, inFeatures, accumulate: false);

                // dW[out, in] = dyᵀ[out, n] · x[n, in]   (n = 0 gives zeros)
                Sgemm.Multiply(true, false, outFeatures, inFeatures, n, pdy, outFeatures, px, inFeatures, pdw, inFeatures, accumulate: false);

                if (pdb != null)
                {
                    var db = new Span<float>(pdb, outFeatures);
                    db.Clear();
                    for (int i = 0; i < n; i++)
                        TensorPrimitives.Add(db, new ReadOnlySpan<float>(pdy + (long)i * outFeatures, outFeatures), db);
                }
            }
        }

        // Up to this many samples the forward runs as matrix-vector products straight over the weight: the GEMM
        // would first pack all of W (out·in floats, transposed) to use it for a handful of rows, which made a
        // batch-1 forward of a 3136→128 layer cost four times what reading the weight once does.
        private const int SmallBatch = 4;

        /// <summary>y[o] = relu?(Σ_k x[k]·w[o, k] + bias[o]) for one sample; four weight rows per pass share each load of x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MatVec(float* x, float* w, float* bias, float* y, int inFeatures, int outFeatures, bool relu)
        {
            int o = 0;
            if (Vector512.IsHardwareAccelerated && inFeatures >= 16)
            {
                for (; o + 4 <= outFeatures; o += 4)
                {
                    float* w0 = w + (long)o * inFeatures, w1 = w0 + inFeatures, w2 = w1 + inFeatures, w3 = w2 + inFeatures;
                    Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                    int k = 0;
                    for (; k + 16 <= inFeatures; k += 16)
                    {
                        Vector512<float> xv = Vector512.Load(x + k);
                        s0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w0 + k), s0);
                        s1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w1 + k), s1);
                        s2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w2 + k), s2);
                        s3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w3 + k), s3);
                    }
                    float d0 = Vector512.Sum(s0), d1 = Vector512.Sum(s1), d2 = Vector512.Sum(s2), d3 = Vector512.Sum(s3);
                    for (; k < inFeatures; k++)
                    {
                        float xk = x[k];
                        d0 += xk * w0[k]; d1 += xk * w1[k]; d2 += xk * w2[k]; d3 += xk * w3[k];
                    }
                    y[o] = Finish(d0, bias, o, relu);
                    y[o + 1] = Finish(d1, bias, o + 1, relu);
                    y[o + 2] = Finish(d2, bias, o + 2, relu);
                    y[o + 3] = Finish(d3, bias, o + 3, relu);
                }
            }
            for (; o < outFeatures; o++)
            {
                float d = TensorPrimitives.Dot(new ReadOnlySpan<float>(x, inFeatures), new ReadOnlySpan<float>(w + (long)o * inFeatures, inFeatures));
                y[o] = Finish(d, bias, o, relu);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Finish(float d, float* bias, int o, bool relu)
        {
            if (bias != null) d += bias[o];
            return relu ? Relu.Of(d) : d;
        }

        private static void Validate(int n, int inFeatures, int outFeatures, string method)
        {
            if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"LinearKernel.{method}: the batch size must not be negative.");
            if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, $"LinearKernel.{method}: in_features must be positive.");
            if (outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, $"LinearKernel.{method}: out_features must be positive.");
        }

        private static void Require(FloatBuffer b, long floats, string name, string method)
        {
            if (b.Length < floats)
                throw new ArgumentException($"LinearKernel.{method}: {name} holds {b.Length} floats but {floats} are needed.", name);
        }
    }
}
