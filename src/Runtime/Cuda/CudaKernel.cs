using System;
using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>A kernel function of a loaded module.</summary>
    public sealed unsafe class CudaKernel
    {
        private readonly CudaModule _module; // keeps the module loaded while the kernel is reachable
        private readonly nint _function;

        internal CudaKernel(CudaModule module, nint function, string name)
        {
            _module = module;
            _function = function;
            Name = name;
        }

        /// <summary>The kernel's name.</summary>
        public string Name { get; }

        /// <summary>
        /// Queues the kernel on <paramref name="stream"/> with a (gridX, gridY) grid of <paramref name="blockX"/>-thread
        /// blocks. The arguments must match the kernel's parameter list in order and size.
        /// </summary>
        public void Launch(uint gridX, uint gridY, uint blockX, CudaStream stream, KernelArguments args, uint sharedMemoryBytes = 0)
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(args);
            if (gridX == 0 || gridY == 0 || blockX == 0)
                throw new ArgumentOutOfRangeException(nameof(gridX), $"Kernel {Name}: grid and block sizes must be positive (grid {gridX}×{gridY}, block {blockX}).");
            GC.KeepAlive(_module);
            CudaStatus.CheckDriver(
                Driver.cuLaunchKernel(_function, gridX, gridY, 1, blockX, 1, 1, sharedMemoryBytes, stream.Raw, args.PointerArray, null),
                "cuLaunchKernel(" + Name + ")");
        }

        /// <summary>One block per <paramref name="blockX"/> elements, enough blocks for <paramref name="count"/> elements.</summary>
        public static uint BlocksFor(long count, uint blockX)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"A launch needs at least one element, got {count}.");
            long blocks = (count + blockX - 1) / blockX;
            return (uint)Math.Min(blocks, int.MaxValue);
        }
    }

    /// <summary>
    /// The argument list of a kernel launch, kept in native memory: one 8-byte slot per argument (a 4-byte value sits
    /// at the slot's start, little-endian) and the array of slot pointers cuLaunchKernel reads. Reusable with
    /// <see cref="Clear"/> so a training step allocates nothing.
    /// </summary>
    public sealed unsafe class KernelArguments : IDisposable
    {
        private readonly ulong* _slots;
        private readonly void** _pointers;
        private readonly int _capacity;
        private int _count;

        /// <summary>Room for <paramref name="capacity"/> arguments.</summary>
        public KernelArguments(int capacity = 16)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), $"Capacity must be positive, got {capacity}.");
            _capacity = capacity;
            _slots = (ulong*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(ulong));
            _pointers = (void**)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(void*));
            for (int i = 0; i < capacity; i++) _pointers[i] = _slots + i;
        }

        /// <summary>Arguments added so far.</summary>
        public int Count => _count;

        internal void** PointerArray => _pointers;

        /// <summary>Forgets the arguments (the memory stays).</summary>
        public KernelArguments Clear() { _count = 0; return this; }

        /// <summary>A device pointer argument (<c>float*</c>, <c>int*</c>, …).</summary>
        public KernelArguments Add(DeviceBuffer buffer) => AddRaw(buffer.Pointer);
        /// <summary>A raw device address or 64-bit integer.</summary>
        public KernelArguments Add(ulong value) => AddRaw(value);
        /// <summary>A <c>long long</c> argument.</summary>
        public KernelArguments Add(long value) => AddRaw((ulong)value);
        /// <summary>An <c>int</c> argument.</summary>
        public KernelArguments Add(int value) => AddRaw((uint)value);
        /// <summary>An <c>unsigned int</c> argument.</summary>
        public KernelArguments Add(uint value) => AddRaw(value);
        /// <summary>A <c>float</c> argument.</summary>
        public KernelArguments Add(float value) => AddRaw(BitConverter.SingleToUInt32Bits(value));

        private KernelArguments AddRaw(ulong bits)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_count == _capacity) throw new InvalidOperationException($"KernelArguments holds at most {_capacity} arguments.");
            _slots[_count++] = bits;
            return this;
        }

        private bool _disposed;

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            NativeMemory.Free(_slots);
            NativeMemory.Free(_pointers);
            GC.SuppressFinalize(this);
        }

        /// <summary>Frees the native memory if Dispose was not called.</summary>
        ~KernelArguments() => Dispose();
    }
}
