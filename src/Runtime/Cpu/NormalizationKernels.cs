using System;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Cpu
{
    /// <summary>
    /// BatchNorm over x[n, C, spatial] (spatial = H·W for BatchNorm2d, 1 for BatchNorm1d), PyTorch semantics:
    /// training normalises with the biased batch variance and updates running stats with the unbiased one:
    /// running = (1 − momentum)·running + momentum·batch. Evaluation uses the running stats.
    /// </summary>
    /// <remarks>
    /// Statistics are accumulated in double, so a channel of a million floats loses nothing to summation order.
    /// An empty <c>gamma</c>/<c>beta</c> means affine = false (γ = 1, β = 0). Work is split over channels.
    /// </remarks>
    public static class BatchNormKernel
    {
        /// <summary>
        /// Training forward. Writes y, and saveMean/saveInvStd [C] for the backward; updates runningMean/runningVar [C].
        /// </summary>
        public static void ForwardTraining(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y,
            FloatBuffer runningMean, FloatBuffer runningVar, FloatBuffer saveMean, FloatBuffer saveInvStd,
            int n, int channels, int spatial, float eps, float momentum)
        {
            CheckCommon(n, channels, spatial, x.Length, nameof(x), y.Length, nameof(y), gamma, beta);
            long count = (long)n * spatial;
            if (count <= 1)
                throw new ArgumentException(
                    $"BatchNorm training needs more than one value per channel to estimate a variance; got batch {n} × spatial {spatial}.", nameof(n));
            CheckChannels(channels, runningMean.Length, nameof(runningMean));
            CheckChannels(channels, runningVar.Length, nameof(runningVar));
            CheckChannels(channels, saveMean.Length, nameof(saveMean));
            CheckChannels(channels, saveInvStd.Length, nameof(saveInvStd));
            MiscParallel.For(channels, (long)n * channels * spatial,
                new TrainWork(x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd, n, channels, spatial, eps, momentum));
        }

        /// <summary>Evaluation forward with running statistics.</summary>
        public static void ForwardInference(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y,
            FloatBuffer runningMean, FloatBuffer runningVar, int n, int channels, int spatial, float eps)
        {
            CheckCommon(n, channels, spatial, x.Length, nameof(x), y.Length, nameof(y), gamma, beta);
            CheckChannels(channels, runningMean.Length, nameof(runningMean));
            CheckChannels(channels, runningVar.Length, nameof(runningVar));
            MiscParallel.For(channels, (long)n * channels * spatial,
                new InferenceWork(x, gamma, beta, y, runningMean, runningVar, n, channels, spatial, eps));
        }

        /// <summary>
        /// Backward of the evaluation forward (running statistics are constants): dx = dy·γ/√(var+eps),
        /// dGamma = Σ dy·x̂, dBeta = Σ dy. Used when ForwardBackward runs after Eval().
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardInference(FloatBuffer x, FloatBuffer gamma, FloatBuffer dy, FloatBuffer runningMean, FloatBuffer runningVar,
            FloatBuffer dx, FloatBuffer dGamma, FloatBuffer dBeta, int n, int channels, int spatial, float eps)
        {
            CheckCommon(n, channels, spatial, x.Length, nameof(x), dy.Length, nameof(dy), gamma, FloatBuffer.Empty);
            CheckChannels(channels, runningMean.Length, nameof(runningMean));
            CheckChannels(channels, runningVar.Length, nameof(runningVar));
            if (!dx.IsEmpty) CheckTensor(dx.Length, nameof(dx), (long)n * channels * spatial);
            if (!dGamma.IsEmpty) CheckChannels(channels, dGamma.Length, nameof(dGamma));
            if (!dBeta.IsEmpty) CheckChannels(channels, dBeta.Length, nameof(dBeta));
            // Rarely on a hot path (backward after Eval()), so one plain pass per channel.
            ReadOnlySpan<float> xs = x.Span, dys = dy.Span, g = gamma.Span, rm = runningMean.Span, rv = runningVar.Span;
            Span<float> dxs = dx.Span, dg = dGamma.Span, db = dBeta.Span;
            for (int c = 0; c < channels; c++)
            {
                double mean = rm[c], invStd = 1.0 / Math.Sqrt(rv[c] + (double)eps);
                float scale = (float)((g.IsEmpty ? 1.0 : g[c]) * invStd);
                double sumDy = 0, sumDyXhat = 0;
                for (int s = 0; s < n; s++)
                {
                    int start = (s * channels + c) * spatial;
                    for (int i = start; i < start + spatial; i++)
                    {
                        sumDy += dys[i];
                        sumDyXhat += dys[i] * ((xs[i] - mean) * invStd);
                        if (!dxs.IsEmpty) dxs[i] = dys[i] * scale;
                    }
                }
                if (!dg.IsEmpty) dg[c] = (float)sumDyXhat;
                if (!db.IsEmpty) db[c] = (float)sumDy;
            }
        }

        /// <summary>Backward of the training forward: dx (skipped when empty), dGamma, dBeta; overwritten.</summary>
        public static void Backward(FloatBuffer x, FloatBuffer gamma, FloatBuffer dy, FloatBuffer saveMean, FloatBuffer saveInvStd,
            FloatBuffer dx, FloatBuffer dGamma, FloatBuffer dBeta, int n, int channels, int spatial)
        {
            CheckCommon(n, channels, spatial, x.Length, nameof(x), dy.Length, nameof(dy), gamma, FloatBuffer.Empty);
            CheckChannels(channels, saveMean.Length, nameof(saveMean));
            CheckChannels(channels, saveInvStd.Length, nameof(saveInvStd));
            if (!dx.IsEmpty) CheckTensor(dx.Length, nameof(dx), (long)n * channels * spatial);
            if (!dGamma.IsEmpty) CheckChannels(channels, dGamma.Length, nameof(dGamma));
            if (!dBeta.IsEmpty) CheckChannels(channels, dBeta.Length, nameof(dBeta));
            MiscParallel.For(channels, (long)n * channels * spatial,
                new BackwardWork(x, gamma, dy, saveMean, saveInvStd, dx, dGamma, dBeta, n, channels, spatial));
        }

        private static void CheckCommon(int n, int channels, int spatial, int inLength, string inName, int outLength, string outName,
            FloatBuffer gamma, FloatBuffer beta)
        {
            if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"BatchNorm: batch size must not be negative, got {n}.");
            if (channels < 1 || spatial < 1)
                throw new ArgumentOutOfRangeException(nameof(channels), $"BatchNorm: channels and spatial size must be positive, got {channels} and {spatial}.");
            long size = (long)n * channels * spatial;
            CheckTensor(inLength, inName, size);
            CheckTensor(outLength, outName, size);
            if (!gamma.IsEmpty) CheckChannels(channels, gamma.Length, nameof(gamma));
            if (!beta.IsEmpty) CheckChannels(channels, beta.Length, nameof(beta));
        }

        private static void CheckTensor(int length, string name, long needed)
        {
            if (length < needed)
                throw new ArgumentException($"BatchNorm: buffer {name} holds {length} floats, the shape needs {needed}.", name);
        }

        private static void CheckChannels(int channels, int length, string name)
        {
            if (length < channels)
                throw new ArgumentException($"BatchNorm: per-channel buffer {name} holds {length} floats, there are {channels} channels.", name);
        }

        /// <summary>BatchNorm1d's x[n, C] has one value per channel per row: its channels go in blocks of this many, row by row.</summary>
        private const int ColumnBlock = 64;

        /// <summary>y = x·a + b elementwise (y may be x).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Affine(ReadOnlySpan<float> x, float a, float b, Span<float> y)
        {
            int i = 0;
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float ry = ref MemoryMarshal.GetReference(y);
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> va = Vector512.Create(a), vb = Vector512.Create(b);
                for (; i <= y.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                    (Vector512.LoadUnsafe(ref rx, (nuint)i) * va + vb).StoreUnsafe(ref ry, (nuint)i);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> va = Vector256.Create(a), vb = Vector256.Create(b);
                for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                    (Vector256.LoadUnsafe(ref rx, (nuint)i) * va + vb).StoreUnsafe(ref ry, (nuint)i);
            }
            for (; i < y.Length; i++)
                y[i] = x[i] * a + b;
        }

        private readonly struct TrainWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _gamma, _beta, _y, _runningMean, _runningVar, _saveMean, _saveInvStd;
            private readonly int _n, _channels, _spatial;
            private readonly float _eps, _momentum;

            public TrainWork(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y, FloatBuffer runningMean, FloatBuffer runningVar,
                FloatBuffer saveMean, FloatBuffer saveInvStd, int n, int channels, int spatial, float eps, float momentum)
            {
                _x = x; _gamma = gamma; _beta = beta; _y = y; _runningMean = runningMean; _runningVar = runningVar;
                _saveMean = saveMean; _saveInvStd = saveInvStd; _n = n; _channels = channels; _spatial = spatial; _eps = eps; _momentum = momentum;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                if (_spatial == 1)
                {
                    RunColumns(begin, end);
                    return;
                }
                // Samples outside, this range's channels inside: each sample's block of channels is one contiguous
                // run (a plane alone is 0.25–4 KiB, too short for the prefetcher). Every channel still sums its
                // samples in order, so the results are those of a channel-by-channel loop.
                Span<float> x = _x.Span, y = _y.Span;
                Span<double> sums = stackalloc double[ColumnBlock], squares = stackalloc double[ColumnBlock];
                Span<float> scales = stackalloc float[ColumnBlock], shifts = stackalloc float[ColumnBlock];
                for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                {
                    int width = Math.Min(ColumnBlock, end - c0);
                    sums.Clear();
                    squares.Clear();
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = (i * _channels + c0) * _spatial;
                        for (int j = 0; j < width; j++)
                            DoubleSums.SumAndSquares(x.Slice(offset + j * _spatial, _spatial), ref sums[j], ref squares[j]);
                    }
                    for (int j = 0; j < width; j++)
                        Finish(c0 + j, sums[j], squares[j], out scales[j], out shifts[j]);
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = (i * _channels + c0) * _spatial;
                        for (int j = 0; j < width; j++)
                            Affine(x.Slice(offset + j * _spatial, _spatial), scales[j], shifts[j], y.Slice(offset + j * _spatial, _spatial));
                    }
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void RunColumns(int begin, int end)
            {
                Span<float> x = _x.Span, y = _y.Span;
                Span<double> sums = stackalloc double[ColumnBlock], squares = stackalloc double[ColumnBlock];
                Span<float> scales = stackalloc float[ColumnBlock], shifts = stackalloc float[ColumnBlock];
                for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                {
                    int width = Math.Min(ColumnBlock, end - c0);
                    Span<double> sum = sums.Slice(0, width), square = squares.Slice(0, width);
                    sum.Clear();
                    square.Clear();
                    for (int i = 0; i < _n; i++)
                    {
                        ReadOnlySpan<float> row = x.Slice(i * _channels + c0, width);
                        for (int j = 0; j < row.Length; j++)
                        {
                            double v = row[j];
                            sum[j] += v;
                            square[j] += v * v;
                        }
                    }
                    for (int j = 0; j < width; j++)
                        Finish(c0 + j, sum[j], square[j], out scales[j], out shifts[j]);
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = i * _channels + c0;
                        TensorPrimitives.MultiplyAdd(x.Slice(offset, width), scales.Slice(0, width), shifts.Slice(0, width), y.Slice(offset, width));
                    }
                }
            }

            /// <summary>Channel statistics from its sums: saves μ and invStd, moves the running stats, returns y = x·a + b.</summary>
            private void Finish(int c, double sum, double squares, out float a, out float b)
            {
                long count = (long)_n * _spatial;
                double mean = sum / count;
                double variance = Math.Max(squares / count - mean * mean, 0.0); // biased; rounding can make it dip below 0
                double invStd = 1.0 / Math.Sqrt(variance + _eps);
                _saveMean.Span[c] = (float)mean;
                _saveInvStd.Span[c] = (float)invStd;

                double m = _momentum;
                double unbiased = variance * count / (count - 1);
                _runningMean.Span[c] = (float)((1 - m) * _runningMean.Span[c] + m * mean);
                _runningVar.Span[c] = (float)((1 - m) * _runningVar.Span[c] + m * unbiased);

                // y = γ(x − μ)·invStd + β = x·a + b.
                double g = _gamma.IsEmpty ? 1.0 : _gamma.Span[c];
                double bt = _beta.IsEmpty ? 0.0 : _beta.Span[c];
                double scale = g * invStd;
                a = (float)scale;
                b = (float)(bt - mean * scale);
            }
        }

        private readonly struct InferenceWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _gamma, _beta, _y, _runningMean, _runningVar;
            private readonly int _n, _channels, _spatial;
            private readonly float _eps;

            public InferenceWork(FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, FloatBuffer y, FloatBuffer runningMean, FloatBuffer runningVar,
                int n, int channels, int spatial, float eps)
            {
                _x = x; _gamma = gamma; _beta = beta; _y = y; _runningMean = runningMean; _runningVar = runningVar;
                _n = n; _channels = channels; _spatial = spatial; _eps = eps;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                Span<float> x = _x.Span, y = _y.Span;
                if (_spatial == 1)
                {
                    Span<float> scales = stackalloc float[ColumnBlock], shifts = stackalloc float[ColumnBlock];
                    for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                    {
                        int width = Math.Min(ColumnBlock, end - c0);
                        for (int j = 0; j < width; j++)
                            Coefficients(c0 + j, out scales[j], out shifts[j]);
                        for (int i = 0; i < _n; i++)
                        {
                            int offset = i * _channels + c0;
                            TensorPrimitives.MultiplyAdd(x.Slice(offset, width), scales.Slice(0, width), shifts.Slice(0, width), y.Slice(offset, width));
                        }
                    }
                    return;
                }
                // Samples outside, channels inside, for contiguous runs as in the training forward.
                Span<float> planeScales = stackalloc float[ColumnBlock], planeShifts = stackalloc float[ColumnBlock];
                for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                {
                    int width = Math.Min(ColumnBlock, end - c0);
                    for (int j = 0; j < width; j++)
                        Coefficients(c0 + j, out planeScales[j], out planeShifts[j]);
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = (i * _channels + c0) * _spatial;
                        for (int j = 0; j < width; j++)
                            Affine(x.Slice(offset + j * _spatial, _spatial), planeScales[j], planeShifts[j], y.Slice(offset + j * _spatial, _spatial));
                    }
                }
            }

            /// <summary>y = γ(x − running μ)/√(running σ² + ε) + β = x·a + b.</summary>
            private void Coefficients(int c, out float a, out float b)
            {
                double invStd = 1.0 / Math.Sqrt((double)_runningVar.Span[c] + _eps);
                double g = _gamma.IsEmpty ? 1.0 : _gamma.Span[c];
                double bt = _beta.IsEmpty ? 0.0 : _beta.Span[c];
                double scale = g * invStd;
                a = (float)scale;
                b = (float)(bt - _runningMean.Span[c] * scale);
            }
        }

        private readonly struct BackwardWork : IMiscRangeWork
        {
            private readonly FloatBuffer _x, _gamma, _dy, _saveMean, _saveInvStd, _dx, _dGamma, _dBeta;
            private readonly int _n, _channels, _spatial;

            public BackwardWork(FloatBuffer x, FloatBuffer gamma, FloatBuffer dy, FloatBuffer saveMean, FloatBuffer saveInvStd,
                FloatBuffer dx, FloatBuffer dGamma, FloatBuffer dBeta, int n, int channels, int spatial)
            {
                _x = x; _gamma = gamma; _dy = dy; _saveMean = saveMean; _saveInvStd = saveInvStd;
                _dx = dx; _dGamma = dGamma; _dBeta = dBeta; _n = n; _channels = channels; _spatial = spatial;
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Run(int begin, int end)
            {
                if (_spatial == 1)
                {
                    RunColumns(begin, end);
                    return;
                }
                // Samples outside, channels inside, as in the training forward (same sums, longer runs).
                Span<float> x = _x.Span, dy = _dy.Span;
                Span<double> sums = stackalloc double[ColumnBlock], dots = stackalloc double[ColumnBlock];
                Span<Coefficients> coefficients = stackalloc Coefficients[ColumnBlock];
                for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                {
                    int width = Math.Min(ColumnBlock, end - c0);
                    sums.Clear();
                    dots.Clear();
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = (i * _channels + c0) * _spatial;
                        for (int j = 0; j < width; j++)
                        {
                            int at = offset + j * _spatial;
                            DoubleSums.SumAndDot(dy.Slice(at, _spatial), x.Slice(at, _spatial), ref sums[j], ref dots[j]);
                        }
                    }
                    bool wantDx = false;
                    for (int j = 0; j < width; j++)
                        wantDx = Finish(c0 + j, sums[j], dots[j], out coefficients[j]);
                    if (!wantDx) continue;
                    Span<float> dx = _dx.Span;
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = (i * _channels + c0) * _spatial;
                        for (int j = 0; j < width; j++)
                        {
                            int at = offset + j * _spatial;
                            InputGradient(dy.Slice(at, _spatial), x.Slice(at, _spatial), dx.Slice(at, _spatial), coefficients[j]);
                        }
                    }
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void RunColumns(int begin, int end)
            {
                Span<float> x = _x.Span, dy = _dy.Span;
                Span<double> sums = stackalloc double[ColumnBlock], dots = stackalloc double[ColumnBlock];
                Span<Coefficients> coefficients = stackalloc Coefficients[ColumnBlock];
                for (int c0 = begin; c0 < end; c0 += ColumnBlock)
                {
                    int width = Math.Min(ColumnBlock, end - c0);
                    Span<double> sum = sums.Slice(0, width), dot = dots.Slice(0, width);
                    sum.Clear();
                    dot.Clear();
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = i * _channels + c0;
                        ReadOnlySpan<float> rowDy = dy.Slice(offset, width), rowX = x.Slice(offset, width);
                        for (int j = 0; j < rowDy.Length; j++)
                        {
                            double g = rowDy[j];
                            sum[j] += g;
                            dot[j] += g * rowX[j];
                        }
                    }
                    bool wantDx = false;
                    for (int j = 0; j < width; j++)
                        wantDx = Finish(c0 + j, sum[j], dot[j], out coefficients[j]);
                    if (!wantDx) continue;
                    Span<float> dx = _dx.Span;
                    for (int i = 0; i < _n; i++)
                    {
                        int offset = i * _channels + c0;
                        for (int j = 0; j < width; j++)
                        {
                            Coefficients k = coefficients[j];
                            dx[offset + j] = k.K1 * dy[offset + j] + k.K2 * (x[offset + j] - k.Mean) + k.K3;
                        }
                    }
                }
            }

            /// <summary>Writes dγ and dβ for channel c; returns false when dx is not wanted, else its coefficients.</summary>
            private bool Finish(int c, double sumDy, double sumDyX, out Coefficients k)
            {
                long count = (long)_n * _spatial;
                double mean = _saveMean.Span[c], invStd = _saveInvStd.Span[c];
                // Σ dy·x̂ = invStd·(Σ dy·x − μ·Σ dy).
                double sumDyXhat = invStd * (sumDyX - mean * sumDy);
                if (!_dGamma.IsEmpty) _dGamma.Span[c] = (float)sumDyXhat;
                if (!_dBeta.IsEmpty) _dBeta.Span[c] = (float)sumDy;
                if (_dx.IsEmpty)
                {
                    k = default;
                    return false;
                }
                // dx = γ·invStd/M·(M·dy − Σdy − x̂·Σdy·x̂) = k1·dy + k2·(x − μ) + k3.
                double g = _gamma.IsEmpty ? 1.0 : _gamma.Span[c];
                double k1 = g * invStd;
                k = new Coefficients((float)k1, (float)(-k1 * invStd * sumDyXhat / count), (float)mean, (float)(-k1 * sumDy / count));
                return true;
            }

            /// <summary>dx = k1·dy + k2·(x − μ) + k3, element by element, so dx may be dy.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private static void InputGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, in Coefficients k)
            {
                int i = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    ref float rdy = ref MemoryMarshal.GetReference(dy);
                    ref float rx = ref MemoryMarshal.GetReference(x);
                    ref float rdx = ref MemoryMarshal.GetReference(dx);
                    Vector512<float> vk1 = Vector512.Create(k.K1), vk2 = Vector512.Create(k.K2), vm = Vector512.Create(k.Mean), vk3 = Vector512.Create(k.K3);
                    for (; i <= dx.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                    {
                        Vector512<float> d = Vector512.LoadUnsafe(ref rdy, (nuint)i);
                        Vector512<float> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                        (vk1 * d + vk2 * (v - vm) + vk3).StoreUnsafe(ref rdx, (nuint)i);
                    }
                }
                if (Vector256.IsHardwareAccelerated)
                {
                    ref float rdy = ref MemoryMarshal.GetReference(dy);
                    ref float rx = ref MemoryMarshal.GetReference(x);
                    ref float rdx = ref MemoryMarshal.GetReference(dx);
                    Vector256<float> vk1 = Vector256.Create(k.K1), vk2 = Vector256.Create(k.K2), vm = Vector256.Create(k.Mean), vk3 = Vector256.Create(k.K3);
                    for (; i <= dx.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                    {
                        Vector256<float> d = Vector256.LoadUnsafe(ref rdy, (nuint)i);
                        Vector256<float> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                        (vk1 * d + vk2 * (v - vm) + vk3).StoreUnsafe(ref rdx, (nuint)i);
                    }
                }
                for (; i < dx.Length; i++)
                    dx[i] = k.K1 * dy[i] + k.K2 * (x[i] - k.Mean) + k.K3;
            }
        }

        /// <summary>One channel's input-gradient coefficients.</summary>
        private readonly struct Coefficients
        {
            public readonly float K1, K2, Mean, K3;

            public Coefficients(float k1, float k2, float mean, float k3)
            {
                K1 = k1; K2 = k2; Mean = mean; K3 = k3;
            }
        }
    }

    /// <summary>Float data summed into double accumulators (SIMD: each float vector widened to two double vectors).</summary>
    internal static class DoubleSums
    {
        /// <summary>sum += Σ x, squares += Σ x².</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SumAndSquares(ReadOnlySpan<float> x, ref double sum, ref double squares)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated && x.Length >= 2 * Vector512<float>.Count)
            {
                // 32 floats a step into four independent double chains each for the sums and the squares: one
                // chain per sum is bound by the add latency, not by the loads.
                ref float r = ref MemoryMarshal.GetReference(x);
                Vector512<double> s0 = Vector512<double>.Zero, s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;
                for (; i <= x.Length - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
                {
                    (Vector512<double> a, Vector512<double> b) = Vector512.Widen(Vector512.LoadUnsafe(ref r, (nuint)i));
                    (Vector512<double> c, Vector512<double> d) = Vector512.Widen(Vector512.LoadUnsafe(ref r, (nuint)(i + Vector512<float>.Count)));
                    s0 += a; s1 += b; s2 += c; s3 += d;
                    q0 = Vector512.FusedMultiplyAdd(a, a, q0);
                    q1 = Vector512.FusedMultiplyAdd(b, b, q1);
                    q2 = Vector512.FusedMultiplyAdd(c, c, q2);
                    q3 = Vector512.FusedMultiplyAdd(d, d, q3);
                }
                sum += Vector512.Sum((s0 + s1) + (s2 + s3));
                squares += Vector512.Sum((q0 + q1) + (q2 + q3));
            }
            if (Vector256.IsHardwareAccelerated && x.Length - i >= Vector256<float>.Count)
            {
                ref float r = ref MemoryMarshal.GetReference(x);
                Vector256<double> s0 = Vector256<double>.Zero, s1 = s0, q0 = s0, q1 = s0;
                for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                    s0 += lo; s1 += hi;
                    q0 += lo * lo; q1 += hi * hi;
                }
                sum += Vector256.Sum(s0 + s1);
                squares += Vector256.Sum(q0 + q1);
            }
            for (; i < x.Length; i++)
            {
                double v = x[i];
                sum += v;
                squares += v * v;
            }
        }

        /// <summary>sumA += Σ a, dot += Σ a·b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SumAndDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ref double sumA, ref double dot)
        {
            int i = 0;
            if (Vector512.IsHardwareAccelerated && a.Length >= 2 * Vector512<float>.Count)
            {
                // As in SumAndSquares: four independent chains per sum.
                ref float ra = ref MemoryMarshal.GetReference(a);
                ref float rb = ref MemoryMarshal.GetReference(b);
                Vector512<double> s0 = Vector512<double>.Zero, s1 = s0, s2 = s0, s3 = s0, d0 = s0, d1 = s0, d2 = s0, d3 = s0;
                for (; i <= a.Length - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
                {
                    (Vector512<double> a0, Vector512<double> a1) = Vector512.Widen(Vector512.LoadUnsafe(ref ra, (nuint)i));
                    (Vector512<double> a2, Vector512<double> a3) = Vector512.Widen(Vector512.LoadUnsafe(ref ra, (nuint)(i + Vector512<float>.Count)));
                    (Vector512<double> b0, Vector512<double> b1) = Vector512.Widen(Vector512.LoadUnsafe(ref rb, (nuint)i));
                    (Vector512<double> b2, Vector512<double> b3) = Vector512.Widen(Vector512.LoadUnsafe(ref rb, (nuint)(i + Vector512<float>.Count)));
                    s0 += a0; s1 += a1; s2 += a2; s3 += a3;
                    d0 = Vector512.FusedMultiplyAdd(a0, b0, d0);
                    d1 = Vector512.FusedMultiplyAdd(a1, b1, d1);
                    d2 = Vector512.FusedMultiplyAdd(a2, b2, d2);
                    d3 = Vector512.FusedMultiplyAdd(a3, b3, d3);
                }
                sumA += Vector512.Sum((s0 + s1) + (s2 + s3));
                dot += Vector512.Sum((d0 + d1) + (d2 + d3));
            }
            if (Vector256.IsHardwareAccelerated && a.Length - i >= Vector256<float>.Count)
            {
                ref float ra = ref MemoryMarshal.GetReference(a);
                ref float rb = ref MemoryMarshal.GetReference(b);
                Vector256<double> s0 = Vector256<double>.Zero, s1 = s0, d0 = s0, d1 = s0;
                for (; i <= a.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    (Vector256<double> alo, Vector256<double> ahi) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
                    (Vector256<double> blo, Vector256<double> bhi) = Vector256.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
                    s0 += alo; s1 += ahi;
                    d0 += alo * blo; d1 += ahi * bhi;
                }
                sumA += Vector256.Sum(s0 + s1);
                dot += Vector256.Sum(d0 + d1);
            }
            for (; i < a.Length; i++)
            {
                double v = a[i];
                sumA += v;
                dot += v * b[i];
            }
        }
    }
}
