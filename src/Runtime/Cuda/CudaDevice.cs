using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace CnnGen.Cuda
{
    /// <summary>
    /// One GPU through its primary context (the context the CUDA runtime, cuBLAS and cuDNN also use, so handles made
    /// by those libraries and memory made here are interchangeable). Open with <see cref="Open"/>; Dispose releases the
    /// primary-context reference.
    /// </summary>
    public sealed unsafe class CudaDevice : IDisposable
    {
        private readonly int _device;
        private nint _context;

        private CudaDevice(int ordinal, int device, nint context)
        {
            Ordinal = ordinal;
            _device = device;
            _context = context;
        }

        /// <summary>The device's index among CUDA devices.</summary>
        public int Ordinal { get; }
        /// <summary>The marketing name, e.g. "NVIDIA H100 80GB HBM3".</summary>
        public string Name { get; private init; } = "";
        /// <summary>Compute capability major (9 for Hopper).</summary>
        public int ComputeCapabilityMajor { get; private init; }
        /// <summary>Compute capability minor.</summary>
        public int ComputeCapabilityMinor { get; private init; }
        /// <summary>Device memory in bytes.</summary>
        public long TotalMemoryBytes { get; private init; }
        /// <summary>Number of streaming multiprocessors.</summary>
        public int MultiprocessorCount { get; private init; }
        /// <summary>The driver's CUDA version as 1000·major + 10·minor (13000 for CUDA 13.0).</summary>
        public int DriverVersion { get; private init; }

        /// <summary>The NVRTC architecture option for this device, e.g. <c>sm_90</c>.</summary>
        public string Architecture => "sm_" + ComputeCapabilityMajor.ToString(CultureInfo.InvariantCulture) + ComputeCapabilityMinor.ToString(CultureInfo.InvariantCulture);

        /// <summary>One line: name, compute capability, memory and driver version.</summary>
        public override string ToString()
            => string.Create(CultureInfo.InvariantCulture,
                $"{Name} (device {Ordinal}, compute capability {ComputeCapabilityMajor}.{ComputeCapabilityMinor}, {TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, CUDA driver {DriverVersion / 1000}.{DriverVersion % 1000 / 10})");

        /// <summary>
        /// True when the driver library loads, initialises and reports at least one device; otherwise false with
        /// <paramref name="reason"/> saying what failed (including every place the library was looked for).
        /// </summary>
        public static bool IsAvailable(out string reason)
        {
            try
            {
                CudaNative.Require(CudaLibrary.Driver);
                CudaStatus.CheckDriver(Driver.cuInit(0), "cuInit");
                CudaStatus.CheckDriver(Driver.cuDeviceGetCount(out int count), "cuDeviceGetCount");
                if (count < 1)
                {
                    reason = "The CUDA driver loaded but reports no device.";
                    return false;
                }
                reason = "";
                return true;
            }
            catch (CudaUnavailableException e) { reason = e.Message; }
            catch (CudaException e) { reason = "The CUDA driver is present but unusable: " + e.Message; }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                reason = "The CUDA driver library could not be bound: " + e.Message;
            }
            return false;
        }

        /// <summary>
        /// Initialises the driver, retains device <paramref name="ordinal"/>'s primary context, makes it current on
        /// this thread and reads the device's name and compute capability.
        /// </summary>
        public static CudaDevice Open(int ordinal = 0)
        {
            CudaNative.Require(CudaLibrary.Driver);
            CudaStatus.CheckDriver(Driver.cuInit(0), "cuInit");
            CudaStatus.CheckDriver(Driver.cuDeviceGetCount(out int count), "cuDeviceGetCount");
            if (ordinal < 0 || ordinal >= count)
                throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"There are {count} CUDA devices; device {ordinal} does not exist.");
            CudaStatus.CheckDriver(Driver.cuDeviceGet(out int device, ordinal), "cuDeviceGet");

            byte* name = stackalloc byte[256];
            CudaStatus.CheckDriver(Driver.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            CudaStatus.CheckDriver(Driver.cuDeviceGetAttribute(out int major, Driver.AttrComputeCapabilityMajor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
            CudaStatus.CheckDriver(Driver.cuDeviceGetAttribute(out int minor, Driver.AttrComputeCapabilityMinor, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
            CudaStatus.CheckDriver(Driver.cuDeviceGetAttribute(out int sms, Driver.AttrMultiprocessorCount, device), "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)");
            CudaStatus.CheckDriver(Driver.cuDeviceTotalMem_v2(out nuint total, device), "cuDeviceTotalMem_v2");
            CudaStatus.CheckDriver(Driver.cuDriverGetVersion(out int driverVersion), "cuDriverGetVersion");

            CudaStatus.CheckDriver(Driver.cuDevicePrimaryCtxRetain(out nint context, device), "cuDevicePrimaryCtxRetain");
            int set = Driver.cuCtxSetCurrent(context);
            if (set != 0)
            {
                Driver.cuDevicePrimaryCtxRelease_v2(device);
                throw CudaStatus.DriverError(set, "cuCtxSetCurrent");
            }
            return new CudaDevice(ordinal, device, context)
            {
                Name = Marshal.PtrToStringUTF8((nint)name) ?? "",
                ComputeCapabilityMajor = major,
                ComputeCapabilityMinor = minor,
                MultiprocessorCount = sms,
                TotalMemoryBytes = (long)total,
                DriverVersion = driverVersion,
            };
        }

        internal nint Context
        {
            get
            {
                ObjectDisposedException.ThrowIf(_context == 0, this);
                return _context;
            }
        }

        /// <summary>Makes this device's context current on the calling thread (each thread that calls CUDA needs it once).</summary>
        public void MakeCurrent() => CudaStatus.CheckDriver(Driver.cuCtxSetCurrent(Context), "cuCtxSetCurrent");

        /// <summary>Waits for all work on the device.</summary>
        public void Synchronize() => CudaStatus.CheckDriver(Driver.cuCtxSynchronize(), "cuCtxSynchronize");

        /// <summary>Allocates <paramref name="bytes"/> bytes of device memory (uninitialised).</summary>
        public DeviceBuffer Allocate(long bytes)
        {
            if (bytes < 1) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A device allocation must be at least one byte.");
            nint ctx = Context;
            int status = Driver.cuMemAlloc_v2(out ulong pointer, (nuint)bytes);
            if (status != 0) throw CudaStatus.DriverError(status, "cuMemAlloc_v2(" + bytes.ToString(CultureInfo.InvariantCulture) + " bytes)");
            return new DeviceBuffer(pointer, bytes, ctx);
        }

        /// <summary>Allocates room for <paramref name="count"/> floats.</summary>
        public DeviceBuffer AllocateFloats(long count) => Allocate(checked(count * sizeof(float)));

        /// <summary>Creates a non-blocking stream.</summary>
        public CudaStream CreateStream()
        {
            nint ctx = Context;
            CudaStatus.CheckDriver(Driver.cuStreamCreate(out nint stream, Driver.StreamNonBlocking), "cuStreamCreate");
            return new CudaStream(stream, ctx);
        }

        /// <summary>Loads a CUBIN (from <see cref="NvrtcCompiler"/>) into this context.</summary>
        public CudaModule LoadModule(byte[] cubin)
        {
            ArgumentNullException.ThrowIfNull(cubin);
            if (cubin.Length == 0) throw new ArgumentException("The module image is empty.", nameof(cubin));
            nint ctx = Context;
            nint module;
            fixed (byte* image = cubin) CudaStatus.CheckDriver(Driver.cuModuleLoadData(out module, image), "cuModuleLoadData");
            return new CudaModule(module, ctx);
        }

        /// <summary>Compiles <paramref name="source"/> for this device's architecture and loads it.</summary>
        public CudaModule CompileModule(string source, string programName, params string[] extraOptions)
            => LoadModule(NvrtcCompiler.CompileToCubin(source, programName, Architecture, extraOptions));

        /// <summary>Copies host floats to the start of <paramref name="destination"/> (synchronous).</summary>
        public void CopyToDevice<T>(ReadOnlySpan<T> source, DeviceBuffer destination) where T : unmanaged
        {
            long bytes = CheckFits(source.Length, sizeof(T), destination, "CopyToDevice");
            if (bytes == 0) return;
            fixed (T* s = source) CudaStatus.CheckDriver(Driver.cuMemcpyHtoD_v2(destination.Pointer, s, (nuint)bytes), "cuMemcpyHtoD_v2");
        }

        /// <summary>Copies the start of <paramref name="source"/> to host memory (synchronous).</summary>
        public void CopyToHost<T>(DeviceBuffer source, Span<T> destination) where T : unmanaged
        {
            long bytes = CheckFits(destination.Length, sizeof(T), source, "CopyToHost");
            if (bytes == 0) return;
            fixed (T* d = destination) CudaStatus.CheckDriver(Driver.cuMemcpyDtoH_v2(d, source.Pointer, (nuint)bytes), "cuMemcpyDtoH_v2");
        }

        /// <summary>Copies <paramref name="bytes"/> bytes device to device (synchronous with respect to the host).</summary>
        public void CopyDeviceToDevice(DeviceBuffer source, DeviceBuffer destination, long bytes)
        {
            if (bytes < 0 || bytes > source.Bytes || bytes > destination.Bytes)
                throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"CopyDeviceToDevice: {bytes} bytes do not fit (source {source.Bytes}, destination {destination.Bytes}).");
            if (bytes == 0) return;
            CudaStatus.CheckDriver(Driver.cuMemcpyDtoD_v2(destination.Pointer, source.Pointer, (nuint)bytes), "cuMemcpyDtoD_v2");
        }

        /// <summary>Queues a host-to-device copy on <paramref name="stream"/>. The host memory must stay pinned/alive until the stream reaches it.</summary>
        public void CopyToDeviceAsync(nint hostSource, DeviceBuffer destination, long bytes, CudaStream stream)
        {
            if (bytes < 0 || bytes > destination.Bytes) throw new ArgumentOutOfRangeException(nameof(bytes));
            CudaStatus.CheckDriver(Driver.cuMemcpyHtoDAsync_v2(destination.Pointer, (void*)hostSource, (nuint)bytes, stream.Raw), "cuMemcpyHtoDAsync_v2");
        }

        /// <summary>Queues a device-to-host copy on <paramref name="stream"/>.</summary>
        public void CopyToHostAsync(DeviceBuffer source, nint hostDestination, long bytes, CudaStream stream)
        {
            if (bytes < 0 || bytes > source.Bytes) throw new ArgumentOutOfRangeException(nameof(bytes));
            CudaStatus.CheckDriver(Driver.cuMemcpyDtoHAsync_v2((void*)hostDestination, source.Pointer, (nuint)bytes, stream.Raw), "cuMemcpyDtoHAsync_v2");
        }

        /// <summary>Queues a device-to-device copy on <paramref name="stream"/>.</summary>
        public void CopyDeviceToDeviceAsync(DeviceBuffer source, DeviceBuffer destination, long bytes, CudaStream stream)
        {
            if (bytes < 0 || bytes > source.Bytes || bytes > destination.Bytes) throw new ArgumentOutOfRangeException(nameof(bytes));
            CudaStatus.CheckDriver(Driver.cuMemcpyDtoDAsync_v2(destination.Pointer, source.Pointer, (nuint)bytes, stream.Raw), "cuMemcpyDtoDAsync_v2");
        }

        /// <summary>Queues a fill of the first <paramref name="count"/> 32-bit words with <paramref name="bits"/> (0 for zeros).</summary>
        public void Fill32Async(DeviceBuffer destination, uint bits, long count, CudaStream stream)
        {
            if (count < 0 || count * 4 > destination.Bytes) throw new ArgumentOutOfRangeException(nameof(count));
            CudaStatus.CheckDriver(Driver.cuMemsetD32Async(destination.Pointer, bits, (nuint)count, stream.Raw), "cuMemsetD32Async");
        }

        private static long CheckFits(int elements, int elementSize, DeviceBuffer buffer, string what)
        {
            ArgumentNullException.ThrowIfNull(buffer);
            long bytes = (long)elements * elementSize;
            if (bytes > buffer.Bytes)
                throw new ArgumentException($"{what}: {bytes} bytes do not fit in a device buffer of {buffer.Bytes} bytes.");
            return bytes;
        }

        /// <summary>Releases the primary-context reference (buffers made here must be disposed first).</summary>
        public void Dispose()
        {
            if (_context == 0) return;
            _context = 0;
            Driver.cuDevicePrimaryCtxRelease_v2(_device);
        }

        /// <summary>A short description of the device, as text for logs.</summary>
        public string Describe()
        {
            var sb = new StringBuilder(ToString());
            sb.Append(", ").Append(MultiprocessorCount.ToString(CultureInfo.InvariantCulture)).Append(" SMs");
            return sb.ToString();
        }
    }
}
