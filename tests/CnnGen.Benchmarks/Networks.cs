using CnnGen;

namespace CnnGen.Benchmarks
{
    // The three seed networks, exactly as the PyTorch side of compare.py builds them.

    /// <summary>Seed 003: MNIST SimpleCNN.</summary>
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

    /// <summary>Seed 001: the Fashion-MNIST network with max pooling.</summary>
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

    /// <summary>Seed 001: the same network without pooling.</summary>
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
