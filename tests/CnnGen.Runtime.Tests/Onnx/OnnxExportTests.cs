using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Cpu;
using CnnGen.Onnx;
using CnnGen.Randomness;
using CnnGen.Shapes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace CnnGen.Tests.Onnx
{
    /// <summary>
    /// Each ONNX node the builder writes, run in ONNX Runtime and compared with our CPU kernel for the same
    /// PyTorch layer; and a whole seed network exported by hand, compared with its own Predict.
    /// </summary>
    public class OnnxExportTests
    {
        private const int N = 3;

        private static float[] Random(int count, ulong seed, float scale = 1f)
        {
            var rng = new Rng(seed);
            var v = new float[count];
            for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
            return v;
        }

        /// <summary>Runs the model on one input "x" of shape (N, sampleShape) and returns the single output.</summary>
        internal static float[] RunOrt(byte[] model, float[] input, int[] shape)
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(model, options);
            var tensor = new DenseTensor<float>(input, shape);
            string inputName = session.InputMetadata.Keys.Single();
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, tensor) });
            return results.Single().AsEnumerable<float>().ToArray();
        }

        internal static void AssertClose(float[] expected, float[] actual, double relative = 1e-5)
        {
            Assert.Equal(expected.Length, actual.Length);
            double scale = Math.Max(1e-3, expected.Max(v => Math.Abs((double)v)));
            for (int i = 0; i < expected.Length; i++)
            {
                double diff = Math.Abs((double)expected[i] - actual[i]);
                Assert.True(diff <= relative * Math.Max(Math.Abs((double)expected[i]), scale),
                    $"element {i}: ours {expected[i]:R}, ONNX Runtime {actual[i]:R} (difference {diff:G3})");
            }
        }

        [Theory]
        [InlineData(3, 4, 9, 9, 3, 1, 1, 1, 1)]
        [InlineData(4, 6, 11, 10, 3, 2, 2, 2, 2)]
        [InlineData(4, 8, 8, 8, 1, 1, 0, 1, 4)]
        [InlineData(2, 5, 7, 7, 5, 1, 0, 1, 1)]
        public void Conv_matches_our_kernel(int cin, int cout, int h, int w, int k, int stride, int pad, int dil, int groups)
        {
            int oh = (int)ShapeMath.ConvOutput(h, k, stride, pad, dil), ow = (int)ShapeMath.ConvOutput(w, k, stride, pad, dil);
            var s = new Conv2dShape(cin, h, w, cout, k, stride, pad, dil, groups, oh, ow);
            float[] x = Random(N * s.InputSize, 1), weight = Random(s.WeightSize, 2, 0.5f), bias = Random(cout, 3);
            var ours = new float[N * s.OutputSize];
            Conv2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(weight), new FloatBuffer(bias), new FloatBuffer(ours), N, s, Epilogue.None);

            var b = new OnnxGraphBuilder("conv");
            string input = b.Input("x", cin, h, w);
            b.Initializer("0.weight", new[] { cout, cin / groups, k, k }, weight);
            b.Initializer("0.bias", new[] { cout }, bias);
            b.Output(b.Conv(input, "0.weight", "0.bias", (stride, stride), (pad, pad), (dil, dil), groups), cout, oh, ow);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, cin, h, w }));
        }

        [Theory]
        [InlineData(ActivationKind.ReLU)]
        [InlineData(ActivationKind.LeakyReLU)]
        [InlineData(ActivationKind.Sigmoid)]
        [InlineData(ActivationKind.Tanh)]
        public void Activations_match_our_kernel(ActivationKind kind)
        {
            float[] x = Random(N * 2 * 5 * 5, 4, 3f);
            var ours = new float[x.Length];
            ActivationKernel.Forward(kind, new FloatBuffer(x), new FloatBuffer(ours), x.Length, negativeSlope: 0.2f);

            var b = new OnnxGraphBuilder("act");
            string input = b.Input("x", 2, 5, 5);
            string y = kind switch
            {
                ActivationKind.ReLU => b.Relu(input),
                ActivationKind.LeakyReLU => b.LeakyRelu(input, 0.2f),
                ActivationKind.Sigmoid => b.Sigmoid(input),
                _ => b.Tanh(input),
            };
            b.Output(y, 2, 5, 5);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, 2, 5, 5 }));
        }

        [Theory]
        [InlineData(8, 8, 2, 2, 0, 1, false)]
        [InlineData(9, 7, 3, 2, 1, 1, false)]
        [InlineData(9, 9, 2, 2, 0, 1, true)]
        [InlineData(10, 10, 3, 2, 1, 1, true)]
        [InlineData(11, 11, 3, 1, 1, 2, false)]
        public void MaxPool_matches_our_kernel(int h, int w, int k, int stride, int pad, int dil, bool ceil)
        {
            const int c = 3;
            int oh = (int)ShapeMath.PoolOutput(h, k, stride, pad, dil, ceil), ow = (int)ShapeMath.PoolOutput(w, k, stride, pad, dil, ceil);
            var s = new Pool2dShape(c, h, w, k, stride, pad, dil, oh, ow);
            float[] x = Random(N * s.InputSize, 5);
            var ours = new float[N * s.OutputSize];
            MaxPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(ours), new IntBuffer(new int[ours.Length]), N, s);

            var b = new OnnxGraphBuilder("maxpool");
            string input = b.Input("x", c, h, w);
            b.Output(b.MaxPool(input, (k, k), (stride, stride), (pad, pad), (dil, dil), ceil), c, oh, ow);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, c, h, w }));
        }

        [Theory]
        [InlineData(8, 8, 2, 2, 0, false, true)]
        [InlineData(9, 7, 3, 2, 1, false, true)]
        [InlineData(9, 7, 3, 2, 1, false, false)]
        [InlineData(10, 10, 3, 2, 1, true, true)]
        [InlineData(10, 10, 3, 2, 1, true, false)]
        [InlineData(9, 9, 2, 2, 0, true, true)]
        public void AveragePool_matches_our_kernel(int h, int w, int k, int stride, int pad, bool ceil, bool countIncludePad)
        {
            const int c = 2;
            int oh = (int)ShapeMath.PoolOutput(h, k, stride, pad, 1, ceil), ow = (int)ShapeMath.PoolOutput(w, k, stride, pad, 1, ceil);
            var s = new Pool2dShape(c, h, w, k, stride, pad, 1, oh, ow, countIncludePad);
            float[] x = Random(N * s.InputSize, 6);
            var ours = new float[N * s.OutputSize];
            AvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(ours), N, s);

            var b = new OnnxGraphBuilder("avgpool");
            string input = b.Input("x", c, h, w);
            b.Output(b.AveragePool(input, (k, k), (stride, stride), (pad, pad), ceil, countIncludePad), c, oh, ow);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, c, h, w }));
        }

        [Theory]
        [InlineData(7, 5, 1, 1)]   // GlobalAveragePool
        [InlineData(8, 6, 4, 3)]   // AveragePool with kernel = stride = in/out
        [InlineData(6, 6, 6, 6)]   // identity-sized windows
        [InlineData(7, 7, 3, 3)]   // uneven, overlapping windows: a product with the pooling matrix
        [InlineData(4, 4, 2, 3)]   // uneven in one direction only
        [InlineData(5, 9, 4, 2)]
        public void Adaptive_average_pool_matches_our_kernel(int h, int w, int oh, int ow)
        {
            const int c = 3;
            float[] x = Random(N * c * h * w, 7);
            var ours = new float[N * c * oh * ow];
            AdaptiveAvgPool2dKernel.Forward(new FloatBuffer(x), new FloatBuffer(ours), N, c, h, w, oh, ow);

            var b = new OnnxGraphBuilder("adaptive");
            string input = b.Input("x", c, h, w);
            b.Output(b.AdaptiveAveragePool(input, h, w, oh, ow), c, oh, ow);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, c, h, w }));
        }

        [Fact]
        public void An_absurdly_large_pooling_matrix_is_refused_by_name()
        {
            var b = new OnnxGraphBuilder("adaptive");
            string input = b.Input("x", 3, 1000, 1000);
            var e = Assert.Throws<NotSupportedException>(() => b.AdaptiveAveragePool(input, 1000, 1000, 333, 333));
            Assert.Contains("1000×1000 to 333×333", e.Message);
        }

        [Theory]
        [InlineData(4, 5)]   // BatchNorm2d on (N, 4, 5, 5)
        [InlineData(6, 1)]   // BatchNorm1d on (N, 6)
        public void BatchNormalization_matches_our_eval_kernel(int c, int side)
        {
            int spatial = side * side;
            float[] x = Random(N * c * spatial, 8, 2f), gamma = Random(c, 9), beta = Random(c, 10), mean = Random(c, 11);
            float[] variance = Random(c, 12).Select(v => 0.5f + Math.Abs(v)).ToArray();
            var ours = new float[x.Length];
            BatchNormKernel.ForwardInference(new FloatBuffer(x), new FloatBuffer(gamma), new FloatBuffer(beta), new FloatBuffer(ours),
                new FloatBuffer(mean), new FloatBuffer(variance), N, c, spatial, 1e-5f);

            var b = new OnnxGraphBuilder("bn");
            int[] sample = side == 1 ? new[] { c } : new[] { c, side, side };
            string input = b.Input("x", sample);
            b.Initializer("1.weight", new[] { c }, gamma);
            b.Initializer("1.bias", new[] { c }, beta);
            b.Initializer("1.running_mean", new[] { c }, mean);
            b.Initializer("1.running_var", new[] { c }, variance);
            b.Output(b.BatchNormalization(input, "1.weight", "1.bias", "1.running_mean", "1.running_var"), sample);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N }.Concat(sample).ToArray()));
        }

        [Fact]
        public void Flatten_then_Gemm_matches_our_linear_kernel()
        {
            const int c = 2, h = 3, w = 4, outFeatures = 5, inFeatures = c * h * w;
            float[] x = Random(N * inFeatures, 13), weight = Random(outFeatures * inFeatures, 14), bias = Random(outFeatures, 15);
            var ours = new float[N * outFeatures];
            // Flatten of NCHW is the identity on the memory, so our Linear reads x as (N, C·H·W).
            LinearKernel.Forward(new FloatBuffer(x), new FloatBuffer(weight), new FloatBuffer(bias), new FloatBuffer(ours), N, inFeatures, outFeatures, Epilogue.None);

            var b = new OnnxGraphBuilder("linear");
            string input = b.Input("x", c, h, w);
            b.Initializer("2.weight", new[] { outFeatures, inFeatures }, weight);
            b.Initializer("2.bias", new[] { outFeatures }, bias);
            b.Output(b.Gemm(b.Flatten(input), "2.weight", "2.bias"), outFeatures);
            AssertClose(ours, RunOrt(b.ToBytes(), x, new[] { N, c, h, w }));
        }

        [Fact]
        public void Add_and_Concat_on_channels_match_hand_computed_values()
        {
            // x (N, 2, 2, 2): y = Concat(Relu(x), x + x) on axis 1 → (N, 4, 2, 2).
            const int c = 2, side = 2, plane = side * side;
            float[] x = Random(N * c * plane, 16);
            var expected = new float[N * 2 * c * plane];
            for (int n = 0; n < N; n++)
            {
                for (int i = 0; i < c * plane; i++)
                {
                    float v = x[n * c * plane + i];
                    expected[n * 2 * c * plane + i] = Math.Max(v, 0);
                    expected[n * 2 * c * plane + c * plane + i] = v + v;
                }
            }
            var b = new OnnxGraphBuilder("cat");
            string input = b.Input("x", c, side, side);
            b.Output(b.Concat(new[] { b.Relu(input), b.Add(input, input) }), 2 * c, side, side);
            AssertClose(expected, RunOrt(b.ToBytes(), x, new[] { N, c, side, side }));
        }

        [Fact]
        public void Whole_seed_network_matches_its_Predict()
        {
            // MaxPoolNet: Conv, ReLU, MaxPool, BatchNorm2d, Conv, ReLU, MaxPool, Flatten, Linear, ReLU,
            // BatchNorm1d, Linear, ReLU, Linear — exported by hand the way a generated ExportOnnx would.
            var net = new CnnGen.Samples.MaxPoolNet(seed: 5);
            // Non-trivial running statistics, so the export must carry BatchNorm's eval form.
            foreach (var buffer in net.Buffers)
            {
                if (buffer.IsInteger) continue;
                var values = Random(buffer.Data.Length, 17);
                for (int i = 0; i < values.Length; i++)
                    buffer.Data[i] = buffer.Name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + Math.Abs(values[i]) : values[i] * 0.1f;
            }
            net.Eval();

            var b = new OnnxGraphBuilder(nameof(CnnGen.Samples.MaxPoolNet));
            b.Initializers(net);
            string x = b.Input("input", 1, 28, 28);
            x = b.MaxPool(b.Relu(b.Conv(x, "0.weight", "0.bias")), (2, 2));
            x = b.BatchNormalization(x, "3.weight", "3.bias", "3.running_mean", "3.running_var");
            x = b.MaxPool(b.Relu(b.Conv(x, "4.weight", "4.bias")), (2, 2));
            x = b.Relu(b.Gemm(b.Flatten(x), "8.weight", "8.bias"));
            x = b.BatchNormalization(x, "10.weight", "10.bias", "10.running_mean", "10.running_var");
            x = b.Relu(b.Gemm(x, "11.weight", "11.bias"));
            b.Output(b.Gemm(x, "13.weight", "13.bias", output: "logits"), 10);

            string path = Path.Combine(Path.GetTempPath(), "cnngen-onnx-" + Guid.NewGuid().ToString("N") + ".onnx");
            try
            {
                b.Save(path);
                const int batch = 4;
                float[] input = Random(batch * 28 * 28, 18).Select(v => Math.Abs(v)).ToArray();
                var ours = new float[batch * 10];
                net.Predict(input, batch, ours);
                AssertClose(ours, RunOrt(File.ReadAllBytes(path), input, new[] { batch, 1, 28, 28 }));
                Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + ".*.tmp"));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void Builder_reports_mistakes_at_the_call_that_made_them()
        {
            var b = new OnnxGraphBuilder("bad");
            string x = b.Input("x", 1, 4, 4);
            Assert.Contains("'missing' is not defined", Assert.Throws<ArgumentException>(() => b.Relu("missing")).Message);
            Assert.Contains("holds 8 values, got 7", Assert.Throws<ArgumentException>(() => b.Initializer("w", new[] { 2, 4 }, new float[7])).Message);
            Assert.Contains("'x' is already used", Assert.Throws<ArgumentException>(() => b.Relu(x, output: "x")).Message);
            b.Relu(x);
            Assert.Contains("no output", Assert.Throws<InvalidOperationException>(() => b.ToBytes()).Message);
        }

        [Fact]
        public void A_failed_save_leaves_the_old_file_and_no_temporary_file()
        {
            string dir = Path.Combine(Path.GetTempPath(), "cnngen-onnx-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string path = Path.Combine(dir, "model.onnx");
                File.WriteAllText(path, "old");
                var b = new OnnxGraphBuilder("incomplete");
                b.Input("x", 1, 2, 2);
                Assert.Throws<InvalidOperationException>(() => b.Save(path));
                Assert.Equal("old", File.ReadAllText(path));
                Assert.Single(Directory.GetFiles(dir));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
