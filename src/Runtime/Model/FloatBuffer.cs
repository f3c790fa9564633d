using System;

namespace CnnGen
{
    /// <summary>
    /// A window onto a float array: the unit generated code and kernels pass around.
    /// Unlike <see cref="Span{T}"/> it can be stored in fields and captured by worker threads,
    /// which is what lets one arena hold every activation and gradient of a network.
    /// </summary>
    public readonly struct FloatBuffer
    {
        public readonly float[] Array;
        public readonly int Offset;
        public readonly int Length;

        public FloatBuffer(float[] array) : this(array, 0, array.Length) { }

        public FloatBuffer(float[] array, int offset, int length)
        {
            if ((uint)offset > (uint)array.Length || (uint)length > (uint)(array.Length - offset))
                throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) is outside an array of {array.Length}.");
            Array = array;
            Offset = offset;
            Length = length;
        }

        /// <summary>The empty buffer, meaning "not wanted" where a kernel takes an optional output (a bias gradient, say).</summary>
        public static FloatBuffer Empty => default;

        public bool IsEmpty => Length == 0;

        public Span<float> Span => Array is null ? Span<float>.Empty : new Span<float>(Array, Offset, Length);

        public FloatBuffer Slice(int start, int length)
        {
            if ((uint)start > (uint)Length || (uint)length > (uint)(Length - start))
                throw new ArgumentOutOfRangeException(nameof(length), $"[{start}, {start + length}) is outside a buffer of {Length}.");
            return new FloatBuffer(Array, Offset + start, length);
        }

        public override string ToString() => $"FloatBuffer[{Length}]";
    }

    /// <summary>Like <see cref="FloatBuffer"/>, for int data (max-pooling argmax indices).</summary>
    public readonly struct IntBuffer
    {
        public readonly int[] Array;
        public readonly int Offset;
        public readonly int Length;

        public IntBuffer(int[] array) : this(array, 0, array.Length) { }

        public IntBuffer(int[] array, int offset, int length)
        {
            if ((uint)offset > (uint)array.Length || (uint)length > (uint)(array.Length - offset))
                throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) is outside an array of {array.Length}.");
            Array = array;
            Offset = offset;
            Length = length;
        }

        public Span<int> Span => Array is null ? Span<int>.Empty : new Span<int>(Array, Offset, Length);

        public IntBuffer Slice(int start, int length)
        {
            if ((uint)start > (uint)Length || (uint)length > (uint)(Length - start))
                throw new ArgumentOutOfRangeException(nameof(length), $"[{start}, {start + length}) is outside a buffer of {Length}.");
            return new IntBuffer(Array, Offset + start, length);
        }
    }
}
