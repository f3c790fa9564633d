using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using CnnGen.Cpu.Threading;
using CnnGen.Data;
using CnnGen.Optim;
using CnnGen.Samples;
using CnnGen.Training;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "epoch [--threads T] [--rounds R]": issue 14's end-to-end target. The SimpleCnn sample's whole epoch (shuffled
    /// loading with prefetch, progress lines, the 10,000-sample evaluation and the per-epoch checkpoint) against the
    /// pure step (ForwardBackward + Adam.Step on one prepared batch) over the same number of batches, alternating
    /// the two in one process. Data are random MNIST-sized images: the time does not depend on the values.
    /// </summary>
    public static class EpochOverhead
    {
        private const int TrainSamples = 60_000, TestSamples = 10_000, Batch = 64, Pixels = 28 * 28;

        public static int Run(string[] args)
        {
            int threads = Environment.ProcessorCount, rounds = 2;
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                if (args[i] == "--threads") threads = v;
                else if (args[i] == "--rounds") rounds = v;
            }
            CpuParallel.MaxThreads = threads;

            var rng = new Random(14);
            var train = RandomDataset(rng, TrainSamples);
            var test = RandomDataset(rng, TestSamples);
            using var trainLoader = new DataLoader(train, Batch, shuffle: true, seed: 50);
            using var testLoader = new DataLoader(test, 1000);
            int batches = trainLoader.BatchCount;

            var model = new SimpleCnn(50, maxBatch: Batch);
            var optimizer = new Adam(model.Parameters, 1e-4f);
            var x = new float[Batch * Pixels];
            var labels = new int[Batch];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
            for (int i = 0; i < labels.Length; i++) labels[i] = rng.Next(10);
            var logits = new float[Batch * 10];
            string checkpoints = Path.Combine(Path.GetTempPath(), "cnngen-epoch-bench-" + Environment.ProcessId);

            (double Wall, double Cpu) PureSteps() => Timed(() =>
            {
                for (int b = 0; b < batches; b++)
                {
                    model.ForwardBackward(x, labels, Batch, logits);
                    optimizer.Step();
                }
            });

            (double Wall, double Cpu) WholeEpoch() => Timed(() =>
            {
                var options = new TrainerOptions
                {
                    CheckpointDirectory = checkpoints, Progress = ProgressMode.Plain, Output = TextWriter.Null, HandleCtrlC = false,
                };
                Trainer.Fit(model, optimizer, trainLoader, testLoader, 1, options);
            });

            try
            {
                PureSteps();   // warm-up: JIT, scratch growth, worker threads
                Console.WriteLine($"SimpleCnn, batch {Batch}, {batches} batches an epoch, {threads} thread(s); load {Load()}");
                for (int r = 0; r < rounds; r++)
                {
                    // Alternate the order so that a change of load hits both alike.
                    (double Wall, double Cpu) pure, epoch;
                    if (r % 2 == 0) { pure = PureSteps(); epoch = WholeEpoch(); }
                    else { epoch = WholeEpoch(); pure = PureSteps(); }
                    double samples = batches * Batch;
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                        "round {0}: pure steps {1:0.00} s wall / {2:0.00} s CPU ({3:#,0} samples/s), whole epoch {4:0.00} s wall / {5:0.00} s CPU ({6:#,0} samples/s): " +
                        "epoch throughput = {7:0.0%} of the pure step's by wall time, {8:0.0%} by CPU time",
                        r + 1, pure.Wall, pure.Cpu, samples / pure.Wall, epoch.Wall, epoch.Cpu, TrainSamples / epoch.Wall,
                        pure.Wall / epoch.Wall * TrainSamples / samples, pure.Cpu / epoch.Cpu * TrainSamples / samples));
                    Directory.Delete(checkpoints, recursive: true);
                }
                Console.WriteLine($"load at the end {Load()}");
            }
            finally
            {
                if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
            }
            return 0;
        }

        /// <summary>Wall and process CPU seconds of one call: CPU time is what a busy shared machine distorts least.</summary>
        private static (double Wall, double Cpu) Timed(Action work)
        {
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            work();
            double wall = clock.Elapsed.TotalSeconds;
            process.Refresh();
            return (wall, (process.TotalProcessorTime - cpu0).TotalSeconds);
        }

        private static InMemoryDataset RandomDataset(Random rng, int count)
        {
            var images = new float[count * Pixels];
            var labels = new int[count];
            for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextDouble();
            for (int i = 0; i < count; i++) labels[i] = rng.Next(10);
            return new InMemoryDataset(images, labels, 1, 28, 28, 10, "random");
        }

        private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";
    }
}
