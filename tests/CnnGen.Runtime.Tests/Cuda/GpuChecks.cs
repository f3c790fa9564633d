using System;
using CnnGen.Cuda;
using CnnGen.Cuda.Kernels;

namespace CnnGen.Tests.Cuda
{
    /// <summary>
    /// The on-device checks, shared by the [CudaFact] tests and the self-contained runner tests/Cuda/GpuCheck (the GPU
    /// machine has no .NET SDK). Each throws with a message on failure; references are plain float64 loops here.
    /// </summary>
    public static class GpuChecks
    {
        /// <summary>Opens device 0 and returns its description.</summary>
        public static string DeviceOpens()
        {
            using CudaDevice device = CudaDevice.Open();
            if (device.ComputeCapabilityMajor < 3) throw new Exception("Implausible compute capability " + device.Architecture);
            if (string.IsNullOrWhiteSpace(device.Name)) throw new Exception("The device has no name.");
            return device.Describe();
        }

        /// <summary>HtoD, DtoD, DtoH: the bytes come back unchanged.</summary>
        public static void RoundTrip()
        {
            using CudaDevice device = CudaDevice.Open();
            var host = new float[1000];
            for (int i = 0; i < host.Length; i++) host[i] = i * 0.5f - 17;
            using DeviceBuffer a = device.AllocateFloats(host.Length), b = device.AllocateFloats(host.Length);
            device.CopyToDevice<float>(host, a);
            device.CopyDeviceToDevice(a, b, a.Bytes);
            var back = new float[host.Length];
            device.CopyToHost<float>(b, back);
            for (int i = 0; i < host.Length; i++)
                if (BitConverter.SingleToInt32Bits(back[i]) != BitConverter.SingleToInt32Bits(host[i]))
                    throw new Exception($"Round trip changed element {i}: {host[i]} → {back[i]}");
        }

        /// <summary>An NVRTC-compiled saxpy runs on a stream and matches the host.</summary>
        public static void NvrtcKernelRuns()
        {
            const string source = """
                extern "C" __global__ void saxpy(float a, const float* x, float* y, int n)
                {
                    int i = blockIdx.x * blockDim.x + threadIdx.x;
                    if (i < n) y[i] = a * x[i] + y[i];
                }
                """;
            using CudaDevice device = CudaDevice.Open();
            using CudaModule module = device.CompileModule(source, "saxpy.cu");
            CudaKernel saxpy = module.GetKernel("saxpy");
            const int n = 3000;
            var x = new float[n];
            var y = new float[n];
            for (int i = 0; i < n; i++) { x[i] = i; y[i] = 1 - i; }
            using DeviceBuffer dx = device.AllocateFloats(n), dy = device.AllocateFloats(n);
            device.CopyToDevice<float>(x, dx);
            device.CopyToDevice<float>(y, dy);
            using CudaStream stream = device.CreateStream();
            using var args = new KernelArguments();
            args.Add(2.0f).Add(dx).Add(dy).Add(n);
            saxpy.Launch(CudaKernel.BlocksFor(n, 256), 1, 256, stream, args);
            stream.Synchronize();
            var result = new float[n];
            device.CopyToHost<float>(dy, result);
            for (int i = 0; i < n; i++)
            {
                float expected = 2.0f * x[i] + y[i]; // --fmad=false: two roundings, exactly as here
                if (result[i] != expected) throw new Exception($"saxpy[{i}] = {result[i]}, expected {expected}");
            }
        }

        /// <summary>Every glue kernel compiles for this device and can be looked up by name.</summary>
        public static void GlueKernelsCompile()
        {
            using CudaDevice device = CudaDevice.Open();
            using CudaModule module = device.CompileModule(GlueKernels.All, "cnngen_glue.cu");
            foreach (string name in GlueKernels.Names) module.GetKernel(name);
        }

        /// <summary>The dropout kernel's mask equals Rng.HashToUnit's decision for every index.</summary>
        public static void DropoutMaskMatchesCpuHash()
        {
            using CudaDevice device = CudaDevice.Open();
            using CudaModule module = device.CompileModule(GlueKernels.Dropout, "dropout.cu");
            const int n = 5000;
            const float p = 0.3f;
            const ulong seed = 0x1234_5678_9ABCUL;
            float scale = 1 / (1 - p);
            ulong threshold = (ulong)Math.Ceiling(p * (double)(1 << 24));
            using DeviceBuffer x = device.AllocateFloats(n), y = device.AllocateFloats(n), mask = device.AllocateFloats(n), seedBuf = device.Allocate(8);
            var ones = new float[n];
            Array.Fill(ones, 1f);
            device.CopyToDevice<float>(ones, x);
            device.CopyToDevice<ulong>(new[] { seed }, seedBuf);
            using CudaStream stream = device.CreateStream();
            using var args = new KernelArguments();
            args.Add(x).Add(y).Add(mask).Add((long)n).Add(seedBuf).Add(threshold).Add(scale);
            module.GetKernel("dropout_forward").Launch(CudaKernel.BlocksFor(n, 256), 1, 256, stream, args);
            stream.Synchronize();
            var m = new float[n];
            device.CopyToHost<float>(mask, m);
            for (int i = 0; i < n; i++)
            {
                float expected = CnnGen.Randomness.Rng.HashToUnit(seed, (ulong)i) >= p ? scale : 0;
                if (m[i] != expected) throw new Exception($"dropout mask[{i}] = {m[i]}, the CPU hash gives {expected}");
            }
        }

        /// <summary>cuBLAS row-major sgemm (no TF32) against a float64 loop.</summary>
        public static void CublasSgemmMatchesCpu()
        {
            using CudaDevice device = CudaDevice.Open();
            const int m = 37, n = 29, k = 53;
            var rng = new CnnGen.Randomness.Rng(7);
            var a = new float[m * k];
            var b = new float[k * n];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
            using CudaStream stream = device.CreateStream();
            using CublasHandle blas = CublasHandle.Create(device, stream);
            using DeviceBuffer da = device.AllocateFloats(a.Length), db = device.AllocateFloats(b.Length), dc = device.AllocateFloats(m * n);
            device.CopyToDevice<float>(a, da);
            device.CopyToDevice<float>(b, db);
            blas.SgemmRowMajor(false, false, m, n, k, 1f, da, db, 0f, dc);
            stream.Synchronize();
            var c = new float[m * n];
            device.CopyToHost<float>(dc, c);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                    // FP32 accumulation over k = 53 terms of size ≤ 1: well within 1e-5 unless TF32 (10-bit mantissa) were on.
                    if (Math.Abs(c[i * n + j] - s) > 1e-5 * Math.Max(1, Math.Abs(s)))
                        throw new Exception($"sgemm C[{i},{j}] = {c[i * n + j]}, float64 reference {s}");
                }
        }

        /// <summary>cuDNN 3×3 convolution with padding (FMA math) plus bias against a float64 loop.</summary>
        public static void CudnnConvolutionMatchesCpu()
        {
            using CudaDevice device = CudaDevice.Open();
            const int N = 2, C = 3, H = 9, W = 7, K = 4, R = 3, S = 3, pad = 1;
            const int P = H, Q = W; // stride 1, padding 1, 3×3 keeps the size
            var rng = new CnnGen.Randomness.Rng(11);
            float[] x = Random(rng, N * C * H * W), w = Random(rng, K * C * R * S), bias = Random(rng, K);
            using CudaStream stream = device.CreateStream();
            using CudnnHandle dnn = CudnnHandle.Create(device, stream);
            using CudnnDescriptor xd = CudnnDescriptor.Tensor4d(N, C, H, W), wd = CudnnDescriptor.Filter4d(K, C, R, S),
                                  cd = CudnnDescriptor.Convolution2d(pad, pad, 1, 1, 1, 1), yd = CudnnDescriptor.Tensor4d(N, K, P, Q),
                                  bd = CudnnDescriptor.Tensor4d(1, K, 1, 1);
            (int algo, long wsBytes) = dnn.ChooseForward(xd, wd, cd, yd);
            using DeviceBuffer dx = device.AllocateFloats(x.Length), dw = device.AllocateFloats(w.Length), db = device.AllocateFloats(K),
                               dy = device.AllocateFloats(N * K * P * Q);
            using DeviceBuffer? ws = wsBytes > 0 ? device.Allocate(wsBytes) : null;
            device.CopyToDevice<float>(x, dx);
            device.CopyToDevice<float>(w, dw);
            device.CopyToDevice<float>(bias, db);
            dnn.ConvolutionForward(xd, dx, wd, dw, cd, algo, ws, yd, dy);
            dnn.AddBias(bd, db, yd, dy);
            stream.Synchronize();
            var y = new float[N * K * P * Q];
            device.CopyToHost<float>(dy, y);
            for (int n = 0; n < N; n++)
                for (int k = 0; k < K; k++)
                    for (int p = 0; p < P; p++)
                        for (int q = 0; q < Q; q++)
                        {
                            double s = bias[k];
                            for (int c = 0; c < C; c++)
                                for (int r = 0; r < R; r++)
                                    for (int t = 0; t < S; t++)
                                    {
                                        int h = p - pad + r, col = q - pad + t;
                                        if (h < 0 || h >= H || col < 0 || col >= W) continue;
                                        s += (double)x[((n * C + c) * H + h) * W + col] * w[((k * C + c) * R + r) * S + t];
                                    }
                            float got = y[((n * K + k) * P + p) * Q + q];
                            if (Math.Abs(got - s) > 1e-5 * Math.Max(1, Math.Abs(s)))
                                throw new Exception($"conv y[{n},{k},{p},{q}] = {got}, float64 reference {s} (algorithm {algo})");
                        }
        }

        private static float[] Random(CnnGen.Randomness.Rng rng, int count)
        {
            var v = new float[count];
            for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
            return v;
        }
    }
}
