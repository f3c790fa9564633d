using CnnGen.Cuda;
using Xunit;

namespace CnnGen.Tests.Cuda
{
    /// <summary>
    /// A fact that needs a CUDA device. Where none is usable it is reported as SKIPPED with the reason (every place the
    /// driver was looked for), never as passed.
    /// </summary>
    public sealed class CudaFactAttribute : FactAttribute
    {
        private static readonly string? s_skipReason = Probe();

        public CudaFactAttribute()
        {
            if (s_skipReason is not null) Skip = s_skipReason;
        }

        private static string? Probe()
            => CudaDevice.IsAvailable(out string reason) ? null : "no CUDA driver/library found: " + reason;
    }
}
