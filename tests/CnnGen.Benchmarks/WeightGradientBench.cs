using System;
using System.Diagnostics;
using System.Globalization;
using CnnGen.Cpu;
using CnnGen.Cpu.Threading;
using CnnGen.Cpu.Winograd;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "dw [--batch B] [--threads T] [--reps R]": a 3×3 convolution's weight gradient two ways, alternating, for the
    /// seed networks' shapes: the im2col + GEMM path (Conv2dKernel.Backward without dx, so dW and dBias) and the
    /// Winograd F(2×2, 3×3) path (dW only; the bias gradient is a plain sum either way). Best of R for each.
    /// </summary>
    public static class WeightGradientBench
    {
        public static int Run(string[] args)
        {
            int batch = 64, threads = Environment.ProcessorCount, reps = 20;
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                if (args[i] == "--batch") batch = v;
                else if (args[i] == "--threads") threads = v;
                else if (args[i] == "--reps") reps = v;
            }
            CpuParallel.MaxThreads = threads;
            var cases = new (string Name, int Cin, int Cout, int H)[]
            {
                ("SimpleCnn conv2", 32, 64, 14), ("VGG conv2", 32, 32, 32), ("VGG conv3", 32, 64, 16), ("VGG conv4", 64, 64, 16),
                ("ResNet stage 1", 16, 16, 28), ("ResNet stage 2", 32, 32, 14), ("ResNet stage 3", 64, 64, 7),
            };
            Console.WriteLine($"batch {batch}, {threads} thread(s), best of {reps}, process CPU time per call; load {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine("| shape | GEMM dW+db CPU ms | Winograd dW CPU ms | ratio |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var c in cases)
            {
                var s = new Conv2dShape(c.Cin, c.H, c.H, c.Cout, 3, 1, 1, 1, 1, c.H, c.H);
                var rng = new Random(1);
                var x = Filled(rng, (long)batch * s.InputSize);
                var w = Filled(rng, s.WeightSize);
                var dy = Filled(rng, (long)batch * s.OutputSize);
                var dw = new float[s.WeightSize];
                var db = new float[s.OutChannels];
                double gemm = double.MaxValue, wino = double.MaxValue;
                for (int r = 0; r < reps; r++)
                {
                    WinogradWeightGradient.DisabledOnThisThread = true;
                    gemm = Math.Min(gemm, CpuMilliseconds(() => Conv2dKernel.Backward(new FloatBuffer(x), new FloatBuffer(w), FloatBuffer.Empty,
                        new FloatBuffer(dy), FloatBuffer.Empty, new FloatBuffer(dw), new FloatBuffer(db), batch, in s, Epilogue.None)));
                    WinogradWeightGradient.DisabledOnThisThread = false;
                    wino = Math.Min(wino, CpuMilliseconds(() => WinogradWeightGradient.Compute(x, dy, dw, batch, in s)));
                }
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "| {0} ({1}→{2}, {3}×{3}) | {4:0.000} | {5:0.000} | {6:0.00}× |",
                    c.Name, c.Cin, c.Cout, c.H, gemm, wino, gemm / wino));
            }
            return 0;
        }

        /// <summary>
        /// Process CPU milliseconds of one call (a loop of calls of at least 20 ms, averaged): on a machine shared with
        /// busy builds, CPU time is far steadier than wall time. With one thread it is the kernel's own time.
        /// </summary>
        private static double CpuMilliseconds(Action call)
        {
            var process = Process.GetCurrentProcess();
            call();
            process.Refresh();
            var start = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            int calls = 0;
            do { call(); calls++; } while (clock.ElapsedMilliseconds < 20);
            process.Refresh();
            return (process.TotalProcessorTime - start).TotalMilliseconds / calls;
        }

        private static float[] Filled(Random rng, long length)
        {
            var a = new float[length];
            for (long i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
            return a;
        }
    }
}
