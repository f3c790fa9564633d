using System;
using System.Globalization;
using System.Reflection;
using CnnGen.Cpu.Threading;
using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "memory [--batch B]": the activation memory of ResNet14's training step, for docs/benchmarks.md's comparison
    /// with PyTorch (torch_memory.py). Two figures that should agree: the generated arena sizes (the private consts
    /// ActivationFloatsPerSample, GradientFloatsPerSample and IndicesPerSample, read by reflection, times the batch),
    /// and the managed bytes the model allocates in its first ForwardBackward (the arenas are made lazily, so
    /// construction allocates only the parameters; the first step adds the gradient arena and anything else). Then
    /// the same for inference: InferenceFloatsPerSample (Predict's own arena, every activation transient) and the bytes
    /// the first Predict of a batch allocates (that arena and nothing else: the folded weights are made with the model).
    /// </summary>
    public static class ArenaMemory
    {
        public static int Run(string[] args)
        {
            int batch = 64;
            for (int i = 1; i + 1 < args.Length; i += 2)
                if (args[i] == "--batch") batch = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            CpuParallel.MaxThreads = 1;

            long activation = Const(typeof(ResNet14), "ActivationFloatsPerSample");
            long gradient = Const(typeof(ResNet14), "GradientFloatsPerSample");
            long indices = Const(typeof(ResNet14), "IndicesPerSample");
            long arenaBytes = batch * (activation + gradient + indices) * 4;

            long before = GC.GetAllocatedBytesForCurrentThread();
            var model = new ResNet14(seed: 1, maxBatch: batch);
            long constructed = GC.GetAllocatedBytesForCurrentThread();
            var (input, labels) = Scenario.RandomBatch(model, batch);
            long batchMade = GC.GetAllocatedBytesForCurrentThread();
            model.ForwardBackward(input, labels, batch);
            long stepped = GC.GetAllocatedBytesForCurrentThread();
            model.ForwardBackward(input, labels, batch);
            long secondStep = GC.GetAllocatedBytesForCurrentThread() - stepped;
            long parameterFloats = 0;
            foreach (var p in model.Parameters) parameterFloats += p.Length;

            Console.WriteLine($"ResNet14, batch {batch}, floats per sample: activations {activation}, gradients {gradient}, max-pool indices {indices}");
            Console.WriteLine($"arenas (batch x per-sample x 4 bytes): activations {Mib(batch * activation * 4)}, gradients {Mib(batch * gradient * 4)}, indices {Mib(batch * indices * 4)}, total {Mib(arenaBytes)}");
            Console.WriteLine($"parameters: {parameterFloats} floats = {Mib(parameterFloats * 4)} (their gradients as much again)");
            Console.WriteLine($"managed bytes allocated on this thread: constructor {Mib(constructed - before)}, first ForwardBackward {Mib(stepped - batchMade)}, together {Mib(constructed - before + stepped - batchMade)}; second ForwardBackward {Mib(secondStep)}");
            long inference = Const(typeof(ResNet14), "InferenceFloatsPerSample");
            var predictor = new ResNet14(seed: 1, maxBatch: 1);
            var logits = new float[batch * predictor.OutputSize];
            long beforePredict = GC.GetAllocatedBytesForCurrentThread();
            predictor.Predict(input, batch, logits);
            long predicted = GC.GetAllocatedBytesForCurrentThread() - beforePredict;
            Console.WriteLine($"inference (Predict), floats per sample: {inference}; arena {Mib(batch * inference * 4)}; managed bytes allocated by the first Predict {Mib(predicted)}, by the training step's arenas for comparison {Mib(arenaBytes)}");
            // Where the activation floats go: the generated fields over the arenas (_input, _act*, _mask*, _gradSlot*),
            // as floats per sample, in declaration order (the plan's value order).
            Console.WriteLine("arena views, floats per sample:");
            foreach (var f in typeof(ResNet14).GetFields(BindingFlags.NonPublic | BindingFlags.Instance))
                if (f.FieldType == typeof(FloatBuffer) && IsArenaView(f.Name) && f.GetValue(model) is FloatBuffer view)
                    Console.WriteLine($"  {f.Name} {view.Length / batch}");
            return 0;
        }

        private static bool IsArenaView(string field) =>
            field == "_input" || field.StartsWith("_act", StringComparison.Ordinal) || field.StartsWith("_mask", StringComparison.Ordinal)
            || field.StartsWith("_grad", StringComparison.Ordinal);

        private static long Const(Type network, string name)
        {
            var field = network.GetField(name, BindingFlags.NonPublic | BindingFlags.Static);
            return field is null ? 0 : Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture);
        }

        private static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F2", CultureInfo.InvariantCulture) + " MiB";
    }
}
