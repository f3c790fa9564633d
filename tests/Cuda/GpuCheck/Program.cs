using System;
using CnnGen.Cuda;
using CnnGen.Tests.Cuda;

// Runs each on-device check and prints PASS/FAIL/SKIP; exit code 0 only when every check passed.
if (!CudaDevice.IsAvailable(out string reason))
{
    Console.WriteLine("SKIP all: no CUDA driver/library found: " + reason);
    return 2;
}
var checks = new (string Name, Action Run)[]
{
    ("device opens", () => Console.WriteLine("  " + GpuChecks.DeviceOpens())),
    ("HtoD/DtoD/DtoH round trip", GpuChecks.RoundTrip),
    ("NVRTC kernel runs", GpuChecks.NvrtcKernelRuns),
    ("glue kernels compile", GpuChecks.GlueKernelsCompile),
    ("dropout mask = CPU hash", GpuChecks.DropoutMaskMatchesCpuHash),
    ("cuBLAS sgemm vs float64", GpuChecks.CublasSgemmMatchesCpu),
    ("cuDNN conv+bias vs float64", GpuChecks.CudnnConvolutionMatchesCpu),
};
int failed = 0;
foreach (var (name, run) in checks)
{
    try { run(); Console.WriteLine("PASS " + name); }
    catch (Exception e) { failed++; Console.WriteLine("FAIL " + name + ": " + e); }
}
foreach (string note in CudaLibraryResolver.Shared.Notes) Console.WriteLine("note: " + note);
Console.WriteLine(failed == 0 ? "all passed" : failed + " failed");
return failed == 0 ? 0 : 1;
