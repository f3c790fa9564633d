// The networks of tests/fixtures/make_fixtures.py, declared layer for layer in the same order, so the generated
// state_dict names ("0.weight", "3.running_mean", ...) are the ones PyTorch's nn.Sequential gives.
namespace CnnGen.Tests.Networks
{
    /// <summary>make_fixtures.py simple_cnn: seed 003's network, Dropout built with p = 0 as in the fixture.</summary>
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
    [Dropout(0.0)]
    [Linear(128, 10)]
    public partial class ParitySimpleCnn;

    // make_fixtures.py max_pool (and bn_eval) and no_max_pool are the shipped seed networks themselves,
    // CnnGen.Samples.MaxPoolNet and NoMaxPoolNet (samples/Common/SeedNetworks.cs): parity is checked on what users run.

    /// <summary>make_fixtures.py strided: stride, padding, dilation, groups, Tanh and a ceil-mode AvgPool2d.</summary>
    [Network(3, 17, 15)]
    [Conv2d(3, 8, 3, stride: 2, padding: 1)]
    [ReLU]
    [Conv2d(8, 8, 3, padding: 2, dilation: 2, groups: 2)]
    [Tanh]
    [AvgPool2d(3, 2, padding: 1, ceilMode: true)]
    [Flatten]
    [Linear(8 * 5 * 5, 10)]
    public partial class ParityStrided;

    /// <summary>make_fixtures.py pools: ceil-mode MaxPool2d first, LeakyReLU, AdaptiveAvgPool2d, Sigmoid.</summary>
    [Network(2, 12, 12)]
    [MaxPool2d(3, 2, ceilMode: true)]
    [Conv2d(2, 4, 3)]
    [LeakyReLU(0.1)]
    [AdaptiveAvgPool2d(2, 3)]
    [Flatten]
    [Linear(24, 5)]
    [Sigmoid]
    [Linear(5, 3)]
    public partial class ParityPools;
}
