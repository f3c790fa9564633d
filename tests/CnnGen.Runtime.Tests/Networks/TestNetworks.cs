// Networks for the gradient checks and the training-step tests (the PyTorch twins are in ParityNetworks.cs).
namespace CnnGen.Tests.Networks
{
    /// <summary>Every smooth layer: strided, padded, dilated and grouped convolutions, BatchNorm2d/1d, Tanh, Sigmoid, both average pools.</summary>
    [Network(2, 11, 10)]
    [Conv2d(2, 4, 3, stride: 2, padding: 1)]
    [Tanh]
    [Conv2d(4, 6, 3, padding: 2, dilation: 2, groups: 2)]
    [BatchNorm2d(6)]
    [Sigmoid]
    [AvgPool2d(2, 1)]
    [AdaptiveAvgPool2d(2, 2)]
    [Flatten]
    [Linear(24, 8)]
    [BatchNorm1d(8)]
    [Tanh]
    [Linear(8, 5)]
    public partial class SmoothNet;

    /// <summary>A small SimpleCnn: ReLU, MaxPool2d, Linear, with kinks the gradient check has to step around.</summary>
    [Network(1, 12, 12)]
    [Conv2d(1, 4, 3, padding: 1)]
    [ReLU]
    [MaxPool2d(2, 2)]
    [Conv2d(4, 8, 3)]
    [ReLU]
    [MaxPool2d(2)]
    [Flatten]
    [Linear(32, 16)]
    [ReLU]
    [Linear(16, 4)]
    public partial class KinkyNet;

    /// <summary>A ceil-mode MaxPool2d, LeakyReLU and a bias-free Linear.</summary>
    [Network(3, 9, 9)]
    [Conv2d(3, 5, 3, bias: false)]
    [LeakyReLU(0.2)]
    [MaxPool2d(2, ceilMode: true)]
    [Flatten]
    [Linear(80, 6, bias: false)]
    [Sigmoid]
    [Linear(6, 3)]
    public partial class LeakyNet;

    /// <summary>Dropout with p = 0.5 between two Linear layers.</summary>
    [Network(1, 6, 6)]
    [Flatten]
    [Linear(36, 20)]
    [ReLU]
    [Dropout(0.5)]
    [Linear(20, 3)]
    public partial class DropoutNet;

    /// <summary><see cref="DropoutNet"/> with p = 0: the same parameters, no dropout.</summary>
    [Network(1, 6, 6)]
    [Flatten]
    [Linear(36, 20)]
    [ReLU]
    [Dropout(0.0)]
    [Linear(20, 3)]
    public partial class DropoutFreeNet;

    /// <summary>A tiny convolutional classifier for the learning test.</summary>
    [Network(1, 6, 6)]
    [Conv2d(1, 4, 3)]
    [ReLU]
    [Flatten]
    [Linear(64, 3)]
    public partial class TinyNet;
}
