using System;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnGen.Benchmarks.TorchSharpPeer
{
    /// <summary>
    /// "TorchSharpPeer CASE [--seconds S] [--threads T]": times one benchmark case in LibTorch through TorchSharp
    /// and prints one JSON line, the same line the CnnGen and ONNX Runtime runners print, for compare.py. The
    /// networks are the ones compare.py builds in PyTorch and CnnGen declares with attributes.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: TorchSharpPeer CASE [--seconds S] [--threads T]; CASE: " + string.Join(", ", Cases.Names));
                return 2;
            }
            string name = args[0];
            double seconds = 5;
            int threads = Environment.ProcessorCount;
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--threads") threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            torch.set_num_threads(threads);
            torch.manual_seed(1);
            var (batch, step) = Cases.Create(name);
            TimedLoop.Run("torchsharp", name, batch, threads, seconds, step);
            return 0;
        }
    }

    /// <summary>The cases on random data (speed does not depend on the values).</summary>
    public static class Cases
    {
        public static readonly string[] Names = { "simple_train", "simple_infer", "simple_latency", "vgg_train", "vgg_infer", "resnet_train", "resnet_infer" };

        public static (int Batch, Action Step) Create(string name) => name switch
        {
            "simple_train" => Train(SimpleCnn(), 64, 1, 28),
            "simple_infer" => Infer(SimpleCnn(), 1000, 1, 28),
            "simple_latency" => Infer(SimpleCnn(), 1, 1, 28),
            "vgg_train" => Train(Vgg(), 64, 3, 32),
            "vgg_infer" => Infer(Vgg(), 1000, 3, 32),
            "resnet_train" => Train(ResNet14(), 64, 1, 28),
            "resnet_infer" => Infer(ResNet14(), 1000, 1, 28),
            _ => throw new ArgumentException($"Unknown case '{name}': {string.Join(", ", Names)}."),
        };

        /// <summary>samples/Common/SeedNetworks.cs's SimpleCnn.</summary>
        public static Module<Tensor, Tensor> SimpleCnn() => Sequential(
            Conv2d(1, 32, 3, padding: 1), ReLU(), MaxPool2d(2, 2),
            Conv2d(32, 64, 3, padding: 1), ReLU(), MaxPool2d(2, 2),
            Flatten(), Linear(7 * 7 * 64, 128), ReLU(), Dropout(0.5), Linear(128, 10));

        /// <summary>tests/CnnGen.Benchmarks' VggNet: two VGG blocks on 3×32×32, then two Linear layers.</summary>
        public static Module<Tensor, Tensor> Vgg() => Sequential(
            Conv2d(3, 32, 3, padding: 1), ReLU(), Conv2d(32, 32, 3, padding: 1), ReLU(), MaxPool2d(2, 2),
            Conv2d(32, 64, 3, padding: 1), ReLU(), Conv2d(64, 64, 3, padding: 1), ReLU(), MaxPool2d(2, 2),
            Flatten(), Linear(64 * 8 * 8, 128), ReLU(), Linear(128, 10));

        /// <summary>
        /// ResNet-14 for 1×28×28: a 3×3 stem to 16 channels, three stages (16, 32, 64 channels; the last two halve
        /// the size) of two basic blocks each, global average pooling, Linear(64, 10).
        /// </summary>
        public static Module<Tensor, Tensor> ResNet14() => Sequential(
            Conv2d(1, 16, 3, padding: 1, bias: false), BatchNorm2d(16), ReLU(),
            new BasicBlock("b1", 16, 16, 1), new BasicBlock("b2", 16, 16, 1),
            new BasicBlock("b3", 16, 32, 2), new BasicBlock("b4", 32, 32, 1),
            new BasicBlock("b5", 32, 64, 2), new BasicBlock("b6", 64, 64, 1),
            AdaptiveAvgPool2d(1), Flatten(), Linear(64, 10));

        private static (int, Action) Train(Module<Tensor, Tensor> model, int batch, int channels, int size)
        {
            var x = torch.rand(batch, channels, size, size) * 2 - 1;
            var y = torch.randint(0, 10, new long[] { batch }, dtype: ScalarType.Int64);
            model.train();
            var adam = torch.optim.Adam(model.parameters(), lr: 1e-3);
            return (batch, () =>
            {
                using var scope = torch.NewDisposeScope();
                adam.zero_grad();
                var loss = functional.cross_entropy(model.call(x), y);
                loss.backward();
                adam.step();
            });
        }

        private static (int, Action) Infer(Module<Tensor, Tensor> model, int batch, int channels, int size)
        {
            var x = torch.rand(batch, channels, size, size) * 2 - 1;
            model.eval();
            return (batch, () =>
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                model.call(x);
            });
        }
    }

    /// <summary>conv3×3-BN-ReLU-conv3×3-BN, plus the input (through a 1×1 conv + BN when the shape changes), then ReLU.</summary>
    public sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1, bn1, conv2, bn2, shortcut;

        public BasicBlock(string name, long cin, long cout, long stride) : base(name)
        {
            conv1 = Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(cout);
            conv2 = Conv2d(cout, cout, 3, padding: 1, bias: false);
            bn2 = BatchNorm2d(cout);
            shortcut = stride != 1 || cin != cout
                ? Sequential(Conv2d(cin, cout, 1, stride: stride, bias: false), BatchNorm2d(cout))
                : Identity();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var y = functional.relu(bn1.call(conv1.call(x)));
            y = bn2.call(conv2.call(y));
            return functional.relu(y + shortcut.call(x));
        }
    }
}
