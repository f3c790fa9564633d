namespace CnnGen.Cpu
{
    /// <summary>What the producing kernel applies in its epilogue, so an activation costs no extra pass.</summary>
    public enum Epilogue
    {
        /// <summary>y = conv(x) + b.</summary>
        None,
        /// <summary>y = max(0, conv(x) + b); the backward masks dY by y &gt; 0 before using it.</summary>
        ReLU,
    }

    /// <summary>Elementwise activations that run as their own pass (when nothing before them can absorb them).</summary>
    public enum ActivationKind
    {
        ReLU,
        LeakyReLU,
        Sigmoid,
        Tanh,
    }

    /// <summary>
    /// Every size of one Conv2d layer for one sample, known at compile time. The generated code keeps one
    /// of these per layer in a static readonly field; kernels read them instead of taking a dozen ints.
    /// Weight layout [OutChannels, InChannels / Groups, Kernel, Kernel]; tensors NCHW.
    /// </summary>
    public readonly struct Conv2dShape
    {
        public Conv2dShape(int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding,
            int dilation, int groups, int outHeight, int outWidth)
        {
            InChannels = inChannels; Height = height; Width = width; OutChannels = outChannels; Kernel = kernel;
            Stride = stride; Padding = padding; Dilation = dilation; Groups = groups; OutHeight = outHeight; OutWidth = outWidth;
        }

        public int InChannels { get; }
        public int Height { get; }
        public int Width { get; }
        public int OutChannels { get; }
        public int Kernel { get; }
        public int Stride { get; }
        public int Padding { get; }
        public int Dilation { get; }
        public int Groups { get; }
        public int OutHeight { get; }
        public int OutWidth { get; }

        /// <summary>Floats of one input sample.</summary>
        public int InputSize => InChannels * Height * Width;
        /// <summary>Floats of one output sample.</summary>
        public int OutputSize => OutChannels * OutHeight * OutWidth;
        public int WeightSize => OutChannels * (InChannels / Groups) * Kernel * Kernel;
    }

    /// <summary>
    /// Every size of one pooling layer for one sample. OutHeight/OutWidth already include ceil_mode's effect.
    /// </summary>
    public readonly struct Pool2dShape
    {
        public Pool2dShape(int channels, int height, int width, int kernel, int stride, int padding, int dilation,
            int outHeight, int outWidth, bool countIncludePad = true)
        {
            Channels = channels; Height = height; Width = width; Kernel = kernel; Stride = stride; Padding = padding;
            Dilation = dilation; OutHeight = outHeight; OutWidth = outWidth; CountIncludePad = countIncludePad;
        }

        public int Channels { get; }
        public int Height { get; }
        public int Width { get; }
        public int Kernel { get; }
        public int Stride { get; }
        public int Padding { get; }
        /// <summary>Max pooling only; 1 for average pooling.</summary>
        public int Dilation { get; }
        public int OutHeight { get; }
        public int OutWidth { get; }
        /// <summary>Average pooling only: whether zero padding counts in the divisor (PyTorch's default, true).</summary>
        public bool CountIncludePad { get; }

        public int InputSize => Channels * Height * Width;
        public int OutputSize => Channels * OutHeight * OutWidth;
    }
}
