using System;
using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>
    /// Logical library names used by the <c>[LibraryImport]</c> bindings; <see cref="CudaLibraryResolver"/> maps them to
    /// real files. They are deliberately not real sonames, so nothing ever loads by accident through the default search.
    /// </summary>
    internal static class CudaNative
    {
        public const string DriverLibrary = "cnngen-cuda-driver";
        public const string NvrtcLibrary = "cnngen-cuda-nvrtc";
        public const string CublasLibrary = "cnngen-cuda-cublas";
        public const string CudnnLibrary = "cnngen-cuda-cudnn";

        /// <summary>Loads <paramref name="library"/> now, so a missing one fails with the full search report.</summary>
        public static void Require(CudaLibrary library)
        {
            CudaLibraryResolver.EnsureHooked();
            CudaLibraryResolver.Shared.Load(library);
        }

        /// <summary>A static C string (owned by the library) as a managed string.</summary>
        public static string? FromCString(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);
    }

    /// <summary>Status names for every library, with fallbacks that work without the library loaded.</summary>
    public static class CudaStatus
    {
        /// <summary>CUresult name, e.g. 2 → CUDA_ERROR_OUT_OF_MEMORY (cuGetErrorName when the driver is loaded).</summary>
        public static string DriverName(int status) => status switch
        {
            0 => "CUDA_SUCCESS",
            1 => "CUDA_ERROR_INVALID_VALUE",
            2 => "CUDA_ERROR_OUT_OF_MEMORY",
            3 => "CUDA_ERROR_NOT_INITIALIZED",
            4 => "CUDA_ERROR_DEINITIALIZED",
            34 => "CUDA_ERROR_STUB_LIBRARY",
            46 => "CUDA_ERROR_DEVICE_UNAVAILABLE",
            100 => "CUDA_ERROR_NO_DEVICE",
            101 => "CUDA_ERROR_INVALID_DEVICE",
            200 => "CUDA_ERROR_INVALID_IMAGE",
            201 => "CUDA_ERROR_INVALID_CONTEXT",
            209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
            218 => "CUDA_ERROR_INVALID_PTX",
            222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
            400 => "CUDA_ERROR_INVALID_HANDLE",
            500 => "CUDA_ERROR_NOT_FOUND",
            600 => "CUDA_ERROR_NOT_READY",
            700 => "CUDA_ERROR_ILLEGAL_ADDRESS",
            701 => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
            702 => "CUDA_ERROR_LAUNCH_TIMEOUT",
            719 => "CUDA_ERROR_LAUNCH_FAILED",
            801 => "CUDA_ERROR_NOT_SUPPORTED",
            803 => "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
            804 => "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
            900 => "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
            901 => "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
            905 => "CUDA_ERROR_STREAM_CAPTURE_UNJOINED",
            999 => "CUDA_ERROR_UNKNOWN",
            _ => "CUresult " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        /// <summary>nvrtcResult name.</summary>
        public static string NvrtcName(int status) => status switch
        {
            0 => "NVRTC_SUCCESS",
            1 => "NVRTC_ERROR_OUT_OF_MEMORY",
            2 => "NVRTC_ERROR_PROGRAM_CREATION_FAILURE",
            3 => "NVRTC_ERROR_INVALID_INPUT",
            4 => "NVRTC_ERROR_INVALID_PROGRAM",
            5 => "NVRTC_ERROR_INVALID_OPTION",
            6 => "NVRTC_ERROR_COMPILATION",
            7 => "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
            8 => "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
            9 => "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
            10 => "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID",
            11 => "NVRTC_ERROR_INTERNAL_ERROR",
            _ => "nvrtcResult " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        /// <summary>cublasStatus_t name.</summary>
        public static string CublasName(int status) => status switch
        {
            0 => "CUBLAS_STATUS_SUCCESS",
            1 => "CUBLAS_STATUS_NOT_INITIALIZED",
            3 => "CUBLAS_STATUS_ALLOC_FAILED",
            7 => "CUBLAS_STATUS_INVALID_VALUE",
            8 => "CUBLAS_STATUS_ARCH_MISMATCH",
            11 => "CUBLAS_STATUS_MAPPING_ERROR",
            13 => "CUBLAS_STATUS_EXECUTION_FAILED",
            14 => "CUBLAS_STATUS_INTERNAL_ERROR",
            15 => "CUBLAS_STATUS_NOT_SUPPORTED",
            16 => "CUBLAS_STATUS_LICENSE_ERROR",
            _ => "cublasStatus_t " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        /// <summary>
        /// cudnnStatus_t name. cuDNN 9 numbers statuses by category (1xxx not initialised, 2xxx bad parameter, 3xxx not
        /// supported, 4xxx internal error, 5xxx execution failed); a sub-code without its own entry is named by category.
        /// </summary>
        public static string CudnnName(int status)
        {
            string? exact = status switch
            {
                0 => "CUDNN_STATUS_SUCCESS",
                1001 => "CUDNN_STATUS_NOT_INITIALIZED",
                1002 => "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
                1003 => "CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH",
                1004 => "CUDNN_STATUS_DEPRECATED",
                1005 => "CUDNN_STATUS_LICENSE_ERROR",
                1006 => "CUDNN_STATUS_RUNTIME_IN_PROGRESS",
                1007 => "CUDNN_STATUS_RUNTIME_FP_OVERFLOW",
                1008 => "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED",
                2000 => "CUDNN_STATUS_BAD_PARAM",
                2001 => "CUDNN_STATUS_INVALID_VALUE",
                2002 => "CUDNN_STATUS_BAD_PARAM_NULL_POINTER",
                2003 => "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER",
                2004 => "CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED",
                2005 => "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND",
                2006 => "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT",
                2007 => "CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH",
                2008 => "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH",
                3000 => "CUDNN_STATUS_NOT_SUPPORTED",
                3007 => "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH",
                3009 => "CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE",
                4000 => "CUDNN_STATUS_INTERNAL_ERROR",
                4004 => "CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED",
                5000 => "CUDNN_STATUS_EXECUTION_FAILED",
                5001 => "CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER",
                _ => null,
            };
            if (exact is not null) return exact;
            string code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (status / 1000) switch
            {
                1 => "CUDNN_STATUS_NOT_INITIALIZED (sub-code " + code + ")",
                2 => "CUDNN_STATUS_BAD_PARAM (sub-code " + code + ")",
                3 => "CUDNN_STATUS_NOT_SUPPORTED (sub-code " + code + ")",
                4 => "CUDNN_STATUS_INTERNAL_ERROR (sub-code " + code + ")",
                5 => "CUDNN_STATUS_EXECUTION_FAILED (sub-code " + code + ")",
                _ => "cudnnStatus_t " + code,
            };
        }

        /// <summary>The exception for a failed driver call; asks the driver for name and text when it is loaded.</summary>
        public static CudaException DriverError(int status, string call)
        {
            string name = DriverName(status);
            string? text = null;
            if (CudaLibraryResolver.Shared.IsLoaded(CudaLibrary.Driver))
            {
                try
                {
                    if (Driver.cuGetErrorName(status, out nint n) == 0 && n != 0) name = CudaNative.FromCString(n) ?? name;
                    if (Driver.cuGetErrorString(status, out nint s) == 0 && s != 0) text = CudaNative.FromCString(s);
                }
                catch (EntryPointNotFoundException) { /* keep the fallback name */ }
            }
            return new CudaException(CudaApi.Driver, call, status, name, text);
        }

        /// <summary>The exception for a failed NVRTC call.</summary>
        public static CudaException NvrtcError(int status, string call)
        {
            string? text = null;
            if (CudaLibraryResolver.Shared.IsLoaded(CudaLibrary.Nvrtc))
            {
                try { text = CudaNative.FromCString(Nvrtc.nvrtcGetErrorString(status)); }
                catch (EntryPointNotFoundException) { }
            }
            return new CudaException(CudaApi.Nvrtc, call, status, NvrtcName(status), text);
        }

        /// <summary>The exception for a failed cuBLAS call.</summary>
        public static CudaException CublasError(int status, string call)
        {
            string? text = null;
            if (CudaLibraryResolver.Shared.IsLoaded(CudaLibrary.Cublas))
            {
                try { text = CudaNative.FromCString(Cublas.cublasGetStatusString(status)); }
                catch (EntryPointNotFoundException) { }
            }
            return new CudaException(CudaApi.Cublas, call, status, CublasName(status), text);
        }

        /// <summary>The exception for a failed cuDNN call.</summary>
        public static CudaException CudnnError(int status, string call)
        {
            string? text = null;
            if (CudaLibraryResolver.Shared.IsLoaded(CudaLibrary.Cudnn))
            {
                try { text = CudaNative.FromCString(Cudnn.cudnnGetErrorString(status)); }
                catch (EntryPointNotFoundException) { }
            }
            return new CudaException(CudaApi.Cudnn, call, status, CudnnName(status), text);
        }

        internal static void CheckDriver(int status, string call) { if (status != 0) throw DriverError(status, call); }
        internal static void CheckNvrtc(int status, string call) { if (status != 0) throw NvrtcError(status, call); }
        internal static void CheckCublas(int status, string call) { if (status != 0) throw CublasError(status, call); }
        internal static void CheckCudnn(int status, string call) { if (status != 0) throw CudnnError(status, call); }
    }
}
