using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;

using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "peak [--seconds S]": the machine's real single-precision FMA peak, measured (not quoted; best short block), and the GEMM's
    /// throughput on the SimpleCnn shapes against it. The peak loop runs twelve independent FMA chains (more than
    /// latency × throughput on any current x86 core, so the FMA units never wait on a result) and counts
    /// 2 · lanes FLOPs per FMA. The GEMM is timed as 2·M·N·K / time after a correctness check against a float64
    /// product, so a wrong formula or a broken kernel cannot pass as a fast one.
    /// </summary>
    public static class Peak
    {
        public static int Run(string[] args)
        {
            double seconds = 1;
            for (int i = 1; i + 1 < args.Length; i += 2)
                if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Vector512 hardware accelerated: {Vector512.IsHardwareAccelerated}, Vector256: {Vector256.IsHardwareAccelerated}"));
            double p512 = Fma512(seconds), p256 = Fma256(seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak, 1 thread:  Vector512 {p512:F1} GFLOP/s, Vector256 {p256:F1} GFLOP/s"));
            double both = Parallel2(seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak, 2 threads (Vector512, summed): {both:F1} GFLOP/s"));
            double peak1 = Math.Max(p512, p256);

            foreach (var (m, n, k, what) in new[]
            {
                (64, 196, 288, "conv2 fwd per sample: W[64x288]·col[288x196]"),
                (32, 784, 9, "conv1 fwd per sample: W[32x9]·col[9x784]"),
                (288, 196, 64, "conv2 dx per sample: Wt[288x64]·dy[64x196]"),
                (64, 128, 3136, "fc1 fwd batch 64: x[64x3136]·Wt"),
                (256, 256, 256, "square 256"),
                (1024, 1024, 1024, "square 1024"),
            })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    CpuParallel.MaxThreads = threads;
                    double g = GemmGflops(m, n, k, seconds / 2, out double maxErr);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"GEMM {m}x{n}x{k} ({what}), {threads} thread(s): {g:F1} GFLOP/s = {100 * g / (threads == 1 ? peak1 : both):F0}% of measured peak; max rel. error vs float64 {maxErr:E1}"));
                }
            }
            return 0;
        }

        private static double _perCore;

        /// <summary>The FMA peak of one core in GFLOP/s (the better of 512- and 256-bit vectors), measured on first use.</summary>
        public static double PerCore()
        {
            if (_perCore == 0) _perCore = Math.Max(Fma512(0.3), Fma256(0.3));
            return _perCore;
        }

        private static double Fma512(double seconds)
        {
            // The best of many short blocks: on a shared machine a block the scheduler did not interrupt shows
            // the hardware's rate, where a long average shows the share of the CPU this process happened to get.
            double best = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                long t0 = Stopwatch.GetTimestamp();
                Sink += Block512(20_000, ChainStarts);
                best = Math.Max(best, 20_000 * 12.0 * 16 * 2 / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
            }
            return best;
        }

        // Its own method with no call inside the loop: accumulators live across a call (the timer) would be kept
        // on the stack, and the store-to-load latency would then be measured instead of the FMA units.
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Block512(int iterations, float[] start)
        {
            var m = Vector512.Create(0.999999f);
            var a = Vector512.Create(1e-7f);
            // Twelve chains with different starting values read from memory: chains that start equal compute the
            // same values, and the JIT folds them into fewer (the first version of this loop did, and reported
            // an impossible 275 GFLOP/s, twice what two 256-bit FMA pipes can do).
            Vector512<float> c0 = Vector512.Create(start[0]), c1 = Vector512.Create(start[1]), c2 = Vector512.Create(start[2]),
                c3 = Vector512.Create(start[3]), c4 = Vector512.Create(start[4]), c5 = Vector512.Create(start[5]),
                c6 = Vector512.Create(start[6]), c7 = Vector512.Create(start[7]), c8 = Vector512.Create(start[8]),
                c9 = Vector512.Create(start[9]), c10 = Vector512.Create(start[10]), c11 = Vector512.Create(start[11]);
            for (int i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
                c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            }
            return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
        }

        private static double Fma256(double seconds)
        {
            // The best of many short blocks: on a shared machine a block the scheduler did not interrupt shows
            // the hardware's rate, where a long average shows the share of the CPU this process happened to get.
            double best = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                long t0 = Stopwatch.GetTimestamp();
                Sink += Block256(20_000, ChainStarts);
                best = Math.Max(best, 20_000 * 12.0 * 8 * 2 / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
            }
            return best;
        }

        // Its own method with no call inside the loop: accumulators live across a call (the timer) would be kept
        // on the stack, and the store-to-load latency would then be measured instead of the FMA units.
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Block256(int iterations, float[] start)
        {
            var m = Vector256.Create(0.999999f);
            var a = Vector256.Create(1e-7f);
            // Twelve chains with different starting values read from memory: chains that start equal compute the
            // same values, and the JIT folds them into fewer (the first version of this loop did, and reported
            // an impossible 275 GFLOP/s, twice what two 256-bit FMA pipes can do).
            Vector256<float> c0 = Vector256.Create(start[0]), c1 = Vector256.Create(start[1]), c2 = Vector256.Create(start[2]),
                c3 = Vector256.Create(start[3]), c4 = Vector256.Create(start[4]), c5 = Vector256.Create(start[5]),
                c6 = Vector256.Create(start[6]), c7 = Vector256.Create(start[7]), c8 = Vector256.Create(start[8]),
                c9 = Vector256.Create(start[9]), c10 = Vector256.Create(start[10]), c11 = Vector256.Create(start[11]);
            for (int i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
                c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
                c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
                c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
                c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
                c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            }
            return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).ToScalar();
        }

        private static double Parallel2(double seconds)
        {
            double other = 0;
            var t = new Thread(() => other = Fma512(seconds));
            t.Start();
            double mine = Fma512(seconds);
            t.Join();
            return mine + other;
        }

        /// <summary>Keeps the peak loops' results alive so the JIT cannot drop them.</summary>
        public static float Sink;

        /// <summary>The twelve chains' starting values: all different, and not constants the JIT can see through.</summary>
        private static readonly float[] ChainStarts = { 1.00f, 1.01f, 1.02f, 1.03f, 1.04f, 1.05f, 1.06f, 1.07f, 1.08f, 1.09f, 1.10f, 1.11f };

        private static double GemmGflops(int m, int n, int k, double seconds, out double maxRelErr)
        {
            var rng = new Randomness.Rng(11);
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
            Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);

            // A float64 check of a sample of entries (all of them for the small shapes).
            maxRelErr = 0;
            int stepI = Math.Max(1, m / 16), stepJ = Math.Max(1, n / 16);
            for (int i = 0; i < m; i += stepI)
                for (int j = 0; j < n; j += stepJ)
                {
                    double sum = 0, mag = 0;
                    for (int p = 0; p < k; p++) { sum += (double)a[i * k + p] * b[p * n + j]; mag += Math.Abs((double)a[i * k + p] * b[p * n + j]); }
                    maxRelErr = Math.Max(maxRelErr, Math.Abs(c[i * n + j] - sum) / Math.Max(mag, 1e-30));
                }
            if (maxRelErr > 1e-5) throw new InvalidOperationException($"GEMM {m}x{n}x{k} is wrong: relative error {maxRelErr}.");

            // The fastest of many calls, for the same reason as the peak loop: on a loaded machine the mean
            // measures the scheduler. (The median is printed by the BenchmarkDotNet kernel benchmarks.)
            long reps = 0;
            double bestSeconds = double.MaxValue;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds || reps < 3)
            {
                long t0 = Stopwatch.GetTimestamp();
                Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false);
                bestSeconds = Math.Min(bestSeconds, Stopwatch.GetElapsedTime(t0).TotalSeconds);
                reps++;
            }
            return 2.0 * m * n * k / bestSeconds / 1e9;
        }
    }
}
