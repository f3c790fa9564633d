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
