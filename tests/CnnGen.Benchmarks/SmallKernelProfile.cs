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
    /// "smallprofile [--threads T] [--reps R] [--only NAME-PART]": the kernels around the big convolutions timed one by one (median of
    /// R calls): the first few-channel convolutions of SimpleCnn and the VGG-style net, 2×2 max-pooling, a
    /// ResNet-sized BatchNorm2d, the Adam step and SimpleCnn's batch-1 forward. A diagnostic for before/after runs.
    /// </summary>
    public static class SmallKernelProfile
    {
        public static int Run(string[] args)
        {
            int threads = Environment.ProcessorCount, reps = 50;
            string only = "";
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--only") { only = args[i + 1]; continue; }
                int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                if (args[i] == "--threads") threads = v;
                else if (args[i] == "--reps") reps = v;
            }
            CpuParallel.MaxThreads = threads;
            const int n = 64;
            var rng = new Randomness.Rng(5);
            FloatBuffer R(long len)
            {
                var a = new float[len];
                for (long i = 0; i < len; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
                return new FloatBuffer(a);
            }
            FloatBuffer Z(long len) => new(new float[len]);

            void T(string name, Action a)
            {
                if (!name.Contains(only, StringComparison.Ordinal)) return;
                for (int i = 0; i < 3; i++) a();
                var times = new double[reps];
                for (int r = 0; r < reps; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    a();
                    times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
                Array.Sort(times);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-32} {times[reps / 2],9:F4} ms"));
            }

            var simple1 = new Conv2dShape(1, 28, 28, 32, 3, 1, 1, 1, 1, 28, 28);
            FloatBuffer x1 = R(n * 784), w1 = R(288), b1 = R(32), y1 = Z(n * 32 * 784), g1 = R(n * 32 * 784), dw1 = Z(288), db1 = Z(32);
            T("simple conv1 fwd", () => Conv2dKernel.Forward(x1, w1, b1, y1, n, in simple1, Epilogue.ReLU));
            T("simple conv1 bwd (dW)", () => Conv2dKernel.Backward(x1, w1, y1, g1, FloatBuffer.Empty, dw1, db1, n, in simple1, Epilogue.None));

            var vgg1 = new Conv2dShape(3, 32, 32, 32, 3, 1, 1, 1, 1, 32, 32);
            FloatBuffer x2 = R(n * 3072), w2 = R(864), b2 = R(32), y2 = Z(n * 32 * 1024), g2 = R(n * 32 * 1024), dw2 = Z(864), db2 = Z(32);
            T("vgg conv1 fwd", () => Conv2dKernel.Forward(x2, w2, b2, y2, n, in vgg1, Epilogue.ReLU));
            T("vgg conv1 bwd (dW)", () => Conv2dKernel.Backward(x2, w2, y2, g2, FloatBuffer.Empty, dw2, db2, n, in vgg1, Epilogue.None));

            T("relu bwd 64x32x28x28", () => ActivationKernel.Backward(ActivationKind.ReLU, g1, y1, y1, n * 32 * 784));

            var pool = new Pool2dShape(32, 28, 28, 2, 2, 0, 1, 14, 14);
            FloatBuffer px = R(n * 32 * 784), py = Z(n * 32 * 196), pdy = R(n * 32 * 196), pdx = Z(n * 32 * 784);
            var pidx = new IntBuffer(new int[n * 32 * 196]);
            T("pool 32x28x28 fwd", () => MaxPool2dKernel.Forward(px, py, pidx, n, in pool));
            T("pool 32x28x28 fwd inference", () => MaxPool2dKernel.ForwardInference(px, py, n, in pool));
            T("pool 32x28x28 bwd", () => MaxPool2dKernel.Backward(pdy, pidx, pdx, n, in pool));

            const int bc = 64, bs = 16 * 16;
            FloatBuffer bx = R(n * bc * bs), by = Z(n * bc * bs), bdy = R(n * bc * bs), bdx = Z(n * bc * bs);
            FloatBuffer gamma = R(bc), beta = R(bc), rm = Z(bc), rv = new(new float[bc]), sm = Z(bc), si = Z(bc), dg = Z(bc), dbeta = Z(bc);
            rv.Span.Fill(1f);
            T("batchnorm 64x16x16 train fwd", () => BatchNormKernel.ForwardTraining(bx, gamma, beta, by, rm, rv, sm, si, n, bc, bs, 1e-5f, 0.1f));
            T("batchnorm 64x16x16 bwd", () => BatchNormKernel.Backward(bx, gamma, bdy, sm, si, bdx, dg, dbeta, n, bc, bs));
            T("batchnorm 64x16x16 eval", () => BatchNormKernel.ForwardInference(bx, gamma, beta, by, rm, rv, n, bc, bs, 1e-5f));

            var net = new SimpleCnn(1, n);
            var adam = new Adam(net.Parameters);
            T("adam step (SimpleCnn)", () => adam.Step());

            FloatBuffer fx = R(3136), fw = R(128 * 3136), fb = R(128), fy = Z(128);
            T("fc1 batch-1 fwd", () => LinearKernel.Forward(fx, fw, fb, fy, 1, 3136, 128, Epilogue.ReLU));
            var c2 = new Conv2dShape(32, 14, 14, 64, 3, 1, 1, 1, 1, 14, 14);
            FloatBuffer cx = R(32 * 196), cw = R(64 * 288), cb = R(64), cy = Z(64 * 196);
            T("conv2 batch-1 fwd", () => Conv2dKernel.Forward(cx, cw, cb, cy, 1, in c2, Epilogue.ReLU));
            FloatBuffer sx = R(784), sy = Z(32 * 784);
            T("conv1 batch-1 fwd", () => Conv2dKernel.Forward(sx, w1, b1, sy, 1, in simple1, Epilogue.ReLU));
            var pool1 = new Pool2dShape(32, 28, 28, 2, 2, 0, 1, 14, 14);
            FloatBuffer py1 = Z(32 * 196);
            T("pool1 batch-1 fwd inference", () => MaxPool2dKernel.ForwardInference(sy, py1, 1, in pool1));

            var one = new SimpleCnn(1, 1);
            one.Eval();
            var (input, _) = Scenario.RandomBatch(one, 1);
            var logits = new float[one.OutputSize];
            T("SimpleCnn batch-1 predict", () => one.Predict(input, 1, logits));
            return 0;
        }
    }
}
