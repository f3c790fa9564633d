namespace CnnGen.Generator.Model
{
    /// <summary>
    /// A layer's arguments as a typed record, one record type per operation, read once from the attribute's
    /// constructor arguments by the parser. Records compare by value, so specs built from them cache.
    /// </summary>
    internal abstract record Op;

    /// <summary>Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias).</summary>
    internal sealed record Conv2dOp(long InChannels, long OutChannels, long Kernel, long Stride, long Padding, long Dilation, long Groups, bool Bias) : Op;

    /// <summary>MaxPool2d / AvgPool2d. A stride of 0 means "the kernel size", as PyTorch's stride=None.</summary>
    internal sealed record Pool2dOp(bool Max, long Kernel, long Stride, long Padding, long Dilation, bool CeilMode, bool CountIncludePad) : Op;

    /// <summary>AdaptiveAvgPool2d(outputHeight, outputWidth).</summary>
    internal sealed record AdaptiveAvgPool2dOp(long OutHeight, long OutWidth) : Op;

    /// <summary>
    /// BatchNorm2d / BatchNorm1d(features, eps, momentum). <see cref="Features"/> is null when it is not written
    /// ([BatchNorm2d]); shape inference fills it in with what arrives, on the op its graph node carries.
    /// </summary>
    internal sealed record BatchNormOp(bool TwoD, long? Features, double Eps, double Momentum) : Op;

    /// <summary>
    /// Linear(inFeatures, outFeatures, bias). <see cref="InFeatures"/> is null when it is not written ([Linear(128)]);
    /// shape inference fills it in with what arrives, on the op its graph node carries.
    /// </summary>
    internal sealed record LinearOp(long? InFeatures, long OutFeatures, bool Bias) : Op;

    /// <summary>Flatten: a view, no data moves.</summary>
    internal sealed record FlattenOp : Op;

    /// <summary>Dropout(p).</summary>
    internal sealed record DropoutOp(double P) : Op;

    /// <summary>ReLU, Sigmoid, Tanh, LeakyReLU(negativeSlope).</summary>
    internal sealed record ActivationOp(LayerKind Kind, double NegativeSlope) : Op;

    /// <summary>y = shortcut(x) + body(x); an identity shortcut when <see cref="Shortcut"/> is null.</summary>
    internal sealed record ResidualOp(BlockUse Body, BlockUse? Shortcut) : Op;

    /// <summary>y = cat([branch(x) for each branch], channels).</summary>
    internal sealed record ConcatOp(EquatableArray<BlockUse> Branches) : Op;

    /// <summary>A block's layers in place.</summary>
    internal sealed record SequentialOp(BlockUse Block) : Op;

    /// <summary>The join of a residual block: y = a + b (a graph node, not an attribute).</summary>
    internal sealed record AddOp : Op;

    /// <summary>The join of a concat block: the branches' outputs side by side along channels (or features).</summary>
    internal sealed record ConcatJoinOp : Op;

    /// <summary>
    /// One use of a [Block] class: its name and its layers as parsed (a block used twice is parsed twice, so each
    /// use is self-contained data). <see cref="Location"/> is the type argument that names it (analyzer only).
    /// </summary>
    internal sealed record BlockUse(string Name, EquatableArray<LayerSpec> Layers, LocationInfo? Location);
}
