using System;
using System.Globalization;
using BenchmarkDotNet.Running;
using CnnGen.Cpu.Threading;
using CnnGen.Optim;

using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// Ways in: "compare CASE" times one scenario of CnnGen with a plain loop and prints one JSON line; "ort CASE"
    /// does the same for ONNX Runtime (compare.py runs both, alternating with the TorchSharp peer); "profile" and
    /// "peak" are diagnostics; anything else goes to BenchmarkDotNet (use --filter).
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length >= 2 && args[0] == "compare")
                return Compare(args);
            if (args.Length >= 1 && args[0] == "profile")
                return Profile.Run(args);
            if (args.Length >= 1 && args[0] == "smallprofile")
                return SmallKernelProfile.Run(args);
            if (args.Length >= 1 && args[0] == "peak")
                return Peak.Run(args);
            if (args.Length >= 2 && args[0] == "ort")
                return OrtPeer.Run(args);
            if (args.Length >= 1 && args[0] == "memory")
                return ArenaMemory.Run(args);
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }

        /// <summary>compare CASE [--seconds S] [--threads T]; CASE: one of <see cref="Scenario.Names"/>.</summary>
        private static int Compare(string[] args)
        {
            string scenario = args[1];
            double seconds = 10;
            int threads = Environment.ProcessorCount;
            for (int i = 2; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--threads") threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            CpuParallel.MaxThreads = threads;
            var (batch, step) = Scenario.Create(scenario);
            TimedLoop.Run("cnngen", scenario, batch, threads, seconds, step);
            return 0;
        }
    }

    /// <summary>The scenarios, on random data (speed does not depend on the values).</summary>
    public static class Scenario
    {
        public static readonly string[] Names =
            { "simple_train", "simple_infer", "simple_latency", "vgg_train", "vgg_infer", "max_pool_train", "no_max_pool_train",
              "resnet_train", "resnet_infer" };

        /// <summary>
        /// Batch of resnet_infer: 1000 like the other inference cases would keep a 1000-sample activation arena of
        /// ResNet14 (320,730 floats a sample: 1.2 GiB; Predict runs in the training arena's layout); 256 keeps it at 313 MiB on a machine
        /// shared with a training run. compare.py and the peers use the same figure.
        /// </summary>
        public const int ResNetInferBatch = 256;

        public static (int Batch, Action Step) Create(string name) => name switch
        {
            "vgg_train" => Train(new VggNet(seed: 1, maxBatch: 64), 64),
            "vgg_infer" => Infer(new VggNet(seed: 1, maxBatch: 1000), 1000),
            "simple_train" => Train(new SimpleCnn(seed: 1, maxBatch: 64), 64),
            "simple_infer" => Infer(new SimpleCnn(seed: 1, maxBatch: 1000), 1000),
            "simple_latency" => Infer(new SimpleCnn(seed: 1, maxBatch: 1), 1),
            "max_pool_train" => Train(new MaxPoolNet(seed: 1, maxBatch: 1000), 1000, lr: 0.01f),
            "no_max_pool_train" => Train(new NoMaxPoolNet(seed: 1, maxBatch: 1000), 1000, lr: 0.01f),
            // The ResNet sample's network, Adam 1e-3 as the LibTorch peer's step (the sample itself trains with SGD).
            "resnet_train" => Train(new ResNet14(seed: 1, maxBatch: 64), 64),
            "resnet_infer" => Infer(new ResNet14(seed: 1, maxBatch: ResNetInferBatch), ResNetInferBatch),
            _ => throw new ArgumentException($"Unknown case '{name}': {string.Join(", ", Names)}."),
        };

        public static (float[] Input, int[] Labels) RandomBatch(INetwork model, int batch)
        {
            var rng = new Randomness.Rng(7);
            var input = new float[batch * model.InputSize];
            for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
            var labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(model.OutputSize);
            return (input, labels);
        }

        private static (int, Action) Train(INetwork model, int batch, float lr = 1e-3f)
        {
            var (input, labels) = RandomBatch(model, batch);
            var adam = new Adam(model.Parameters, lr);
            return (batch, () =>
            {
                model.ForwardBackward(input, labels, batch);
                adam.Step();
            });
        }

        private static (int, Action) Infer(INetwork model, int batch)
        {
            var (input, _) = RandomBatch(model, batch);
            var logits = new float[batch * model.OutputSize];
            model.Eval();
            return (batch, () => model.Predict(input, batch, logits));
        }
    }
}
