using CnnGen;

namespace CnnGen.Samples
{
    // The samples' networks, declared once for the samples and the benchmarks (tests/CnnGen.Benchmarks/compare.py
    // builds the same three in PyTorch). The generator checks every number below at compile time.

    /// <summary>
    /// The MNIST SimpleCNN. Two conv + pool blocks take 1×28×28 to 64×7×7; the generator computes the
    /// 7 × 7 × 64 = 3136 inputs of the first Linear and stops the build if they don't fit.
    /// </summary>
    [Network(1, 28, 28)]
    [Conv2d(1, 32, 3, padding: 1)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Conv2d(32, 64, 3, padding: 1)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Flatten]
    [Linear(7 * 7 * 64, 128)]
    [ReLU]
    [Dropout(0.5)]
    [Linear(128, 10)]
    public partial class SimpleCnn;

    /// <summary>The max-pooling study's `max_pool` network for Fashion-MNIST, with BatchNorm after the first pool and the first Linear.</summary>
    [Network(1, 28, 28)]
    [Conv2d(1, 6, 5)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [BatchNorm2d(6)]
    [Conv2d(6, 12, 5)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Flatten]
    [Linear(12 * 4 * 4, 120)]
    [ReLU]
    [BatchNorm1d(120)]
    [Linear(120, 60)]
    [ReLU]
    [Linear(60, 10)]
    public partial class MaxPoolNet;

    /// <summary>The max-pooling study's `no_max_pool`: the same network without the pools, so the first Linear sees 12 × 20 × 20.</summary>
    [Network(1, 28, 28)]
    [Conv2d(1, 6, 5)]
    [ReLU]
    [BatchNorm2d(6)]
    [Conv2d(6, 12, 5)]
    [ReLU]
    [Flatten]
    [Linear(12 * 20 * 20, 120)]
    [ReLU]
    [BatchNorm1d(120)]
    [Linear(120, 60)]
    [ReLU]
    [Linear(60, 10)]
    public partial class NoMaxPoolNet;
}

namespace CnnGen.Samples
{
    // ResNet-14 for 1×28×28 images (samples/ResNet): a CIFAR-style ResNet (He et al. 2015, §4.2) with three stages of
    // two basic blocks, 16/32/64 channels at 28×28, 14×14 and 7×7. 13 convolutions + 1 Linear = 14 layers; the first
    // block of stages 2 and 3 halves the resolution and doubles the channels, with a 1×1 stride-2 projection shortcut.
    // Each stage is a [Sequential<…>], so the state_dict reads like torchvision's: "3.0.body.0.weight" is stage 1's
    // first block's first conv, "4.0.shortcut.0.weight" stage 2's projection (docs/graphs.md).

    /// <summary>The basic block body at 16 channels: conv-BN-ReLU-conv-BN, shape kept.</summary>
    [Block]
    [Conv2d(16, 16, 3, padding: 1, bias: false)]
    [BatchNorm2d(16)]
    [ReLU]
    [Conv2d(16, 16, 3, padding: 1, bias: false)]
    [BatchNorm2d(16)]
    public partial class BasicBlock16;

    /// <summary>The basic block body at 32 channels.</summary>
    [Block]
    [Conv2d(32, 32, 3, padding: 1, bias: false)]
    [BatchNorm2d(32)]
    [ReLU]
    [Conv2d(32, 32, 3, padding: 1, bias: false)]
    [BatchNorm2d(32)]
    public partial class BasicBlock32;

    /// <summary>The basic block body at 64 channels.</summary>
    [Block]
    [Conv2d(64, 64, 3, padding: 1, bias: false)]
    [BatchNorm2d(64)]
    [ReLU]
    [Conv2d(64, 64, 3, padding: 1, bias: false)]
    [BatchNorm2d(64)]
    public partial class BasicBlock64;

    /// <summary>A downsampling body 16 → 32 channels: the first conv has stride 2.</summary>
    [Block]
    [Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false)]
    [BatchNorm2d(32)]
    [ReLU]
    [Conv2d(32, 32, 3, padding: 1, bias: false)]
    [BatchNorm2d(32)]
    public partial class DownBlock32;

    /// <summary>A downsampling body 32 → 64 channels.</summary>
    [Block]
    [Conv2d(32, 64, 3, stride: 2, padding: 1, bias: false)]
    [BatchNorm2d(64)]
    [ReLU]
    [Conv2d(64, 64, 3, padding: 1, bias: false)]
    [BatchNorm2d(64)]
    public partial class DownBlock64;

    /// <summary>The projection shortcut that fits <see cref="DownBlock32"/>: 1×1 stride-2 conv + BatchNorm.</summary>
    [Block]
    [Conv2d(16, 32, 1, stride: 2, bias: false)]
    [BatchNorm2d(32)]
    public partial class Projection32;

    /// <summary>The projection shortcut that fits <see cref="DownBlock64"/>.</summary>
    [Block]
    [Conv2d(32, 64, 1, stride: 2, bias: false)]
    [BatchNorm2d(64)]
    public partial class Projection64;

    /// <summary>Stage 1: two identity blocks at 16×28×28.</summary>
    [Block]
    [Residual<BasicBlock16>]
    [ReLU]
    [Residual<BasicBlock16>]
    [ReLU]
    public partial class ResNetStage16;

    /// <summary>Stage 2: 16×28×28 → 32×14×14, then an identity block.</summary>
    [Block]
    [Residual<DownBlock32, Projection32>]
    [ReLU]
    [Residual<BasicBlock32>]
    [ReLU]
    public partial class ResNetStage32;

    /// <summary>Stage 3: 32×14×14 → 64×7×7, then an identity block.</summary>
    [Block]
    [Residual<DownBlock64, Projection64>]
    [ReLU]
    [Residual<BasicBlock64>]
    [ReLU]
    public partial class ResNetStage64;

    /// <summary>ResNet-14 for Fashion-MNIST (samples/ResNet, and the ResNet benchmark).</summary>
    [Network(1, 28, 28)]
    [Conv2d(1, 16, 3, padding: 1, bias: false)]
    [BatchNorm2d(16)]
    [ReLU]
    [Sequential<ResNetStage16>]
    [Sequential<ResNetStage32>]
    [Sequential<ResNetStage64>]
    [AdaptiveAvgPool2d(1, 1)]
    [Flatten]
    [Linear(64, 10)]
    public partial class ResNet14;
}
