using System;
using System.Diagnostics;
using System.Globalization;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// The timing loop every runner of compare.py shares (CnnGen, ONNX Runtime, and the TorchSharp peer, which
    /// links this file): three warm-up steps, then steps until the time is up (at least three), then one JSON line.
    /// </summary>
    public static class TimedLoop
    {
        public static void Run(string impl, string name, int batch, int threads, double seconds, Action step)
        {
            for (int i = 0; i < 3; i++) step(); // warm-up: JIT, arenas, pack buffers, the peers' own caches
            var sw = Stopwatch.StartNew();
            long steps = 0;
            while (sw.Elapsed.TotalSeconds < seconds || steps < 3)
            {
                step();
                steps++;
            }
            double elapsed = sw.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"impl\": \"{impl}\", \"case\": \"{name}\", \"batch\": {batch}, \"threads\": {threads}, \"steps\": {steps}, \"seconds\": {elapsed:F3}, \"samples_per_s\": {steps * batch / elapsed:F1}, \"ms_per_step\": {1000 * elapsed / steps:F4}}}"));
        }
    }
}
