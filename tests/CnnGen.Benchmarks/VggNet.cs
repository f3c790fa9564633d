using CnnGen;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// The benchmarks' VGG-style network for 3×32×32 (CIFAR-sized) inputs: two VGG blocks (two 3×3 convolutions
    /// and a 2×2 max-pool each, 32 then 64 channels), then Linear(4096, 128) and Linear(128, 10). About 50 MFLOP
    /// a sample forward, mostly in 3×3 convolutions with 32–64 channels, the shape of work SimpleCnn has little
    /// of. compare.py and the TorchSharp peer build the same layers.
    /// </summary>
    [Network(3, 32, 32)]
    [Conv2d(3, 32, 3, padding: 1)]
    [ReLU]
    [Conv2d(32, 32, 3, padding: 1)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Conv2d(32, 64, 3, padding: 1)]
    [ReLU]
    [Conv2d(64, 64, 3, padding: 1)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Flatten]
    [Linear(64 * 8 * 8, 128)]
    [ReLU]
    [Linear(128, 10)]
    public partial class VggNet;
}
