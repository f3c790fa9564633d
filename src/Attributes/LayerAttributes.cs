using System;

namespace CnnGen
{
    /// <summary>
    /// Marks a <c>partial class</c> as a network whose layers are the layer attributes that follow,
    /// in source order. The arguments give the shape of one input sample.
    /// </summary>
    /// <example><code>
    /// [Network(1, 28, 28)]
    /// [Conv2d(1, 32, 3, padding: 1)] [ReLU] [MaxPool2d(2, 2)] [Flatten] [Linear(32 * 14 * 14, 10)]
    /// public partial class Tiny;
    /// </code></example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class NetworkAttribute : Attribute
    {
        /// <param name="channels">Input channels (1 for greyscale, 3 for RGB).</param>
        /// <param name="height">Input height in pixels.</param>
        /// <param name="width">Input width in pixels.</param>
        public NetworkAttribute(int channels, int height, int width)
        {
            Channels = channels;
            Height = height;
            Width = width;
        }

        /// <summary>Input channels.</summary>
        public int Channels { get; }
        /// <summary>Input height.</summary>
        public int Height { get; }
        /// <summary>Input width.</summary>
        public int Width { get; }

        /// <summary>
        /// Optional budget: when the network has more trainable parameters than this, the build warns (CNN0016) with
        /// the actual count. 0 (the default) means no budget.
        /// </summary>
        public long MaxParameters { get; set; }

        /// <summary>
        /// Optional budget: when one sample's forward pass takes more floating-point operations than this (the
        /// summary's FLOPs column), the build warns (CNN0016) with the actual figure. 0 (the default) means no budget.
        /// </summary>
        public long MaxFlops { get; set; }
    }

    /// <summary>
    /// Base of every layer attribute. Layers apply in the order their attributes appear in source,
    /// like the modules of PyTorch's <c>nn.Sequential</c>; a layer's index is its position in that order.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public abstract class LayerAttribute : Attribute
    {
    }

    /// <summary>2-D convolution, as <c>torch.nn.Conv2d</c>. Weight shape [out, in/groups, k, k].</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2dAttribute : LayerAttribute
    {
        public Conv2dAttribute(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0,
            int dilation = 1, int groups = 1, bool bias = true)
        {
            InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride;
            Padding = padding; Dilation = dilation; Groups = groups; Bias = bias;
        }

        public int InChannels { get; }
        public int OutChannels { get; }
        public int KernelSize { get; }
        public int Stride { get; }
        public int Padding { get; }
        public int Dilation { get; }
        public int Groups { get; }
        public bool Bias { get; }
    }

    /// <summary>Max pooling, as <c>torch.nn.MaxPool2d</c>. A stride of 0 means "the kernel size" (PyTorch's <c>None</c>).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2dAttribute : LayerAttribute
    {
        public MaxPool2dAttribute(int kernelSize, int stride = 0, int padding = 0, bool ceilMode = false, int dilation = 1)
        {
            KernelSize = kernelSize; Stride = stride; Padding = padding; CeilMode = ceilMode; Dilation = dilation;
        }

        public int KernelSize { get; }
        public int Stride { get; }
        public int Padding { get; }
        public bool CeilMode { get; }
        public int Dilation { get; }
    }

    /// <summary>Average pooling, as <c>torch.nn.AvgPool2d</c> (padding counted in the divisor by default).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2dAttribute : LayerAttribute
    {
        public AvgPool2dAttribute(int kernelSize, int stride = 0, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        {
            KernelSize = kernelSize; Stride = stride; Padding = padding; CeilMode = ceilMode; CountIncludePad = countIncludePad;
        }

        public int KernelSize { get; }
        public int Stride { get; }
        public int Padding { get; }
        public bool CeilMode { get; }
        public bool CountIncludePad { get; }
    }

    /// <summary>Adaptive average pooling to a fixed output size, as <c>torch.nn.AdaptiveAvgPool2d</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AdaptiveAvgPool2dAttribute : LayerAttribute
    {
        public AdaptiveAvgPool2dAttribute(int outputHeight, int outputWidth)
        {
            OutputHeight = outputHeight; OutputWidth = outputWidth;
        }

        public int OutputHeight { get; }
        public int OutputWidth { get; }
    }

    /// <summary>
    /// Batch normalisation over channels of a (N,C,H,W) tensor, as <c>torch.nn.BatchNorm2d</c>. Written without
    /// <c>features</c> (<c>[BatchNorm2d]</c>), it takes the channels that arrive, as <c>torch.nn.LazyBatchNorm2d</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNorm2dAttribute : LayerAttribute
    {
        /// <summary>Features inferred from the channels that arrive (<see cref="Features"/> is 0).</summary>
        public BatchNorm2dAttribute(double eps = 1e-5, double momentum = 0.1)
        {
            Eps = eps; Momentum = momentum;
        }

        public BatchNorm2dAttribute(int features, double eps = 1e-5, double momentum = 0.1)
        {
            Features = features; Eps = eps; Momentum = momentum;
        }

        public int Features { get; }
        public double Eps { get; }
        public double Momentum { get; }
    }

    /// <summary>
    /// Batch normalisation over features of a (N,F) tensor, as <c>torch.nn.BatchNorm1d</c>. Written without
    /// <c>features</c> (<c>[BatchNorm1d]</c>), it takes the features that arrive, as <c>torch.nn.LazyBatchNorm1d</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNorm1dAttribute : LayerAttribute
    {
        /// <summary>Features inferred from the features that arrive (<see cref="Features"/> is 0).</summary>
        public BatchNorm1dAttribute(double eps = 1e-5, double momentum = 0.1)
        {
            Eps = eps; Momentum = momentum;
        }

        public BatchNorm1dAttribute(int features, double eps = 1e-5, double momentum = 0.1)
        {
            Features = features; Eps = eps; Momentum = momentum;
        }

        public int Features { get; }
        public double Eps { get; }
        public double Momentum { get; }
    }

    /// <summary>
    /// Fully connected layer, as <c>torch.nn.Linear</c>. Weight shape [out, in]. Written with <c>outFeatures</c> only
    /// (<c>[Linear(128)]</c>), it takes the features that arrive, as <c>torch.nn.LazyLinear</c>, but at compile time.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LinearAttribute : LayerAttribute
    {
        /// <summary><c>inFeatures</c> inferred from the features that arrive (<see cref="InFeatures"/> is 0).</summary>
        public LinearAttribute(int outFeatures, bool bias = true)
        {
            OutFeatures = outFeatures; Bias = bias;
        }

        public LinearAttribute(int inFeatures, int outFeatures, bool bias = true)
        {
            InFeatures = inFeatures; OutFeatures = outFeatures; Bias = bias;
        }

        public int InFeatures { get; }
        public int OutFeatures { get; }
        public bool Bias { get; }
    }

    /// <summary>Flattens (N,C,H,W) to (N,C·H·W), as <c>torch.nn.Flatten</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : LayerAttribute { }

    /// <summary>Inverted dropout, as <c>torch.nn.Dropout</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : LayerAttribute
    {
        /// <param name="p">Probability of zeroing an element, in [0, 1).</param>
        public DropoutAttribute(double p = 0.5) { P = p; }

        public double P { get; }
    }

    /// <summary>max(0, x), as <c>torch.nn.ReLU</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReLUAttribute : LayerAttribute { }

    /// <summary>1 / (1 + e^-x), as <c>torch.nn.Sigmoid</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SigmoidAttribute : LayerAttribute { }

    /// <summary>tanh(x), as <c>torch.nn.Tanh</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TanhAttribute : LayerAttribute { }

    /// <summary>x if x &gt; 0 else slope·x, as <c>torch.nn.LeakyReLU</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LeakyReLUAttribute : LayerAttribute
    {
        public LeakyReLUAttribute(double negativeSlope = 0.01) { NegativeSlope = negativeSlope; }

        public double NegativeSlope { get; }
    }
}
