using CnnGen.Cuda;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.Tests.Cuda
{
    /// <summary>On-device tests: SKIPPED (with the reason) where no CUDA driver is found.</summary>
    public sealed class CudaDeviceTests
    {
        private readonly ITestOutputHelper _output;
        public CudaDeviceTests(ITestOutputHelper output) => _output = output;

        [CudaFact] public void Device_opens_and_reports_name_and_compute_capability() => _output.WriteLine(GpuChecks.DeviceOpens());
        [CudaFact] public void Host_device_round_trip_is_exact() => GpuChecks.RoundTrip();
        [CudaFact] public void Nvrtc_compiled_kernel_runs() => GpuChecks.NvrtcKernelRuns();
        [CudaFact] public void Glue_kernels_compile() => GpuChecks.GlueKernelsCompile();
        [CudaFact] public void Dropout_mask_matches_the_cpu_hash() => GpuChecks.DropoutMaskMatchesCpuHash();
        [CudaFact] public void Cublas_sgemm_matches_float64_reference() => GpuChecks.CublasSgemmMatchesCpu();
        [CudaFact] public void Cudnn_convolution_matches_float64_reference() => GpuChecks.CudnnConvolutionMatchesCpu();

        [Fact]
        public void IsAvailable_gives_a_reason_when_false()
        {
            bool available = CudaDevice.IsAvailable(out string reason);
            if (!available) Assert.False(string.IsNullOrWhiteSpace(reason));
            else Assert.Equal("", reason);
        }
    }
}
