namespace CnnGen.Cuda.Kernels
{
    /// <summary>
    /// CUDA C++ sources of the elementwise "glue" the cuDNN/cuBLAS calls leave over, compiled at run time with NVRTC
    /// (<see cref="NvrtcCompiler.DefaultOptions"/>: <c>--fmad=false</c>, so every a·b + c rounds twice, as on the CPU).
    /// All kernels are <c>extern "C"</c> so their names are not mangled, and take sizes as 64-bit counts.
    /// Values that change from step to step (the dropout seed, Adam's bias corrections) are read from device memory,
    /// never passed as launch arguments: a captured CUDA graph freezes its arguments, so a replay could not change them.
    /// </summary>
    /// <remarks>NOT YET COMPILED OR RUN: this session had no GPU; see docs/gpu.md.</remarks>
    public static class GlueKernels
    {
        /// <summary>
        /// bias_relu_forward(y, bias, channels, spatial, total): y = max(y + bias[c], 0) in place, NCHW (spatial = H·W;
        /// 1 for a Linear output). relu_backward(y, dy, total): dy = y &gt; 0 ? dy : 0 in place (ReLU's gradient from
        /// its output, as the CPU backward folds it). bias_forward is the same without the ReLU.
        /// </summary>
        public const string BiasRelu = """
            extern "C" __global__ void bias_relu_forward(float* __restrict__ y, const float* __restrict__ bias,
                                                         int channels, long long spatial, long long total)
            {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
                {
                    int c = (int)((i / spatial) % channels);
                    float v = y[i] + bias[c];
                    y[i] = (v > 0.0f || isnan(v)) ? v : 0.0f;   // NaN propagates, as torch.relu (fmaxf would drop it)
                }
            }

            extern "C" __global__ void bias_forward(float* __restrict__ y, const float* __restrict__ bias,
                                                    int channels, long long spatial, long long total)
            {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
                    y[i] = y[i] + bias[(int)((i / spatial) % channels)];
            }

            extern "C" __global__ void relu_backward(const float* __restrict__ y, float* __restrict__ dy, long long total)
            {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
                    dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
            }
            """;

        /// <summary>
        /// dropout_forward(x, y, mask, total, seedPtr, threshold, scale): the same mask as the CPU's DropoutKernel —
        /// u = Rng.HashToUnit(seed, i) = (SplitMix64(seed ^ i·φ) &gt;&gt; 40)·2⁻²⁴, kept when u ≥ p, i.e. when the top 24
        /// bits ≥ threshold = ⌈p·2²⁴⌉ (computed on the host in double, as the CPU does); mask = kept ? scale : 0 with
        /// scale = 1/(1−p) in float (0 when p = 1). The seed is read from device memory (*seedPtr) so a graph replay can
        /// use a new one. dropout_backward(dy, mask, dx, total): dx = dy·mask.
        /// </summary>
        public const string Dropout = """
            __device__ __forceinline__ unsigned long long cnngen_hash(unsigned long long seed, unsigned long long index)
            {
                unsigned long long z = (seed ^ (index * 0x9E3779B97F4A7C15ULL)) + 0x9E3779B97F4A7C15ULL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
                return z ^ (z >> 31);
            }

            extern "C" __global__ void dropout_forward(const float* __restrict__ x, float* __restrict__ y, float* __restrict__ mask,
                                                       long long total, const unsigned long long* __restrict__ seedPtr,
                                                       unsigned long long threshold, float scale)
            {
                unsigned long long seed = *seedPtr;
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
                {
                    float m = (cnngen_hash(seed, (unsigned long long)i) >> 40) >= threshold ? scale : 0.0f;
                    mask[i] = m;
                    y[i] = x[i] * m;
                }
            }

            extern "C" __global__ void dropout_backward(const float* __restrict__ dy, const float* __restrict__ mask,
                                                        float* __restrict__ dx, long long total)
            {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
                    dx[i] = dy[i] * mask[i];
            }
            """;

        /// <summary>
        /// softmax_xent_rows(logits, labels, dlogits, rowLoss, n, classes, invN): one thread per row (classes is small:
        /// 10 for MNIST); subtracts the row maximum, rowLoss[r] = log Σ exp(z − max) − (z[label] − max) in double,
        /// dLogits = softmax/n − onehot/n (dlogits may be logits). mean_loss(rowLoss, n, loss): one block of 256 threads
        /// sums the row losses in a fixed order (deterministic, no atomics) and writes the float mean.
        /// </summary>
        public const string SoftmaxCrossEntropy = """
            extern "C" __global__ void softmax_xent_rows(const float* logits, const int* __restrict__ labels, float* dlogits,
                                                         double* __restrict__ rowLoss, int n, int classes, float invN)
            {
                int r = blockIdx.x * blockDim.x + threadIdx.x;
                if (r >= n) return;
                const float* z = logits + (long long)r * classes;
                float* g = dlogits + (long long)r * classes;
                int label = labels[r];
                float target = z[label];           // read before g overwrites it when dlogits == logits
                float mx = z[0];
                for (int c = 1; c < classes; c++) mx = fmaxf(mx, z[c]);
                float sum = 0.0f;
                for (int c = 0; c < classes; c++) { float e = expf(z[c] - mx); g[c] = e; sum += e; }
                rowLoss[r] = log((double)sum) - ((double)target - (double)mx);
                float k = invN / sum;
                for (int c = 0; c < classes; c++) g[c] = g[c] * k;
                g[label] -= invN;
            }

            extern "C" __global__ void mean_loss(const double* __restrict__ rowLoss, int n, float* __restrict__ loss)
            {
                __shared__ double part[256];
                double s = 0.0;
                for (int i = threadIdx.x; i < n; i += 256) s += rowLoss[i];
                part[threadIdx.x] = s;
                __syncthreads();
                for (int width = 128; width > 0; width >>= 1)
                {
                    if (threadIdx.x < width) part[threadIdx.x] += part[threadIdx.x + width];
                    __syncthreads();
                }
                if (threadIdx.x == 0) *loss = (float)(part[0] / n);
            }
            """;

        /// <summary>
        /// count_correct(logits, labels, n, classes, correct): adds to *correct the rows whose argmax (the first maximum
        /// on ties, as torch.argmax and the CPU's Evaluation.ArgMax) equals the label. Integer atomics: exact and
        /// order-independent. The caller zeroes *correct first.
        /// </summary>
        public const string Accuracy = """
            extern "C" __global__ void count_correct(const float* __restrict__ logits, const int* __restrict__ labels,
                                                     int n, int classes, unsigned int* __restrict__ correct)
            {
                int r = blockIdx.x * blockDim.x + threadIdx.x;
                if (r >= n) return;
                const float* z = logits + (long long)r * classes;
                int best = 0;
                float bestValue = z[0];
                for (int c = 1; c < classes; c++) if (z[c] > bestValue) { bestValue = z[c]; best = c; }
                if (best == labels[r]) atomicAdd(correct, 1u);
            }
            """;

        /// <summary>
        /// One launch updates every parameter tensor. grid = (blocks per tensor, tensor count); each block strides over
        /// its tensor. The table (device memory) holds one row per tensor; the hyper-parameters are a small device array
        /// rewritten before each step, so a captured graph replays with new bias corrections.
        /// adam_multi: rows { float* p; const float* g; float* m; float* v; long long n; },
        /// h = { decay, l2, beta1, 1−beta1, beta2, 1−beta2, sqrt(bc2), eps, lr/bc1 }, the CPU's OptimizerKernels.Adam
        /// step by step (decay = 1 − lr·wd for AdamW, l2 = wd for Adam).
        /// sgd_multi: rows { float* p; const float* g; float* buf; long long n; } (buf null without momentum),
        /// h = { lr, wd, mu, c, momentum, nesterov (0/1) }, the CPU's SgdPlain/SgdMomentum.
        /// </summary>
        public const string MultiTensorOptimizer = """
            struct AdamRow { float* p; const float* g; float* m; float* v; long long n; };
            struct SgdRow { float* p; const float* g; float* buf; long long n; };

            extern "C" __global__ void adam_multi(const AdamRow* __restrict__ rows, const float* __restrict__ h)
            {
                AdamRow t = rows[blockIdx.y];
                float decay = h[0], l2 = h[1], b1 = h[2], omb1 = h[3], b2 = h[4], omb2 = h[5], bc2Sqrt = h[6], eps = h[7], step = h[8];
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < t.n; i += (long long)gridDim.x * blockDim.x)
                {
                    float pi = t.p[i] * decay;
                    float gi = t.g[i] + l2 * pi;
                    float mi = t.m[i] * b1 + omb1 * gi;
                    float vi = t.v[i] * b2 + omb2 * gi * gi;
                    t.m[i] = mi;
                    t.v[i] = vi;
                    float denom = sqrtf(vi) / bc2Sqrt + eps;
                    t.p[i] = pi + (-step) * (mi / denom);
                }
            }

            extern "C" __global__ void sgd_multi(const SgdRow* __restrict__ rows, const float* __restrict__ h)
            {
                SgdRow t = rows[blockIdx.y];
                float lr = h[0], wd = h[1], mu = h[2], c = h[3], momentum = h[4];
                bool nesterov = h[5] != 0.0f;
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < t.n; i += (long long)gridDim.x * blockDim.x)
                {
                    float pi = t.p[i];
                    float d = t.g[i] + wd * pi;
                    if (t.buf != 0)
                    {
                        float b = t.buf[i] * mu + c * d;
                        t.buf[i] = b;
                        d = nesterov ? d + momentum * b : b;
                    }
                    t.p[i] = pi + (-lr) * d;
                }
            }
            """;

        /// <summary>All glue kernels in one translation unit (one NVRTC compile, one module).</summary>
        public static string All => BiasRelu + "\n" + Dropout + "\n" + SoftmaxCrossEntropy + "\n" + Accuracy + "\n" + MultiTensorOptimizer;

        /// <summary>The kernel names <see cref="All"/> defines.</summary>
        public static readonly string[] Names =
        {
            "bias_relu_forward", "bias_forward", "relu_backward", "dropout_forward", "dropout_backward",
            "softmax_xent_rows", "mean_loss", "count_correct", "adam_multi", "sgd_multi",
        };
    }
}
