using System;
using System.Diagnostics;
using System.Globalization;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// The timing loop every runner of compare.py shares (CnnGen, ONNX Runtime, and the TorchSharp peer, which
    /// links this file): three warm-up steps, then steps until the time is up (at least three), then one JSON line (wall and CPU time per step).
    /// </summary>
    public static class TimedLoop
    {
        public static void Run(string impl, string name, int batch, int threads, double seconds, Action step)
        {
            for (int i = 0; i < 3; i++) step(); // warm-up: JIT, arenas, pack buffers, the peers' own caches
            var process = Process.GetCurrentProcess();
            TimeSpan cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            long steps = 0;
            while (sw.Elapsed.TotalSeconds < seconds || steps < 3)
            {
                step();
                steps++;
            }
            double elapsed = sw.Elapsed.TotalSeconds;
            process.Refresh();
            // CPU time of the whole process over the timed steps: on a machine loaded by others it says what the
            // work cost where the wall clock also counts the time this process waited for a core.
            double cpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"impl\": \"{impl}\", \"case\": \"{name}\", \"batch\": {batch}, \"threads\": {threads}, \"steps\": {steps}, \"seconds\": {elapsed:F3}, \"samples_per_s\": {steps * batch / elapsed:F1}, \"ms_per_step\": {1000 * elapsed / steps:F4}, \"cpu_ms_per_step\": {cpuMs / steps:F4}}}"));
        }
    }
}
