using System;
using CnnGen.Cpu;
using CnnGen.Cpu.Gemm;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    /// <summary>
    /// A NaN that enters a layer must leave it as NaN wherever it takes part in a sum, fused ReLU or not, as in
    /// PyTorch (relu(NaN) = NaN). A ReLU written as max(x, 0) or "x &gt; 0 ? x : 0" turns it into 0, and then one
    /// NaN pixel gives a finite loss. Each kernel path (every GEMM instruction set, its vector body and scalar
    /// tail, the matrix-vector Linear, the direct and the im2col convolutions, the standalone ReLU) is checked
    /// against the float64 reference, which keeps the NaN by construction (Math.Max(0, NaN) is NaN).
    /// </summary>
    public class NaNPropagationTests
    {
        public static TheoryData<int> Isas() => new() { (int)Sgemm.Isa.Vector512, (int)Sgemm.Isa.Vector256, (int)Sgemm.Isa.Scalar };

        [Theory]
        [MemberData(nameof(Isas))]
        public void Gemm_with_fused_relu_keeps_NaN_in_vector_body_and_scalar_tail(int isaCode)
        {
            var isa = (Sgemm.Isa)isaCode;
            // N = 45: a full 32-wide tile, then an edge tile whose epilogue runs 8-wide vectors and a scalar tail.
            const int m = 7, n = 45, k = 11;
            var rng = new Random(3);
            float[] a = DenseReference.Random(rng, m * k), b = DenseReference.Random(rng, k * n), bias = DenseReference.Random(rng, m);
            a[2 * k + 4] = float.NaN;       // row 2 of C is all NaN
            b[5 * n + 44] = float.NaN;      // column 44 (the scalar tail) is all NaN
            var c = new float[m * n];
            Sgemm.Isa? before = Sgemm.ForcedIsa;
            Sgemm.ForcedIsa = isa;
            try
            {
                Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: false, rowBias: bias, relu: true);
            }
            finally { Sgemm.ForcedIsa = before; }

            var expected = new double[m * n];
            var scale = new double[m * n];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias[i], abs = Math.Abs(bias[i]);
                for (int p = 0; p < k; p++) { double t = (double)a[i * k + p] * b[p * n + j]; sum += t; abs += Math.Abs(t); }
                expected[i * n + j] = Math.Max(0, sum);
                scale[i * n + j] = abs;
            }
            DenseReference.AssertClose(expected, scale, c, $"gemm {isa} relu with NaN");
            Assert.True(float.IsNaN(c[2 * n + 0]) && float.IsNaN(c[0 * n + 44]), "the NaN row and column must stay NaN");
            Assert.False(float.IsNaN(c[0]), "outputs the NaN does not reach stay numbers");
        }

        [Theory]
        [InlineData(1)]   // matrix-vector path
        [InlineData(9)]   // GEMM path
        public void Linear_with_fused_relu_keeps_NaN(int batch)
        {
            const int inF = 37, outF = 13;
            var rng = new Random(batch);
            float[] x = DenseReference.Random(rng, batch * inF), w = DenseReference.Random(rng, outF * inF), bias = DenseReference.Random(rng, outF);
            x[inF * (batch - 1) + 30] = float.NaN;   // the last sample
            var y = new float[batch * outF];
            LinearKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(bias), new FloatBuffer(y), batch, inF, outF, Epilogue.ReLU);
            for (int i = 0; i < batch; i++)
            for (int o = 0; o < outF; o++)
            {
                float v = y[i * outF + o];
                if (i == batch - 1) Assert.True(float.IsNaN(v), $"sample {i} output {o}: got {v}, expected NaN");
                else Assert.False(float.IsNaN(v), $"sample {i} output {o} is NaN but its input holds none");
            }
        }

        [Theory]
        [InlineData(1, 6, 5, 0)]    // few channels: the direct convolution where AVX-512 runs it
        [InlineData(1, 32, 3, 1)]   // SimpleCnn's first layer: im2col + GEMM
        [InlineData(4, 24, 3, 1)]   // several input channels: im2col + GEMM
        public void Conv_with_fused_relu_keeps_NaN_where_the_window_covers_it(int cin, int cout, int kernel, int pad)
        {
            Conv2dShape s = DenseReference.ConvShape(cin, 12, 12, cout, kernel, 1, pad, 1, 1);
            var rng = new Random(cin * 100 + cout);
            const int n = 3;
            float[] x = DenseReference.Random(rng, n * s.InputSize), w = DenseReference.Random(rng, s.WeightSize), bias = DenseReference.Random(rng, cout);
            x[DenseReference.XIndex(s, 1, cin - 1, 5, 6)] = float.NaN;   // one pixel of sample 1
            var y = new float[n * s.OutputSize];
            Conv2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(bias), new FloatBuffer(y), n, in s, Epilogue.ReLU);
            var (expected, scale) = DenseReference.ConvForward(x, w, bias, n, s, relu: true);
            DenseReference.AssertClose(expected, scale, y, $"conv {cin}->{cout} k{kernel} relu with a NaN pixel");
            Assert.Contains(y, float.IsNaN);
        }

        [Theory]
        [MemberData(nameof(Isas))]
        public void Conv_im2col_path_keeps_NaN_on_every_gemm_instruction_set(int isaCode)
        {
            // One sample: the convolution runs its GEMM on this thread, so the forced instruction set applies.
            Conv2dShape s = DenseReference.ConvShape(3, 9, 9, 20, 3, 1, 1, 1, 1);
            var rng = new Random(isaCode);
            float[] x = DenseReference.Random(rng, s.InputSize), w = DenseReference.Random(rng, s.WeightSize), bias = DenseReference.Random(rng, 20);
            x[DenseReference.XIndex(s, 0, 2, 8, 8)] = float.NaN;   // a corner: the last output columns, the scalar tails
            var y = new float[s.OutputSize];
            Sgemm.Isa? before = Sgemm.ForcedIsa;
            Sgemm.ForcedIsa = (Sgemm.Isa)isaCode;
            try
            {
                Conv2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(bias), new FloatBuffer(y), 1, in s, Epilogue.ReLU);
            }
            finally { Sgemm.ForcedIsa = before; }
            var (expected, scale) = DenseReference.ConvForward(x, w, bias, 1, s, relu: true);
            DenseReference.AssertClose(expected, scale, y, $"conv im2col {(Sgemm.Isa)isaCode} with a NaN pixel");
        }

        [Fact]
        public void One_NaN_pixel_makes_the_whole_network_loss_NaN()
        {
            // The defect as a user met it: SimpleCnn (conv+ReLU fused, Linear+ReLU fused) gave a finite loss.
            var model = new CnnGen.Samples.SimpleCnn(seed: 1, maxBatch: 4);
            var rng = new Random(8);
            float[] input = DenseReference.Random(rng, 4 * model.InputSize);
            input[2 * model.InputSize + 400] = float.NaN;
            float loss = model.ForwardBackward(input, new[] { 1, 2, 3, 4 }, 4);
            Assert.True(float.IsNaN(loss), $"loss {loss} with a NaN pixel in sample 2");
        }

        [Fact]
        public void Standalone_relu_keeps_NaN_in_vector_body_and_tail()
        {
            var x = new float[37];
            for (int i = 0; i < x.Length; i++) x[i] = i % 2 == 0 ? -1f - i : 1f + i;
            x[3] = float.NaN; x[20] = float.NaN; x[36] = float.NaN;   // 512-bit body, 256-bit body, scalar tail
            var y = new float[x.Length];
            ActivationKernel.Forward(ActivationKind.ReLU, new FloatBuffer(x), new FloatBuffer(y), x.Length);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = float.IsNaN(x[i]) ? float.NaN : Math.Max(0f, x[i]);
                Assert.Equal(expected, y[i]);
            }
        }
    }
}
