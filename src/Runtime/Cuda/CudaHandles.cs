using System;
using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>
    /// Base of every native CUDA object wrapper. Keeps the primary context it was made in, and makes it current before
    /// releasing: a finalizer runs on a thread where no context is current, and cuMemFree etc. would fail there.
    /// </summary>
    public abstract class CudaHandle : SafeHandle
    {
        private readonly nint _context;

        private protected CudaHandle(nint handle, nint context) : base(0, ownsHandle: true)
        {
            SetHandle(handle);
            _context = context;
        }

        /// <inheritdoc/>
        public override bool IsInvalid => handle == 0;

        /// <summary>The primary context this object belongs to.</summary>
        internal nint Context => _context;

        /// <summary>The raw handle (valid while this object is alive and not disposed).</summary>
        public nint Raw
        {
            get
            {
                ObjectDisposedException.ThrowIf(IsClosed, this);
                return handle;
            }
        }

        /// <inheritdoc/>
        protected sealed override bool ReleaseHandle()
        {
            if (_context != 0) Driver.cuCtxSetCurrent(_context);
            return Release(handle) == 0;
        }

        /// <summary>Frees the native object; returns the library's status (0 = success).</summary>
        private protected abstract int Release(nint raw);
    }

    /// <summary>A block of device memory from cuMemAlloc_v2.</summary>
    public sealed class DeviceBuffer : CudaHandle
    {
        internal DeviceBuffer(ulong pointer, long bytes, nint context) : base((nint)pointer, context) => Bytes = bytes;

        /// <summary>Size in bytes.</summary>
        public long Bytes { get; }

        /// <summary>Number of whole floats the buffer holds.</summary>
        public long FloatCount => Bytes / sizeof(float);

        /// <summary>The device address (CUdeviceptr).</summary>
        public ulong Pointer => (ulong)Raw;

        private protected override int Release(nint raw) => Driver.cuMemFree_v2((ulong)raw);
    }

    /// <summary>A CUDA stream (cuStreamCreate, non-blocking).</summary>
    public sealed class CudaStream : CudaHandle
    {
        internal CudaStream(nint stream, nint context) : base(stream, context) { }

        /// <summary>Waits until all work queued on the stream has finished.</summary>
        public void Synchronize() => CudaStatus.CheckDriver(Driver.cuStreamSynchronize(Raw), "cuStreamSynchronize");

        /// <summary>Starts capturing the work queued on this stream into a CUDA graph (thread-local capture mode).</summary>
        public void BeginCapture() => CudaStatus.CheckDriver(Driver.cuStreamBeginCapture_v2(Raw, Driver.CaptureModeThreadLocal), "cuStreamBeginCapture_v2");

        /// <summary>Ends the capture and instantiates the graph, ready to launch.</summary>
        public CudaGraphExec EndCapture()
        {
            CudaStatus.CheckDriver(Driver.cuStreamEndCapture(Raw, out nint graph), "cuStreamEndCapture");
            try
            {
                CudaStatus.CheckDriver(Driver.cuGraphInstantiateWithFlags(out nint exec, graph, 0), "cuGraphInstantiateWithFlags");
                return new CudaGraphExec(exec, Context);
            }
            finally
            {
                Driver.cuGraphDestroy(graph); // the executable graph keeps its own copy
            }
        }

        private protected override int Release(nint raw) => Driver.cuStreamDestroy_v2(raw);
    }

    /// <summary>An instantiated CUDA graph.</summary>
    public sealed class CudaGraphExec : CudaHandle
    {
        internal CudaGraphExec(nint exec, nint context) : base(exec, context) { }

        /// <summary>Queues the whole graph on <paramref name="stream"/>.</summary>
        public void Launch(CudaStream stream) => CudaStatus.CheckDriver(Driver.cuGraphLaunch(Raw, stream.Raw), "cuGraphLaunch");

        private protected override int Release(nint raw) => Driver.cuGraphExecDestroy(raw);
    }

    /// <summary>A loaded CUBIN module.</summary>
    public sealed class CudaModule : CudaHandle
    {
        internal CudaModule(nint module, nint context) : base(module, context) { }

        /// <summary>Looks up a kernel by its (extern "C") name.</summary>
        public CudaKernel GetKernel(string name)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            CudaStatus.CheckDriver(Driver.cuModuleGetFunction(out nint f, Raw, name), "cuModuleGetFunction(\"" + name + "\")");
            return new CudaKernel(this, f, name);
        }

        private protected override int Release(nint raw) => Driver.cuModuleUnload(raw);
    }
}
