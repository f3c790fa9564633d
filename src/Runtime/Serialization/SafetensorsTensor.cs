using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;

namespace CnnGen.Serialization
{
    /// <summary>Where a tensor lies in a safetensors file, as its header describes it (already validated).</summary>
    public sealed class SafetensorsTensorInfo
    {
        internal SafetensorsTensorInfo(string name, SafetensorsDType dtype, long[] shape, long begin, long end)
        {
            Name = name;
            DType = dtype;
            Shape = shape;
            Begin = begin;
            End = end;
            long count = 1;
            foreach (long d in shape) count *= d;
            ElementCount = count;
        }

        /// <summary>The tensor's key.</summary>
        public string Name { get; }

        /// <summary>Element type in the file.</summary>
        public SafetensorsDType DType { get; }

        /// <summary>Dimensions; empty for a scalar.</summary>
        public IReadOnlyList<long> Shape { get; }

        /// <summary>Product of the dimensions (1 for a scalar).</summary>
        public long ElementCount { get; }

        /// <summary>First byte, relative to the start of the data section.</summary>
        public long Begin { get; }

        /// <summary>One past the last byte, relative to the start of the data section.</summary>
        public long End { get; }

        /// <summary>True when the shape equals <paramref name="shape"/> dimension by dimension.</summary>
        public bool ShapeEquals(IReadOnlyList<int> shape)
        {
            if (shape.Count != Shape.Count) return false;
            for (int i = 0; i < shape.Count; i++)
                if (shape[i] != Shape[i]) return false;
            return true;
        }

        /// <summary>The shape as "[a, b, c]".</summary>
        public string ShapeText => FormatShape(Shape);

        public override string ToString() => $"{Name} {SafetensorsDTypes.ToHeaderName(DType)} {ShapeText}";

        internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

        internal static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
    }

    /// <summary>
    /// One tensor to write: name, dtype, shape and its bytes, little-endian. Build one with the
    /// <c>From*</c> factories, which copy the data (so the source may change after the call).
    /// </summary>
    public sealed class SafetensorsTensor
    {
        /// <summary>Wraps raw little-endian bytes; checks that their count fits the shape and dtype.</summary>
        public SafetensorsTensor(string name, SafetensorsDType dtype, IReadOnlyList<int> shape, byte[] littleEndianData)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(shape);
            ArgumentNullException.ThrowIfNull(littleEndianData);
            if (name.Length == 0) throw new ArgumentException("A tensor name must not be empty.", nameof(name));
            if (name == SafetensorsFile.MetadataKey)
                throw new ArgumentException($"'{SafetensorsFile.MetadataKey}' is reserved for the metadata and cannot name a tensor.", nameof(name));
            long count = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Tensor '{name}': shape {SafetensorsTensorInfo.FormatShape(shape)} has a negative dimension.");
                count = checked(count * d);
            }
            long bytes = checked(count * SafetensorsDTypes.SizeOf(dtype));
            if (bytes != littleEndianData.Length)
                throw new ArgumentException($"Tensor '{name}': shape {SafetensorsTensorInfo.FormatShape(shape)} of {SafetensorsDTypes.ToHeaderName(dtype)} needs {bytes} bytes, got {littleEndianData.Length}.", nameof(littleEndianData));
            Name = name;
            DType = dtype;
            Shape = shape.ToArray();
            Data = littleEndianData;
        }

        /// <summary>The tensor's key.</summary>
        public string Name { get; }

        /// <summary>Element type to write.</summary>
        public SafetensorsDType DType { get; }

        /// <summary>Dimensions; empty for a scalar.</summary>
        public IReadOnlyList<int> Shape { get; }

        /// <summary>The bytes, little-endian.</summary>
        public ReadOnlyMemory<byte> Data { get; }

        /// <summary>An F32 tensor.</summary>
        public static SafetensorsTensor FromFloat(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> data)
        {
            var bytes = new byte[checked(data.Length * sizeof(float))];
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(data).CopyTo(bytes);
            else for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), data[i]);
            return new SafetensorsTensor(name, SafetensorsDType.F32, shape, bytes);
        }

        /// <summary>An F64 tensor.</summary>
        public static SafetensorsTensor FromDouble(string name, IReadOnlyList<int> shape, ReadOnlySpan<double> data)
        {
            var bytes = new byte[checked(data.Length * sizeof(double))];
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(data).CopyTo(bytes);
            else for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), data[i]);
            return new SafetensorsTensor(name, SafetensorsDType.F64, shape, bytes);
        }

        /// <summary>An I64 tensor.</summary>
        public static SafetensorsTensor FromInt64(string name, IReadOnlyList<int> shape, ReadOnlySpan<long> data)
        {
            var bytes = new byte[checked(data.Length * sizeof(long))];
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(data).CopyTo(bytes);
            else for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), data[i]);
            return new SafetensorsTensor(name, SafetensorsDType.I64, shape, bytes);
        }

        /// <summary>An I32 tensor.</summary>
        public static SafetensorsTensor FromInt32(string name, IReadOnlyList<int> shape, ReadOnlySpan<int> data)
        {
            var bytes = new byte[checked(data.Length * sizeof(int))];
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(data).CopyTo(bytes);
            else for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), data[i]);
            return new SafetensorsTensor(name, SafetensorsDType.I32, shape, bytes);
        }

        /// <summary>A U8 tensor.</summary>
        public static SafetensorsTensor FromByte(string name, IReadOnlyList<int> shape, ReadOnlySpan<byte> data)
            => new(name, SafetensorsDType.U8, shape, data.ToArray());
    }
}
