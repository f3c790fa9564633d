using System;
using CnnGen.Cpu;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    public class BatchNormTests
    {
        private const float Eps = 1e-5f, Momentum = 0.1f;

        /// <summary>Per-channel batch mean and biased variance in double.</summary>
        private static (double[] mean, double[] variance) Stats(float[] x, int n, int c, int spatial)
        {
            var mean = new double[c];
            var variance = new double[c];
            double m = (double)n * spatial;
            for (int ch = 0; ch < c; ch++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                    for (int s = 0; s < spatial; s++) sum += x[(i * c + ch) * spatial + s];
                mean[ch] = sum / m;
                double sq = 0;
                for (int i = 0; i < n; i++)
                    for (int s = 0; s < spatial; s++)
                    {
                        double d = x[(i * c + ch) * spatial + s] - mean[ch];
                        sq += d * d;
                    }
                variance[ch] = sq / m;
            }
            return (mean, variance);
        }

        [Theory]
        [InlineData(37, 3, 25)]
        [InlineData(1, 4, 9)]
        [InlineData(2, 5, 1)]     // BatchNorm1d, tiny batch
        [InlineData(37, 70, 1)]   // BatchNorm1d, more channels than one column block
        [InlineData(37, 8, 256)]  // parallel over channels
        [InlineData(100, 700, 1)] // BatchNorm1d, parallel
        [InlineData(3, 2, 13)]
        [InlineData(5, 3, 49)]    // 7×7: the 32-float double-sum loop, then the 8-float one, then a scalar tail
        [InlineData(4, 6, 64)]    // 8×8: whole 32-float steps only
        public void Training_forward_backward_and_running_stats_match_reference(int n, int c, int spatial)
        {
            int size = n * c * spatial;
            float[] x = Uniform(size, 71, 1f, 4f); // mean far from 0
            float[] gamma = Uniform(c, 72, 0.5f, 1.5f), beta = Uniform(c, 73);
            float[] runMean = Uniform(c, 74), runVar = Uniform(c, 75, 0.5f, 2f);
            float[] runMean0 = (float[])runMean.Clone(), runVar0 = (float[])runVar.Clone();
            var y = new float[size];
            var saveMean = new float[c];
            var saveInvStd = new float[c];
            BatchNormKernel.ForwardTraining(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(beta), new FloatBuffer(y),
                new FloatBuffer(runMean), new FloatBuffer(runVar), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                n, c, spatial, Eps, Momentum);

            var (mean, variance) = Stats(x, n, c, spatial);
            double m = (double)n * spatial;
            var yr = new double[size];
            var xhat = new double[size];
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                    for (int s = 0; s < spatial; s++)
                    {
                        int at = (i * c + ch) * spatial + s;
                        xhat[at] = (x[at] - mean[ch]) / Math.Sqrt(variance[ch] + Eps);
                        yr[at] = xhat[at] * gamma[ch] + beta[ch];
                    }
            AllClose(yr, y, 1e-5, 1e-5, "y");
            for (int ch = 0; ch < c; ch++)
            {
                Close(mean[ch], saveMean[ch], 1e-6, 1e-6, "saveMean");
                Close(1 / Math.Sqrt(variance[ch] + Eps), saveInvStd[ch], 1e-5, 0, "saveInvStd");
                Close((1 - Momentum) * runMean0[ch] + Momentum * mean[ch], runMean[ch], 1e-6, 1e-6, "runningMean");
                Close((1 - Momentum) * runVar0[ch] + Momentum * variance[ch] * m / (m - 1), runVar[ch], 1e-6, 1e-6, "runningVar (unbiased)");
            }

            // Backward: dx = γ·invStd/M·(M·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
            float[] dy = Uniform(size, 76);
            var dx = new float[size];
            var dGamma = new float[c];
            var dBeta = new float[c];
            Array.Fill(dGamma, 99f);
            BatchNormKernel.Backward(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(dy), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                new FloatBuffer(dx), new FloatBuffer(dGamma), new FloatBuffer(dBeta), n, c, spatial);
            var dxr = new double[size];
            for (int ch = 0; ch < c; ch++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < n; i++)
                    for (int s = 0; s < spatial; s++)
                    {
                        int at = (i * c + ch) * spatial + s;
                        sumDy += dy[at];
                        sumDyXhat += dy[at] * xhat[at];
                    }
                Close(sumDyXhat, dGamma[ch], 1e-4, 1e-4, "dGamma");
                Close(sumDy, dBeta[ch], 1e-5, 1e-5, "dBeta");
                double invStd = 1 / Math.Sqrt(variance[ch] + Eps);
                for (int i = 0; i < n; i++)
                    for (int s = 0; s < spatial; s++)
                    {
                        int at = (i * c + ch) * spatial + s;
                        dxr[at] = gamma[ch] * invStd / m * (m * dy[at] - sumDy - xhat[at] * sumDyXhat);
                    }
            }
            // Absolute slack: dx is a difference of terms of size γ·invStd·|dy|, and with M = 2 it is exactly 0.
            AllClose(dxr, dx, 1e-4, 1e-4, "dx");

            // dx may be dy, and dx may be skipped.
            var dyCopy = (float[])dy.Clone();
            BatchNormKernel.Backward(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(dyCopy), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                new FloatBuffer(dyCopy), new FloatBuffer(dGamma), new FloatBuffer(dBeta), n, c, spatial);
            Assert.Equal(dx, dyCopy);
            var dGamma2 = new float[c];
            BatchNormKernel.Backward(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(dy), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                FloatBuffer.Empty, new FloatBuffer(dGamma2), new FloatBuffer(dBeta), n, c, spatial);
            Assert.Equal(dGamma, dGamma2);
        }

        [Theory]
        [InlineData(37, 3, 25)]
        [InlineData(5, 70, 1)]
        [InlineData(1, 1, 1)]
        public void Inference_uses_running_statistics(int n, int c, int spatial)
        {
            int size = n * c * spatial;
            float[] x = Uniform(size, 81, -3f, 3f);
            float[] gamma = Uniform(c, 82), beta = Uniform(c, 83);
            float[] runMean = Uniform(c, 84), runVar = Uniform(c, 85, 0.1f, 3f);
            var y = new float[size];
            BatchNormKernel.ForwardInference(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(beta), new FloatBuffer(y),
                new FloatBuffer(runMean), new FloatBuffer(runVar), n, c, spatial, Eps);
            var yr = new double[size];
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                    for (int s = 0; s < spatial; s++)
                    {
                        int at = (i * c + ch) * spatial + s;
                        yr[at] = (x[at] - runMean[ch]) / Math.Sqrt(runVar[ch] + Eps) * gamma[ch] + beta[ch];
                    }
            AllClose(yr, y, 1e-5, 1e-5, "y");
        }

        [Theory]
        [InlineData(3, 2, 5)]
        [InlineData(6, 3, 1)]
        [InlineData(2, 2, 4)]
        public void Training_gradients_match_finite_differences(int n, int c, int spatial)
        {
            int size = n * c * spatial;
            float[] x = Uniform(size, 91, -1f, 2f);
            float[] gamma = Uniform(c, 92, 0.5f, 1.5f), beta = Uniform(c, 93);
            float[] wts = Uniform(size, 94);
            var y = new float[size];
            var runMean = new float[c];
            var runVar = new float[c];
            var saveMean = new float[c];
            var saveInvStd = new float[c];
            double Loss()
            {
                BatchNormKernel.ForwardTraining(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(beta), new FloatBuffer(y),
                    new FloatBuffer(runMean), new FloatBuffer(runVar), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                    n, c, spatial, Eps, Momentum);
                return Dot(wts, y);
            }
            double[] numX = CentralDifferences(x, Loss, 3e-3);
            double[] numGamma = CentralDifferences(gamma, Loss, 3e-3);
            double[] numBeta = CentralDifferences(beta, Loss, 3e-3);
            Loss();
            var dx = new float[size];
            var dGamma = new float[c];
            var dBeta = new float[c];
            BatchNormKernel.Backward(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(wts), new FloatBuffer(saveMean), new FloatBuffer(saveInvStd),
                new FloatBuffer(dx), new FloatBuffer(dGamma), new FloatBuffer(dBeta), n, c, spatial);
            AllClose(numX, dx, 2e-2, 2e-3, "dx");
            AllClose(numGamma, dGamma, 2e-2, 2e-3, "dGamma");
            AllClose(numBeta, dBeta, 2e-2, 2e-3, "dBeta");
        }

        [Fact]
        public void Training_with_one_value_per_channel_is_rejected()
        {
            var one = new FloatBuffer(new float[3]);
            var ex = Assert.Throws<ArgumentException>(() => BatchNormKernel.ForwardTraining(one, one, one, one, one, one, one, one, 1, 3, 1, Eps, Momentum));
            Assert.Contains("more than one value per channel", ex.Message);
        }
    }
}
