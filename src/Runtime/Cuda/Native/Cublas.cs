using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>cuBLAS v2 (cublas_v2.h), exported symbols with the <c>_v2</c> suffix. Column-major, like Fortran BLAS.</summary>
    internal static unsafe partial class Cublas
    {
        private const string Lib = CudaNative.CublasLibrary;

        /// <summary>cublasOperation_t.</summary>
        public const int OpN = 0, OpT = 1;

        /// <summary>
        /// cublasMath_t. DEFAULT_MATH keeps FP32 GEMMs in FP32 (no TF32) unless NVIDIA_TF32_OVERRIDE says otherwise;
        /// PEDANTIC_MATH also forbids reduced-precision internals; TF32_TENSOR_OP_MATH allows TF32 tensor cores.
        /// </summary>
        public const int DefaultMath = 0, PedanticMath = 2, Tf32TensorOpMath = 3;

        /// <summary>cublasPointerMode_t: alpha/beta live on the host.</summary>
        public const int PointerModeHost = 0;

        [LibraryImport(Lib)] public static partial int cublasCreate_v2(out nint handle);
        [LibraryImport(Lib)] public static partial int cublasDestroy_v2(nint handle);
        [LibraryImport(Lib)] public static partial int cublasGetVersion_v2(nint handle, out int version);
        [LibraryImport(Lib)] public static partial int cublasSetStream_v2(nint handle, nint streamId);
        [LibraryImport(Lib)] public static partial int cublasSetMathMode(nint handle, int mode);
        [LibraryImport(Lib)] public static partial int cublasSetPointerMode_v2(nint handle, int mode);
        /// <summary>A user workspace keeps cuBLAS from allocating during CUDA-graph capture.</summary>
        [LibraryImport(Lib)] public static partial int cublasSetWorkspace_v2(nint handle, ulong workspace, nuint workspaceSizeInBytes);

        [LibraryImport(Lib)]
        public static partial int cublasSgemm_v2(nint handle, int transa, int transb, int m, int n, int k,
                                                 float* alpha, ulong a, int lda, ulong b, int ldb,
                                                 float* beta, ulong c, int ldc);

        /// <summary>Static strings (cuBLAS 11.4.2 and later).</summary>
        [LibraryImport(Lib)] public static partial nint cublasGetStatusName(int status);
        [LibraryImport(Lib)] public static partial nint cublasGetStatusString(int status);
    }
}
