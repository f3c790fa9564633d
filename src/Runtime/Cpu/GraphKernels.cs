using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace CnnGen.Cpu
{
    /// <summary>
    /// How a backward kernel writes a gradient it produces. The execution plan decides per edge: the first
    /// consumer's backward to reach a value overwrites its gradient, every later one adds to it, so a value
    /// read twice (a residual's input, the input of a concat's branches) gets the sum and nothing is zeroed first.
    /// </summary>
    public enum GradWrite
    {
        /// <summary>dx = contribution.</summary>
        Overwrite,
        /// <summary>dx += contribution.</summary>
        Accumulate,
    }

    /// <summary>The residual join: y = a + b, optionally with the ReLU that follows it fused in.</summary>
    public static class AddKernel
    {
        /// <summary>
        /// y = a + b, or max(a + b, 0) with <see cref="Epilogue.ReLU"/>; NaN stays NaN (as torch.relu). y may be a or b.
        /// </summary>
        public static void Forward(FloatBuffer a, FloatBuffer b, FloatBuffer y, int length, Epilogue epilogue = Epilogue.None)
        {
            ElementwiseMap.CheckLength("Add", length, a.Length, nameof(a), b.Length, nameof(b));
            ElementwiseMap.CheckLength("Add", length, y.Length, nameof(y), y.Length, nameof(y));
            CheckEpilogue(epilogue);
            var work = new Work(epilogue == Epilogue.ReLU ? Op.AddReLU : Op.Add, a, b, y, length);
            MiscParallel.For(ChunkCount(length), length, work);
        }

        /// <summary>
        /// The gradient both inputs of an add receive (the same for each): dy, or with <see cref="Epilogue.ReLU"/>
        /// dy where y &gt; 0 and 0 where y ≤ 0 (a NaN y passes dy, as the ReLU backward does). Written into
        /// <paramref name="dx"/> or added to it, as <paramref name="write"/> says. With Overwrite, dx may be dy (the same
        /// window); with Accumulate it must not be, or dy would be counted twice.
        /// <paramref name="y"/> is the forward's output, read only with <see cref="Epilogue.ReLU"/> (may be empty otherwise).
        /// </summary>
        public static void Backward(FloatBuffer y, FloatBuffer dy, FloatBuffer dx, int length, Epilogue epilogue, GradWrite write)
        {
            CheckEpilogue(epilogue);
            CheckWrite(write);
            ElementwiseMap.CheckLength("Add backward", length, dy.Length, nameof(dy), dx.Length, nameof(dx));
            if (write == GradWrite.Accumulate && length > 0 && SameWindow(dy, dx))
                throw new ArgumentException("Add backward: dx is dy; accumulating a gradient into itself would count it twice.", nameof(dx));
            bool relu = epilogue == Epilogue.ReLU;
            if (relu) ElementwiseMap.CheckLength("Add backward", length, y.Length, nameof(y), y.Length, nameof(y));
            Op op = (relu, write) switch
            {
                (false, GradWrite.Overwrite) => Op.Copy,
                (false, GradWrite.Accumulate) => Op.Add,
                (true, GradWrite.Overwrite) => Op.ReLUGrad,
                _ => Op.ReLUGradAccumulate,
            };
            if (op == Op.Copy && SameWindow(dy, dx)) return; // dx is dy: nothing to move
            // Op.Add reads (a, b) = (dx, dy) and writes dx; the ReLU ops read (y, dy).
            var work = op == Op.Add ? new Work(op, dx, dy, dx, length) : new Work(op, relu ? y : dy, dy, dx, length);
            MiscParallel.For(ChunkCount(length), length, work);
        }

        /// <summary>dst += src: a further consumer's gradient contribution added to a value's gradient.</summary>
        public static void Accumulate(FloatBuffer src, FloatBuffer dst, int length)
        {
            ElementwiseMap.CheckLength("Accumulate", length, src.Length, nameof(src), dst.Length, nameof(dst));
            MiscParallel.For(ChunkCount(length), length, new Work(Op.Add, dst, src, dst, length));
        }

        private static void CheckEpilogue(Epilogue epilogue)
        {
            if (epilogue is not (Epilogue.None or Epilogue.ReLU))
                throw new ArgumentOutOfRangeException(nameof(epilogue), $"Add: unknown epilogue {epilogue}.");
        }

        internal static void CheckWrite(GradWrite write)
        {
            if (write is not (GradWrite.Overwrite or GradWrite.Accumulate))
                throw new ArgumentOutOfRangeException(nameof(write), $"Unknown gradient write mode {write}.");
        }

        private static bool SameWindow(FloatBuffer p, FloatBuffer q) => ReferenceEquals(p.Array, q.Array) && p.Offset == q.Offset;

        /// <summary>Elements per parallel work item: large enough that a chunk is worth a hand-off, small enough to split a big tensor.</summary>
        private const int ChunkSize = 1 << 14;

        private static int ChunkCount(int length) => (length + ChunkSize - 1) / ChunkSize;

        private enum Op { Add, AddReLU, Copy, ReLUGrad, ReLUGradAccumulate }

        [ThreadStatic] private static float[]? t_masked;

        /// <summary>One elementwise pass over chunks [begin, end) of <see cref="ChunkSize"/> elements: d = op(a, b).</summary>
        private readonly struct Work : IMiscRangeWork
        {
            private readonly Op _op;
            private readonly FloatBuffer _a, _b, _d;
            private readonly int _length;

            public Work(Op op, FloatBuffer a, FloatBuffer b, FloatBuffer d, int length)
            {
                _op = op; _a = a; _b = b; _d = d; _length = length;
            }

            public void Run(int begin, int end)
            {
                int start = begin * ChunkSize;
                int count = Math.Min(end * ChunkSize, _length) - start;
                ReadOnlySpan<float> a = _a.Span.Slice(start, count), b = _b.Span.Slice(start, count);
                Span<float> d = _d.Span.Slice(start, count);
                switch (_op)
                {
                    case Op.Add: TensorPrimitives.Add(a, b, d); break;
                    case Op.AddReLU: ElementwiseMap.Map<AddReLUOp>(a, b, d, 0); break;
                    case Op.Copy: b.CopyTo(d); break;
                    // The ReLU backward rule is ActivationKernel's (zero where y ≤ 0, dy elsewhere, NaN passes).
                    case Op.ReLUGrad:
                        ActivationKernel.Backward(ActivationKind.ReLU, _a.Slice(start, count), _b.Slice(start, count), _d.Slice(start, count), count);
                        break;
                    case Op.ReLUGradAccumulate:
                        // dx += mask(y)·dy through a small per-thread buffer: allocated once per thread, never per step.
                        FloatBuffer masked = new(t_masked ??= new float[1024]);
                        for (int i = 0; i < count; i += masked.Length)
                        {
                            int width = Math.Min(masked.Length, count - i);
                            ActivationKernel.Backward(ActivationKind.ReLU, _a.Slice(start + i, width), _b.Slice(start + i, width), masked, width);
                            TensorPrimitives.Add(d.Slice(i, width), masked.Span.Slice(0, width), d.Slice(i, width));
                        }
                        break;
                }
            }
        }

        // max(a + b, 0), keeping NaN: (s < 0) is false for NaN, so AndNot leaves it.
        private readonly struct AddReLUOp : IMiscElementOp
        {
            public static float Invoke(float a, float b, float unused)
            {
                float s = a + b;
                return s < 0 ? 0 : s;
            }

            public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> unused)
            {
                Vector256<float> s = a + b;
                return Vector256.AndNot(s, Vector256.LessThan(s, Vector256<float>.Zero));
            }

            public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> unused)
            {
                Vector512<float> s = a + b;
                return Vector512.AndNot(s, Vector512.LessThan(s, Vector512<float>.Zero));
            }
        }
    }

    /// <summary>
    /// Channel concatenation, NCHW: per sample, branch k's C_k·H·W floats sit contiguously at a per-sample offset
    /// (the channels before it times H·W), so a branch is a strided copy of whole per-sample slices.
    /// </summary>
    public static class ConcatKernel
    {
        /// <summary>
        /// Copies branch <paramref name="x"/> (<paramref name="sliceSize"/> floats per sample) into
        /// <paramref name="y"/> (<paramref name="outSize"/> floats per sample) at per-sample offset <paramref name="offset"/>.
        /// </summary>
        public static void Forward(FloatBuffer x, FloatBuffer y, int batch, int sliceSize, int offset, int outSize)
        {
            Check("Concat", batch, sliceSize, offset, outSize, x.Length, nameof(x), y.Length, nameof(y));
            MiscParallel.For(batch, (long)batch * sliceSize, new Work(x, y, sliceSize, offset, outSize, backward: false, GradWrite.Overwrite));
        }

        /// <summary>dx (= or +=, as <paramref name="write"/> says) the slice of <paramref name="dy"/> that branch's forward wrote.</summary>
        public static void Backward(FloatBuffer dy, FloatBuffer dx, int batch, int sliceSize, int offset, int outSize, GradWrite write)
        {
            AddKernel.CheckWrite(write);
            Check("Concat backward", batch, sliceSize, offset, outSize, dx.Length, nameof(dx), dy.Length, nameof(dy));
            MiscParallel.For(batch, (long)batch * sliceSize, new Work(dx, dy, sliceSize, offset, outSize, backward: true, write));
        }

        /// <summary>Sizes and buffer lengths: sliceLength is the per-branch buffer's (x or dx), joinedLength the concatenated one's (y or dy).</summary>
        private static void Check(string kernel, int batch, int sliceSize, int offset, int outSize,
            int sliceLength, string sliceName, int joinedLength, string joinedName)
        {
            if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), $"{kernel}: batch must not be negative, got {batch}.");
            if (sliceSize < 0 || offset < 0 || (long)offset + sliceSize > outSize)
                throw new ArgumentOutOfRangeException(nameof(offset),
                    $"{kernel}: a branch of {sliceSize} floats per sample at offset {offset} does not fit in {outSize} floats per sample.");
            if (sliceLength < (long)batch * sliceSize)
                throw new ArgumentException($"{kernel}: buffer {sliceName} holds {sliceLength} floats, {batch} samples × {sliceSize} need {(long)batch * sliceSize}.", sliceName);
            // The last sample's slice ends at (batch − 1)·outSize + offset + sliceSize; asking for batch·outSize is simpler and what the plan allocates.
            if (joinedLength < (long)batch * outSize)
                throw new ArgumentException($"{kernel}: buffer {joinedName} holds {joinedLength} floats, {batch} samples × {outSize} need {(long)batch * outSize}.", joinedName);
        }

        /// <summary>Samples [begin, end): forward copies branch → joined; backward writes or adds joined → branch.</summary>
        private readonly struct Work : IMiscRangeWork
        {
            private readonly FloatBuffer _branch, _joined;
            private readonly int _sliceSize, _offset, _outSize;
            private readonly bool _backward;
            private readonly GradWrite _write;

            public Work(FloatBuffer branch, FloatBuffer joined, int sliceSize, int offset, int outSize, bool backward, GradWrite write)
            {
                _branch = branch; _joined = joined; _sliceSize = sliceSize; _offset = offset; _outSize = outSize;
                _backward = backward; _write = write;
            }

            public void Run(int begin, int end)
            {
                Span<float> branch = _branch.Span, joined = _joined.Span;
                for (int n = begin; n < end; n++)
                {
                    Span<float> slice = branch.Slice(n * _sliceSize, _sliceSize);
                    Span<float> part = joined.Slice(n * _outSize + _offset, _sliceSize);
                    if (!_backward) slice.CopyTo(part);
                    else if (_write == GradWrite.Overwrite) part.CopyTo(slice);
                    else TensorPrimitives.Add(slice, part, slice);
                }
            }
        }
    }
}
