using System;
using System.Globalization;
using System.IO;
using Microsoft.ML.OnnxRuntime;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "ort CASE --model FILE.onnx [--seconds S] [--threads T]": the ONNX Runtime peer of compare.py. Times one
    /// inference case of a model exported from PyTorch (compare.py exports them) and prints the same JSON line as
    /// the CnnGen runner. Input and output tensors are bound once, so a step is one session run and nothing else.
    /// </summary>
    public static class OrtPeer
    {
        public static int Run(string[] args)
        {
            string name = args[1];
            string? model = null;
            double seconds = 5;
            int threads = Environment.ProcessorCount;
            for (int i = 2; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--model") model = args[i + 1];
                else if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--threads") threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            if (model is null || !File.Exists(model))
            {
                Console.Error.WriteLine($"ort {name}: --model must name an existing .onnx file (compare.py exports them); got '{model}'.");
                return 2;
            }
            var (batch, channels, size) = name switch
            {
                "simple_infer" => (1000, 1, 28),
                "simple_latency" => (1, 1, 28),
                "vgg_infer" => (1000, 3, 32),
                "resnet_infer" => (1000, 1, 28),
                _ => throw new ArgumentException($"ort: unknown case '{name}': simple_infer, simple_latency, vgg_infer, resnet_infer."),
            };

            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            using var session = new InferenceSession(model, options);
            string inputName = session.InputNames[0], outputName = session.OutputNames[0];
            var rng = new Randomness.Rng(7);
            var input = new float[batch * channels * size * size];
            for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 2 - 1);
            var logits = new float[batch * 10];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, channels, size, size });
            using var outputValue = OrtValue.CreateTensorValueFromMemory(logits, new long[] { batch, 10 });
            using var runOptions = new RunOptions();
            var inputNames = new[] { inputName };
            var outputNames = new[] { outputName };
            var inputs = new[] { inputValue };
            var outputs = new[] { outputValue };
            void Step() => session.Run(runOptions, inputNames, inputs, outputNames, outputs);

            TimedLoop.Run("ort", name, batch, threads, seconds, Step);
            return 0;
        }
    }
}
