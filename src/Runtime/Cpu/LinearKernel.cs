using System;
using System.Numerics.Tensors;
using CnnGen.Cpu.Gemm;

namespace CnnGen.Cpu
{
    /// <summary>Linear (fully connected) forward and backward. Weight layout [out, in] as PyTorch's.</summary>
    /// <remarks>Each product is one <see cref="Sgemm"/> call, parallel inside the GEMM; bias and ReLU ride in its epilogue.</remarks>
    public static unsafe class LinearKernel
    {
        /// <summary>y[n, out] = x[n, in] · weightᵀ + bias, then the epilogue. <paramref name="bias"/> may be empty.</summary>
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
                var e = new GemmEpilogue { ColumnBias = pb, Relu = epilogue == Epilogue.ReLU };
                Sgemm.Multiply(false, true, n, outFeatures, inFeatures, px, inFeatures, pw, inFeatures, py, outFeatures, accumulate: false, e);
            }
        }

        /// <summary>
        /// dx = dy · W (skipped when dx is empty), dW = dyᵀ · x, dBias = Σₙ dy (skipped when empty); overwritten, not
        /// accumulated. With <see cref="Epilogue.ReLU"/> dy is first masked by y &gt; 0 in place.
        /// </summary>
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

            fixed (float* px = x.Span, pw = weight.Span, py = y.Span, pdy = dy.Span, pdx = dx.Span, pdw = dWeight.Span, pdb = dBias.Span)
            {
                if (epilogue == Epilogue.ReLU) DenseScratch.ReluMask(py, pdy, (long)n * outFeatures);

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
