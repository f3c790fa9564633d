using System;

namespace CnnGen.Cuda
{
    /// <summary>A cuBLAS context bound to one stream, FP32 math without TF32.</summary>
    public sealed unsafe class CublasHandle : CudaHandle
    {
        private CublasHandle(nint handle, nint context) : base(handle, context) { }

        /// <summary>
        /// Creates a handle in <paramref name="device"/>'s context, bound to <paramref name="stream"/>, with
        /// CUBLAS_DEFAULT_MATH (FP32 GEMMs stay FP32: no TF32 tensor cores, matching the CPU backend and PyTorch's
        /// default <c>allow_tf32 = False</c> for matmul) and host-side alpha/beta.
        /// </summary>
        public static CublasHandle Create(CudaDevice device, CudaStream stream)
        {
            ArgumentNullException.ThrowIfNull(device);
            ArgumentNullException.ThrowIfNull(stream);
            CudaNative.Require(CudaLibrary.Cublas);
            device.MakeCurrent();
            CudaStatus.CheckCublas(Cublas.cublasCreate_v2(out nint h), "cublasCreate_v2");
            var handle = new CublasHandle(h, device.Context);
            try
            {
                CudaStatus.CheckCublas(Cublas.cublasSetStream_v2(h, stream.Raw), "cublasSetStream_v2");
                CudaStatus.CheckCublas(Cublas.cublasSetMathMode(h, Cublas.DefaultMath), "cublasSetMathMode(CUBLAS_DEFAULT_MATH)");
                CudaStatus.CheckCublas(Cublas.cublasSetPointerMode_v2(h, Cublas.PointerModeHost), "cublasSetPointerMode_v2");
            }
            catch
            {
                handle.Dispose();
                throw;
            }
            return handle;
        }

        /// <summary>
        /// Gives cuBLAS a fixed workspace so it never allocates while a CUDA graph is being captured
        /// (NVIDIA suggests 4 MiB on Hopper; 32 MiB covers every case).
        /// </summary>
        public void SetWorkspace(DeviceBuffer workspace)
            => CudaStatus.CheckCublas(Cublas.cublasSetWorkspace_v2(Raw, workspace.Pointer, (nuint)workspace.Bytes), "cublasSetWorkspace_v2");

        /// <summary>
        /// Row-major C[m×n] = alpha·op(A)·op(B) + beta·C, where op(A) is m×k and op(B) is k×n; A is stored m×k
        /// (k×m when <paramref name="transposeA"/>), B k×n (n×k when <paramref name="transposeB"/>). cuBLAS is
        /// column-major, so this computes Cᵀ = op(B)ᵀ·op(A)ᵀ with the operands swapped; no copy is made.
        /// </summary>
        public void SgemmRowMajor(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c)
        {
            if (m < 1 || n < 1 || k < 1) throw new ArgumentOutOfRangeException(nameof(m), $"Sgemm sizes must be positive, got m={m}, n={n}, k={k}.");
            Need(a, (long)m * k, "A"); Need(b, (long)k * n, "B"); Need(c, (long)m * n, "C");
            int lda = transposeA ? m : k;   // row length of A as stored
            int ldb = transposeB ? k : n;   // row length of B as stored
            CudaStatus.CheckCublas(
                Cublas.cublasSgemm_v2(Raw, transposeB ? Cublas.OpT : Cublas.OpN, transposeA ? Cublas.OpT : Cublas.OpN,
                                      n, m, k, &alpha, b.Pointer, ldb, a.Pointer, lda, &beta, c.Pointer, n),
                "cublasSgemm_v2");
        }

        private static void Need(DeviceBuffer buffer, long floats, string name)
        {
            ArgumentNullException.ThrowIfNull(buffer, name);
            if (buffer.FloatCount < floats)
                throw new ArgumentException($"Sgemm: {name} needs {floats} floats, its buffer holds {buffer.FloatCount}.", name);
        }

        private protected override int Release(nint raw) => Cublas.cublasDestroy_v2(raw);
    }
}
