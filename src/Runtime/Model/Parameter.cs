using System;
using System.Collections.Generic;

namespace CnnGen
{
    /// <summary>
    /// A trainable tensor of a network, named as PyTorch's <c>state_dict</c> names it ("0.weight", "3.bias").
    /// <see cref="Grad"/> holds dLoss/dData after <c>ForwardBackward</c>; it is overwritten by each call, not accumulated.
    /// </summary>
    public sealed class Parameter
    {
        public Parameter(string name, int[] shape, FloatBuffer data, FloatBuffer grad)
        {
            int length = 1;
            foreach (int d in shape) length *= d;
            if (data.Length != length || grad.Length != length)
                throw new ArgumentException($"Parameter '{name}': shape [{string.Join(",", shape)}] needs {length} values, data has {data.Length}, grad {grad.Length}.");
            Name = name;
            Shape = shape;
            DataBuffer = data;
            GradBuffer = grad;
        }

        /// <summary>The state_dict key.</summary>
        public string Name { get; }

        /// <summary>PyTorch's shape, e.g. [32, 1, 3, 3] for a convolution weight.</summary>
        public IReadOnlyList<int> Shape { get; }

        public int Length => DataBuffer.Length;

        public Span<float> Data => DataBuffer.Span;

        public Span<float> Grad => GradBuffer.Span;

        public FloatBuffer DataBuffer { get; }

        public FloatBuffer GradBuffer { get; }

        private bool _hasGradient;

        /// <summary>
        /// True once a gradient has been written into <see cref="Grad"/> (PyTorch's <c>p.grad is not None</c>):
        /// optimizers skip a parameter without one. Set by <see cref="MarkGradientWritten"/> (the trainer calls it
        /// after each <c>ForwardBackward</c>, which writes every parameter's gradient), and otherwise inferred, once
        /// and for good, from the first non-zero value in <see cref="Grad"/> (a fresh gradient buffer is all zeros).
        /// </summary>
        public bool HasGradient
        {
            get
            {
                if (!_hasGradient && Grad.ContainsAnyExcept(0f)) _hasGradient = true;
                return _hasGradient;
            }
        }

        /// <summary>Records that <see cref="Grad"/> now holds a gradient (even one that is exactly zero).</summary>
        public void MarkGradientWritten() => _hasGradient = true;

        public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
    }

    /// <summary>
    /// A non-trainable tensor of a network's state (BatchNorm's running statistics), with its state_dict name.
    /// <c>num_batches_tracked</c> is an integer in PyTorch; it is kept here as a float and written to
    /// safetensors as I64 (<see cref="IsInteger"/>).
    /// </summary>
    public sealed class ModelBuffer
    {
        public ModelBuffer(string name, int[] shape, FloatBuffer data, bool isInteger = false)
        {
            Name = name;
            Shape = shape;
            DataBuffer = data;
            IsInteger = isInteger;
        }

        public string Name { get; }

        /// <summary>PyTorch's shape; empty for a scalar such as <c>num_batches_tracked</c>.</summary>
        public IReadOnlyList<int> Shape { get; }

        public bool IsInteger { get; }

        public Span<float> Data => DataBuffer.Span;

        public FloatBuffer DataBuffer { get; }

        public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
    }
}
