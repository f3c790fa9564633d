using System;
using System.Diagnostics;
using System.Globalization;
using CnnGen.Cpu;
using CnnGen.Cpu.Threading;
using CnnGen.Optim;

using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>
    /// "profile [--batch B] [--threads T] [--reps R]": SimpleCnn's training step taken apart, each kernel call
    /// timed on its own (median of R repetitions) with the shapes the generated code uses. A diagnostic to find
    /// where the step's time goes; the numbers add up to roughly one step.
    /// </summary>
    public static class Profile
    {
        public static int Run(string[] args)
        {
            int batch = 64, threads = Environment.ProcessorCount, reps = 50;
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                if (args[i] == "--batch") batch = v;
                else if (args[i] == "--threads") threads = v;
                else if (args[i] == "--reps") reps = v;
            }
            CpuParallel.MaxThreads = threads;
            int n = batch;
            var rng = new Randomness.Rng(3);
            float[] R(long len) { var a = new float[len]; for (long i = 0; i < len; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
            FloatBuffer B(float[] a) => new(a);

            var c1 = new Conv2dShape(1, 28, 28, 32, 3, 1, 1, 1, 1, 28, 28);
            var p1 = new Pool2dShape(32, 28, 28, 2, 2, 0, 1, 14, 14);
            var c2 = new Conv2dShape(32, 14, 14, 64, 3, 1, 1, 1, 1, 14, 14);
            var p2 = new Pool2dShape(64, 14, 14, 2, 2, 0, 1, 7, 7);
            float[] x = R(n * 784), w1 = R(288), b1 = R(32), a1 = new float[n * 32 * 784], g1 = R(n * 32 * 784);
            float[] a2 = new float[n * 32 * 196], g2 = R(n * 32 * 196); int[] i2 = new int[n * 32 * 196];
            float[] w3 = R(64 * 288), b3 = R(64), a3 = new float[n * 64 * 196], g3 = R(n * 64 * 196);
            float[] a5 = new float[n * 3136], g5 = R(n * 3136); int[] i5 = new int[n * 3136];
            float[] w7 = R(128 * 3136), b7 = R(128), a7 = new float[n * 128], g7 = R(n * 128);
            float[] w10 = R(1280), b10 = R(10), a10 = new float[n * 10], g10 = R(n * 10);
            float[] dw1 = new float[288], db1 = new float[32], dw3 = new float[64 * 288], db3 = new float[64];
            float[] dw7 = new float[128 * 3136], db7 = new float[128], dw10 = new float[1280], db10 = new float[10];
            var net = new SimpleCnn(1, n);
            var adam = new Adam(net.Parameters);
            var (input, labels) = Scenario.RandomBatch(net, n);

            double total = 0;
            void T(string name, Action a)
            {
                for (int i = 0; i < 3; i++) a();
                var times = new double[reps];
                for (int r = 0; r < reps; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    a();
                    times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
                Array.Sort(times);
                double med = times[reps / 2];
                if (name[0] != '=') total += med;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {med,9:F4} ms"));
            }

            T("conv1 fwd", () => Conv2dKernel.Forward(B(x), B(w1), B(b1), B(a1), n, in c1, Epilogue.ReLU));
            T("pool1 fwd", () => MaxPool2dKernel.Forward(B(a1), B(a2), new IntBuffer(i2), n, in p1));
            T("conv2 fwd", () => Conv2dKernel.Forward(B(a2), B(w3), B(b3), B(a3), n, in c2, Epilogue.ReLU));
            T("pool2 fwd", () => MaxPool2dKernel.Forward(B(a3), B(a5), new IntBuffer(i5), n, in p2));
            T("fc1 fwd", () => LinearKernel.Forward(B(a5), B(w7), B(b7), B(a7), n, 3136, 128, Epilogue.ReLU));
            T("fc2 fwd", () => LinearKernel.Forward(B(a7), B(w10), B(b10), B(a10), n, 128, 10, Epilogue.None));
            T("fc2 bwd", () => LinearKernel.Backward(B(a7), B(w10), B(a10), B(g10), B(g7), B(dw10), B(db10), n, 128, 10, Epilogue.None));
            T("fc1 bwd", () => LinearKernel.Backward(B(a5), B(w7), B(a7), B(g7), B(g5), B(dw7), B(db7), n, 3136, 128, Epilogue.None));
            T("pool2 bwd", () => MaxPool2dKernel.Backward(B(g5), new IntBuffer(i5), B(g3), n, in p2));
            T("conv2 bwd", () => Conv2dKernel.Backward(B(a2), B(w3), B(a3), B(g3), B(g2), B(dw3), B(db3), n, in c2, Epilogue.None));
            T("pool1 bwd", () => MaxPool2dKernel.Backward(B(g2), new IntBuffer(i2), B(g1), n, in p1));
            T("conv1 bwd", () => Conv2dKernel.Backward(B(x), B(w1), B(a1), B(g1), FloatBuffer.Empty, B(dw1), B(db1), n, in c1, Epilogue.None));
            T("adam step", () => adam.Step());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"sum of parts",-28} {total,9:F4} ms"));
            net.Train();
            T("= whole step (fwd+bwd+adam)", () => { net.ForwardBackward(input, labels, n); adam.Step(); });
            return 0;
        }
    }
}
