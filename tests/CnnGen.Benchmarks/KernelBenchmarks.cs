using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CnnGen.Cpu;
using CnnGen.Cpu.Gemm;
using CnnGen.Cpu.Threading;

using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>A kernel benchmark that knows how many floating-point operations one invocation does.</summary>
    public interface IFlopCount
    {
        /// <summary>FLOPs of one call with the current parameters (a multiply-add counts 2).</summary>
        double Flops(string method);
    }

    /// <summary>GFLOP/s = the benchmark's FLOPs / its median time; shown next to BenchmarkDotNet's own columns.</summary>
    public sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "FLOPs of one call (2 per multiply-add) / median time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            Gflops(summary, benchmarkCase) is double g ? g.ToString("F1", CultureInfo.InvariantCulture) : "-";

        /// <summary>FLOPs of one call / median time in ns (= GFLOP/s), or null when unknown.</summary>
        public static double? Gflops(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return null;
            // A fresh instance with the case's parameters set answers the FLOP count.
            var instance = Activator.CreateInstance(benchmarkCase.Descriptor.Type);
            if (instance is not IFlopCount counter) return null;
            foreach (var p in benchmarkCase.Parameters.Items)
                benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
            double flops = counter.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
            return double.IsNaN(flops) ? null : flops / stats.Median; // FLOP/ns = GFLOP/s
        }
    }

    /// <summary>
    /// GFLOP/s as a share of the FMA peak of the threads the case used ("Threads" parameter, else 1): the peak of
    /// one core is measured once in the host process (<see cref="Peak.PerCore"/>, twelve independent chains).
    /// </summary>
    public sealed class PercentOfPeakColumn : IColumn
    {
        public string Id => "PctPeak";
        public string ColumnName => "% of peak";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "GFLOP/s / (measured FMA peak of one core × threads)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            if (GflopsColumn.Gflops(summary, benchmarkCase) is not double g) return "-";
            int threads = 1;
            foreach (var p in benchmarkCase.Parameters.Items)
                if (p.Name == "Threads" && p.Value is int t) threads = t;
            return (100 * g / (Peak.PerCore() * threads)).ToString("F0", CultureInfo.InvariantCulture) + "%";
        }
    }

    /// <summary>Adds the GFLOP/s and % of peak columns.</summary>
    public sealed class KernelConfig : ManualConfig
    {
        public KernelConfig() => AddColumn(new GflopsColumn(), new PercentOfPeakColumn());
    }

    /// <summary>Sgemm on the shapes SimpleCnn uses (per-sample conv GEMMs, the linear layer) and two squares, 1 and 2 threads.</summary>
    [Config(typeof(KernelConfig))]
    public class GemmBenchmarks : IFlopCount
    {
        /// <summary>"MxNxK".</summary>
        [Params("64x196x288", "32x784x9", "288x196x64", "64x128x3136", "256x256x256", "1024x1024x1024")]
        public string Shape { get; set; } = "256x256x256";

        [Params(1, 2)]
        public int Threads { get; set; } = 1;

        private int _m, _n, _k;
        private float[] _a = null!, _b = null!, _c = null!;

        private void Parse()
        {
            var parts = Shape.Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            (_m, _n, _k) = (parts[0], parts[1], parts[2]);
        }

        [GlobalSetup]
        public void Setup()
        {
            Parse();
            CpuParallel.MaxThreads = Threads;
            var rng = new Randomness.Rng(5);
            _a = Enumerable.Range(0, _m * _k).Select(_ => (float)rng.NextDouble()).ToArray();
            _b = Enumerable.Range(0, _k * _n).Select(_ => (float)rng.NextDouble()).ToArray();
            _c = new float[_m * _n];
        }

        [Benchmark]
        public void Sgemm() => Cpu.Gemm.Sgemm.Multiply(false, false, _m, _n, _k, _a, _k, _b, _n, _c, _n, accumulate: false);

        public double Flops(string method)
        {
            Parse();
            return 2.0 * _m * _n * _k;
        }
    }

    /// <summary>SimpleCnn's convolutions (batch 64) and its 3136→128 linear layer, forward and backward.</summary>
    [Config(typeof(KernelConfig))]
    public class LayerBenchmarks : IFlopCount
    {
        [Params(1, 2)]
        public int Threads { get; set; } = 2;

        private const int N = 64;
        private static readonly Conv2dShape Conv1 = new(1, 28, 28, 32, 3, 1, 1, 1, 1, 28, 28);
        private static readonly Conv2dShape Conv2 = new(32, 14, 14, 64, 3, 1, 1, 1, 1, 14, 14);
        private float[] _x1 = null!, _w1 = null!, _b1 = null!, _y1 = null!, _dy1 = null!, _dw1 = null!, _db1 = null!;
        private float[] _x2 = null!, _w2 = null!, _b2 = null!, _y2 = null!, _dy2 = null!, _dx2 = null!, _dw2 = null!, _db2 = null!;
        private float[] _xl = null!, _wl = null!, _bl = null!, _yl = null!, _dyl = null!, _dxl = null!, _dwl = null!, _dbl = null!;

        [GlobalSetup]
        public void Setup()
        {
            CpuParallel.MaxThreads = Threads;
            var rng = new Randomness.Rng(9);
            float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            (_x1, _w1, _b1, _y1, _dy1, _dw1, _db1) = (R(N * 784), R(288), R(32), R(N * 32 * 784), R(N * 32 * 784), new float[288], new float[32]);
            (_x2, _w2, _b2, _y2, _dy2, _dx2, _dw2, _db2) = (R(N * 32 * 196), R(64 * 288), R(64), R(N * 64 * 196), R(N * 64 * 196), new float[N * 32 * 196], new float[64 * 288], new float[64]);
            (_xl, _wl, _bl, _yl, _dyl, _dxl, _dwl, _dbl) = (R(N * 3136), R(128 * 3136), R(128), R(N * 128), R(N * 128), new float[N * 3136], new float[128 * 3136], new float[128]);
        }

        [Benchmark] public void Conv1Forward() => Conv2dKernel.Forward(new(_x1), new(_w1), new(_b1), new(_y1), N, in Conv1, Epilogue.ReLU);
        [Benchmark] public void Conv1Backward() => Conv2dKernel.Backward(new(_x1), new(_w1), new(_y1), new(_dy1), FloatBuffer.Empty, new(_dw1), new(_db1), N, in Conv1, Epilogue.None);
        [Benchmark] public void Conv2Forward() => Conv2dKernel.Forward(new(_x2), new(_w2), new(_b2), new(_y2), N, in Conv2, Epilogue.ReLU);
        [Benchmark] public void Conv2Backward() => Conv2dKernel.Backward(new(_x2), new(_w2), new(_y2), new(_dy2), new(_dx2), new(_dw2), new(_db2), N, in Conv2, Epilogue.None);
        [Benchmark] public void LinearForward() => LinearKernel.Forward(new(_xl), new(_wl), new(_bl), new(_yl), N, 3136, 128, Epilogue.ReLU);
        [Benchmark] public void LinearBackward() => LinearKernel.Backward(new(_xl), new(_wl), new(_yl), new(_dyl), new(_dxl), new(_dwl), new(_dbl), N, 3136, 128, Epilogue.None);

        public double Flops(string method) => method switch
        {
            // Multiply-adds of the products: forward one GEMM; backward dW (and dx where computed).
            nameof(Conv1Forward) => 2.0 * N * 32 * 9 * 784,
            nameof(Conv1Backward) => 2.0 * N * 32 * 9 * 784,
            nameof(Conv2Forward) => 2.0 * N * 64 * 288 * 196,
            nameof(Conv2Backward) => 2 * 2.0 * N * 64 * 288 * 196,
            nameof(LinearForward) => 2.0 * N * 128 * 3136,
            nameof(LinearBackward) => 2 * 2.0 * N * 128 * 3136,
            _ => double.NaN,
        };
    }
}
