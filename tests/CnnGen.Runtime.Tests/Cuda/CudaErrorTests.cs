using System;
using CnnGen.Cuda;
using Xunit;

namespace CnnGen.Tests.Cuda
{
    /// <summary>Status codes become exceptions naming the call and the status (no GPU needed: the fallback tables).</summary>
    public sealed class CudaErrorTests
    {
        [Theory]
        [InlineData(2, "CUDA_ERROR_OUT_OF_MEMORY")]
        [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
        [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
        [InlineData(209, "CUDA_ERROR_NO_BINARY_FOR_GPU")]
        [InlineData(12345, "CUresult 12345")]
        public void Driver_status_names(int status, string name) => Assert.Equal(name, CudaStatus.DriverName(status));

        [Theory]
        [InlineData(2000, "CUDNN_STATUS_BAD_PARAM")]
        [InlineData(2002, "CUDNN_STATUS_BAD_PARAM_NULL_POINTER")]
        [InlineData(3000, "CUDNN_STATUS_NOT_SUPPORTED")]
        [InlineData(3012, "CUDNN_STATUS_NOT_SUPPORTED (sub-code 3012)")]
        [InlineData(5000, "CUDNN_STATUS_EXECUTION_FAILED")]
        [InlineData(77, "cudnnStatus_t 77")]
        public void Cudnn9_status_names_by_category(int status, string name) => Assert.Equal(name, CudaStatus.CudnnName(status));

        [Theory]
        [InlineData(7, "CUBLAS_STATUS_INVALID_VALUE")]
        [InlineData(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
        public void Cublas_status_names(int status, string name) => Assert.Equal(name, CudaStatus.CublasName(status));

        [Theory]
        [InlineData(6, "NVRTC_ERROR_COMPILATION")]
        [InlineData(5, "NVRTC_ERROR_INVALID_OPTION")]
        public void Nvrtc_status_names(int status, string name) => Assert.Equal(name, CudaStatus.NvrtcName(status));

        [Fact]
        public void Exception_text_names_call_status_and_number()
        {
            var e = new CudaException(CudaApi.Driver, "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory");
            Assert.Equal("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", e.Message);
            Assert.Equal(2, e.Status);
            Assert.Equal(CudaApi.Driver, e.Api);
        }

        [Fact]
        public void A_description_equal_to_the_name_is_not_repeated()
        {
            var e = new CudaException(CudaApi.Cudnn, "cudnnCreate", 1001, "CUDNN_STATUS_NOT_INITIALIZED", "CUDNN_STATUS_NOT_INITIALIZED");
            Assert.Equal("cudnnCreate failed: CUDNN_STATUS_NOT_INITIALIZED (1001)", e.Message);
        }

        [Fact]
        public void Error_factories_use_the_library_tables_when_nothing_is_loaded()
        {
            // Without a loaded library the text comes from the tables only (the shared resolver may have loaded a real
            // driver on a GPU machine, in which case the driver's own name is used; both start the same way).
            CudaException e = CudaStatus.CublasError(7, "cublasSgemm_v2");
            Assert.StartsWith("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7)", e.Message, StringComparison.Ordinal);
            Assert.Equal(CudaApi.Cublas, e.Api);
            CudaException d = CudaStatus.CudnnError(2000, "cudnnConvolutionForward");
            Assert.StartsWith("cudnnConvolutionForward failed: CUDNN_STATUS_BAD_PARAM (2000)", d.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Unavailable_exception_lists_attempts_one_per_line()
        {
            var e = new CudaUnavailableException("libcuda.so.1", new[] { "/x/libcuda.so.1 (missing)", "/y/libcuda.so.1 (missing)" });
            string[] lines = e.Message.Split(Environment.NewLine);
            Assert.Equal(3, lines.Length);
            Assert.Equal("  /x/libcuda.so.1 (missing)", lines[1]);
            Assert.Contains("libcuda.so.1 was not found", lines[0], StringComparison.Ordinal);
        }
    }
}
