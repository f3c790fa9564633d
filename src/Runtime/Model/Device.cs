namespace CnnGen
{
    /// <summary>Where a network's tensors live and its kernels run.</summary>
    public enum Device
    {
        /// <summary>The embedded CPU backend (SIMD kernels, no native dependency).</summary>
        Cpu = 0,

        /// <summary>An NVIDIA GPU through the driver API, cuBLAS, cuDNN and NVRTC (see <c>CnnGen.Cuda.CudaDevice</c>).</summary>
        Cuda = 1,
    }
}
