using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>
    /// CUDA driver API (cuda.h), the <c>_v2</c> entry points that cuda.h maps the plain names to on 64-bit Linux.
    /// Types: CUresult → int, CUdevice → int, CUdeviceptr → ulong, size_t → nuint, every other handle → nint.
    /// </summary>
    internal static unsafe partial class Driver
    {
        private const string Lib = CudaNative.DriverLibrary;

        /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR, MULTIPROCESSOR_COUNT.</summary>
        public const int AttrComputeCapabilityMajor = 75, AttrComputeCapabilityMinor = 76, AttrMultiprocessorCount = 16;

        /// <summary>CUstreamCaptureMode: GLOBAL = 0, THREAD_LOCAL = 1, RELAXED = 2.</summary>
        public const int CaptureModeGlobal = 0, CaptureModeThreadLocal = 1, CaptureModeRelaxed = 2;

        /// <summary>CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream.</summary>
        public const uint StreamNonBlocking = 1;

        [LibraryImport(Lib)] public static partial int cuInit(uint flags);
        [LibraryImport(Lib)] public static partial int cuDriverGetVersion(out int driverVersion);
        [LibraryImport(Lib)] public static partial int cuDeviceGetCount(out int count);
        [LibraryImport(Lib)] public static partial int cuDeviceGet(out int device, int ordinal);
        [LibraryImport(Lib)] public static partial int cuDeviceGetName(byte* name, int len, int dev);
        [LibraryImport(Lib)] public static partial int cuDeviceGetAttribute(out int pi, int attrib, int dev);
        [LibraryImport(Lib)] public static partial int cuDeviceTotalMem_v2(out nuint bytes, int dev);

        [LibraryImport(Lib)] public static partial int cuDevicePrimaryCtxRetain(out nint pctx, int dev);
        [LibraryImport(Lib)] public static partial int cuDevicePrimaryCtxRelease_v2(int dev);
        [LibraryImport(Lib)] public static partial int cuCtxSetCurrent(nint ctx);
        [LibraryImport(Lib)] public static partial int cuCtxSynchronize();

        [LibraryImport(Lib)] public static partial int cuMemAlloc_v2(out ulong dptr, nuint bytesize);
        [LibraryImport(Lib)] public static partial int cuMemFree_v2(ulong dptr);
        [LibraryImport(Lib)] public static partial int cuMemcpyHtoD_v2(ulong dstDevice, void* srcHost, nuint byteCount);
        [LibraryImport(Lib)] public static partial int cuMemcpyDtoH_v2(void* dstHost, ulong srcDevice, nuint byteCount);
        [LibraryImport(Lib)] public static partial int cuMemcpyDtoD_v2(ulong dstDevice, ulong srcDevice, nuint byteCount);
        [LibraryImport(Lib)] public static partial int cuMemcpyHtoDAsync_v2(ulong dstDevice, void* srcHost, nuint byteCount, nint hStream);
        [LibraryImport(Lib)] public static partial int cuMemcpyDtoHAsync_v2(void* dstHost, ulong srcDevice, nuint byteCount, nint hStream);
        [LibraryImport(Lib)] public static partial int cuMemcpyDtoDAsync_v2(ulong dstDevice, ulong srcDevice, nuint byteCount, nint hStream);
        [LibraryImport(Lib)] public static partial int cuMemsetD32Async(ulong dstDevice, uint ui, nuint n, nint hStream);

        [LibraryImport(Lib)] public static partial int cuStreamCreate(out nint phStream, uint flags);
        [LibraryImport(Lib)] public static partial int cuStreamDestroy_v2(nint hStream);
        [LibraryImport(Lib)] public static partial int cuStreamSynchronize(nint hStream);

        [LibraryImport(Lib)] public static partial int cuModuleLoadData(out nint module, void* image);
        [LibraryImport(Lib)] public static partial int cuModuleUnload(nint hmod);
        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int cuModuleGetFunction(out nint hfunc, nint hmod, string name);

        /// <summary>kernelParams: an array of pointers, one per kernel argument, each pointing at the argument's value.</summary>
        [LibraryImport(Lib)]
        public static partial int cuLaunchKernel(nint f, uint gridDimX, uint gridDimY, uint gridDimZ,
                                                 uint blockDimX, uint blockDimY, uint blockDimZ,
                                                 uint sharedMemBytes, nint hStream, void** kernelParams, void** extra);

        [LibraryImport(Lib)] public static partial int cuStreamBeginCapture_v2(nint hStream, int mode);
        [LibraryImport(Lib)] public static partial int cuStreamEndCapture(nint hStream, out nint phGraph);
        [LibraryImport(Lib)] public static partial int cuGraphInstantiateWithFlags(out nint phGraphExec, nint hGraph, ulong flags);
        [LibraryImport(Lib)] public static partial int cuGraphLaunch(nint hGraphExec, nint hStream);
        [LibraryImport(Lib)] public static partial int cuGraphDestroy(nint hGraph);
        [LibraryImport(Lib)] public static partial int cuGraphExecDestroy(nint hGraphExec);

        /// <summary>pStr receives a static string owned by the driver.</summary>
        [LibraryImport(Lib)] public static partial int cuGetErrorName(int error, out nint pStr);
        [LibraryImport(Lib)] public static partial int cuGetErrorString(int error, out nint pStr);
    }
}
