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
            if (args.Length >= 1 && args[0] == "epoch")
                return EpochOverhead.Run(args);
            if (args.Length >= 1 && args[0] == "dw")
                return WeightGradientBench.Run(args);
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }

        /// <summary>compare CASE [--seconds S] [--threads T] [--batch B]; CASE: one of <see cref="Scenario.Names"/>; --batch for inference cases.</summary>
        private static int Compare(string[] args)
        {
            string scenario = args[1];
            double seconds = 10;
            int threads = Environment.ProcessorCount;
            int? batchOverride = null;
            for (int i = 2; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--threads") threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--batch") batchOverride = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            CpuParallel.MaxThreads = threads;
            var (batch, step) = Scenario.Create(scenario, batchOverride);
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
        /// A scenario's step. <paramref name="inferBatch"/> replaces an inference case's batch (1000; 1 for simple_latency),
        /// to compare with a build whose figure differed. Inference networks are made with maxBatch 1: Predict has its own
        /// arena, grown to the batch, and never allocates the training one.
        /// </summary>
        public static (int Batch, Action Step) Create(string name, int? inferBatch = null) => name switch
        {
            "vgg_train" => Train(new VggNet(seed: 1, maxBatch: 64), 64),
            "vgg_infer" => Infer(new VggNet(seed: 1, maxBatch: 1), inferBatch ?? 1000),
            "simple_train" => Train(new SimpleCnn(seed: 1, maxBatch: 64), 64),
            "simple_infer" => Infer(new SimpleCnn(seed: 1, maxBatch: 1), inferBatch ?? 1000),
            "simple_latency" => Infer(new SimpleCnn(seed: 1, maxBatch: 1), inferBatch ?? 1),
            "max_pool_train" => Train(new MaxPoolNet(seed: 1, maxBatch: 1000), 1000, lr: 0.01f),
            "no_max_pool_train" => Train(new NoMaxPoolNet(seed: 1, maxBatch: 1000), 1000, lr: 0.01f),
            // The ResNet sample's network, Adam 1e-3 as the LibTorch peer's step (the sample itself trains with SGD).
            "resnet_train" => Train(new ResNet14(seed: 1, maxBatch: 64), 64),
            "resnet_infer" => Infer(new ResNet14(seed: 1, maxBatch: 1), inferBatch ?? 1000),
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
