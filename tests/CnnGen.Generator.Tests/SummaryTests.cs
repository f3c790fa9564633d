using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using CnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>
    /// The generated Summary, Parameters and Buffers, read from the compiled network. Expected values are worked
    /// out here by hand from the layer definitions, with the FLOP conventions the summary documents: a multiply-add
    /// is two FLOPs, a bias add one, an activation or dropout one per element, a pooling window k·k per output.
    /// </summary>
    public class SummaryTests
    {
        /// <summary>SimpleCnn and MaxPoolNet, compiled once into one in-memory assembly.</summary>
        private static readonly Lazy<Assembly> Compiled = new(() =>
        {
            var run = GeneratorHarness.RunGeneratorOnly(Networks.SimpleCnn, Networks.MaxPoolNet);
            Assert.Empty(run.GeneratorDiagnostics);
            return GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        });

        private static Type NetworkType(string name) => Compiled.Value.GetType(name, throwOnError: true)!;

        private static NetworkSummary SummaryOf(string name)
            => (NetworkSummary)NetworkType(name).GetProperty("Summary", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

        private static INetwork Create(string name) => (INetwork)Activator.CreateInstance(NetworkType(name), 1, 64)!;

        /// <summary>One expected row: kind, output shape, parameters, FLOPs.</summary>
        private sealed record Row(string Kind, int[] Shape, long Parameters, long Flops)
        {
            public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
        }

        private static Row Conv(int cin, int cout, int k, int h, int w) => new("Conv2d", new[] { cout, h, w }, cout * cin * k * k + cout, 2L * cin * k * k * cout * h * w + (long)cout * h * w);
        private static Row Pool(int c, int k, int h, int w) => new("MaxPool2d", new[] { c, h, w }, 0, (long)c * h * w * k * k);
        private static Row Linear(int fin, int fout) => new("Linear", new[] { fout }, (long)fin * fout + fout, 2L * fin * fout + fout);
        private static Row Elementwise(string kind, params int[] shape) => new(kind, shape, 0, shape.Aggregate(1L, (a, b) => a * b));

        [Fact]
        public void SimpleCnn_summary_has_the_hand_computed_shapes_parameters_and_flops()
        {
            // 28×28 stays 28×28 under a padded 3×3 convolution, halves under each 2×2 pool: 28 → 14 → 7.
            var expected = new[]
            {
                Conv(1, 32, 3, 28, 28),
                Elementwise("ReLU", 32, 28, 28),
                Pool(32, 2, 14, 14),
                Conv(32, 64, 3, 14, 14),
                Elementwise("ReLU", 64, 14, 14),
                Pool(64, 2, 7, 7),
                new Row("Flatten", new[] { 3136 }, 0, 0),
                Linear(3136, 128),
                Elementwise("ReLU", 128),
                Elementwise("Dropout", 128),
                Linear(128, 10),
            };
            var summary = SummaryOf("Samples.Mnist.SimpleCnn");
            Assert.Equal("SimpleCnn", summary.Name);
            Assert.Equal(new[] { 1, 28, 28 }, summary.InputShape);
            Assert.Equal(expected.Length, summary.Layers.Count);
            for (int i = 0; i < expected.Length; i++)
            {
                var row = summary.Layers[i];
                Assert.Equal(i, row.Index);
                Assert.Equal(expected[i].Kind, row.Kind);
                Assert.Equal(expected[i].Shape, row.OutputShape);
                Assert.Equal(expected[i].Parameters, row.ParameterCount);
                Assert.Equal(expected[i].Flops, row.Flops);
                Assert.Equal(4 * expected[i].Elements, row.ActivationBytes);
            }
            // The numbers quoted in the README.
            Assert.Equal(new long[] { 320, 18_496, 401_536, 1_290 }, summary.Layers.Where(l => l.ParameterCount > 0).Select(l => l.ParameterCount));
            Assert.Equal(421_642, summary.TotalParameters);
            Assert.Equal(expected.Sum(r => r.Flops), summary.TotalFlops);
            Assert.Equal(8_595_594, summary.TotalFlops);
            Assert.Equal("1→32, k3, p1", summary.Layers[0].Arguments);
            Assert.Equal("p=0.5", summary.Layers[9].Arguments);
        }

        [Fact]
        public void SimpleCnn_ToString_is_the_layer_table()
        {
            var model = Create("Samples.Mnist.SimpleCnn");
            string table = model.ToString()!;
            Assert.Equal(SummaryOf("Samples.Mnist.SimpleCnn").ToString(), table);
            Assert.Same(SummaryOf("Samples.Mnist.SimpleCnn"), model.GetSummary());
            var lines = table.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            Assert.Contains(lines, l => l.Contains("Conv2d", StringComparison.Ordinal) && l.Contains("1→32, k3, p1", StringComparison.Ordinal)
                && l.Contains("(N, 32, 28, 28)", StringComparison.Ordinal) && l.Contains("320", StringComparison.Ordinal) && l.Contains("476,672", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("Linear", StringComparison.Ordinal) && l.Contains("(N, 128)", StringComparison.Ordinal) && l.Contains("401,536", StringComparison.Ordinal));
            Assert.Contains("Total params: 421,642", lines);
            Assert.Contains("Forward FLOPs per sample: 8,595,594", lines);
            Assert.Contains("Parameter bytes: 1,686,568", lines);
        }

        [Fact]
        public void SimpleCnn_parameters_have_pytorch_names_shapes_and_initial_ranges()
        {
            // The constructor only initialises parameters and allocates arrays; it calls no kernel.
            var model = Create("Samples.Mnist.SimpleCnn");
            Assert.Equal("SimpleCnn", model.Name);
            Assert.Equal((1, 28, 28, 784, 10), (model.InputChannels, model.InputHeight, model.InputWidth, model.InputSize, model.OutputSize));
            Assert.True(model.IsTraining);
            var expected = new (string Name, int[] Shape, int FanIn)[]
            {
                ("0.weight", new[] { 32, 1, 3, 3 }, 9), ("0.bias", new[] { 32 }, 9),
                ("3.weight", new[] { 64, 32, 3, 3 }, 288), ("3.bias", new[] { 64 }, 288),
                ("7.weight", new[] { 128, 3136 }, 3136), ("7.bias", new[] { 128 }, 3136),
                ("10.weight", new[] { 10, 128 }, 128), ("10.bias", new[] { 10 }, 128),
            };
            Assert.Equal(expected.Select(e => e.Name), model.Parameters.Select(p => p.Name));
            for (int i = 0; i < expected.Length; i++)
            {
                var p = model.Parameters[i];
                Assert.Equal(expected[i].Shape, p.Shape);
                Assert.Equal(expected[i].Shape.Aggregate(1, (a, b) => a * b), p.Length);
                // PyTorch's default: U(−1/√fan_in, 1/√fan_in) for weight and bias alike.
                double bound = 1.0 / Math.Sqrt(expected[i].FanIn);
                float[] data = p.Data.ToArray();
                Assert.All(data, v => Assert.InRange(v, -bound, bound));
                // Drawn, not constant: with 32 or more draws, some fall in each outer quarter of the range
                // (the chance that none does is below 2·(3/4)^32 ≈ 2·10⁻⁴, and the seed is fixed).
                Assert.True(data.Distinct().Count() > data.Length / 2, $"{p.Name} repeats its values");
                if (data.Length >= 32)
                    Assert.True(data.Max() > bound / 2 && data.Min() < -bound / 2, $"{p.Name} does not spread over its range");
                Assert.Equal(data.Length, p.Grad.Length);
            }
            Assert.Equal(421_642, model.Parameters.Sum(p => p.Length));
            Assert.Empty(model.Buffers);
        }

        [Fact]
        public void Same_seed_same_weights_other_seed_other_weights()
        {
            var a = Create("Samples.Mnist.SimpleCnn");
            var b = Create("Samples.Mnist.SimpleCnn");
            var c = (INetwork)Activator.CreateInstance(NetworkType("Samples.Mnist.SimpleCnn"), 2, 64)!;
            Assert.Equal(a.Parameters[0].Data.ToArray(), b.Parameters[0].Data.ToArray());
            Assert.NotEqual(a.Parameters[0].Data.ToArray(), c.Parameters[0].Data.ToArray());
        }

        [Fact]
        public void MaxPoolNet_batchnorm_parameters_and_buffers()
        {
            var model = Create("Samples.Fashion.MaxPoolNet");
            // Layers: 0 Conv2d, 1 ReLU, 2 MaxPool2d, 3 BatchNorm2d(6), 4 Conv2d, 5 ReLU, 6 MaxPool2d, 7 Flatten,
            // 8 Linear(192, 120), 9 ReLU, 10 BatchNorm1d(120), 11 Linear(120, 60), 12 ReLU, 13 Linear(60, 10).
            var parameters = model.Parameters.ToDictionary(p => p.Name);
            Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "4.bias", "8.weight", "8.bias", "10.weight", "10.bias", "11.weight", "11.bias", "13.weight", "13.bias" },
                model.Parameters.Select(p => p.Name));
            Assert.Equal(new[] { 6, 1, 5, 5 }, parameters["0.weight"].Shape);
            Assert.Equal(new[] { 12, 6, 5, 5 }, parameters["4.weight"].Shape);
            Assert.Equal(new[] { 120, 192 }, parameters["8.weight"].Shape);
            Assert.Equal(new[] { 60, 120 }, parameters["11.weight"].Shape);
            Assert.Equal(new[] { 10, 60 }, parameters["13.weight"].Shape);
            // BatchNorm starts as the identity: weight 1, bias 0.
            Assert.Equal(new[] { 6 }, parameters["3.weight"].Shape);
            Assert.All(parameters["3.weight"].Data.ToArray(), v => Assert.Equal(1f, v));
            Assert.All(parameters["3.bias"].Data.ToArray(), v => Assert.Equal(0f, v));
            Assert.Equal(new[] { 120 }, parameters["10.weight"].Shape);
            Assert.All(parameters["10.weight"].Data.ToArray(), v => Assert.Equal(1f, v));

            var expectedBuffers = new (string Name, int[] Shape, float Value, bool IsInteger)[]
            {
                ("3.running_mean", new[] { 6 }, 0f, false), ("3.running_var", new[] { 6 }, 1f, false), ("3.num_batches_tracked", Array.Empty<int>(), 0f, true),
                ("10.running_mean", new[] { 120 }, 0f, false), ("10.running_var", new[] { 120 }, 1f, false), ("10.num_batches_tracked", Array.Empty<int>(), 0f, true),
            };
            Assert.Equal(expectedBuffers.Select(b => b.Name), model.Buffers.Select(b => b.Name));
            for (int i = 0; i < expectedBuffers.Length; i++)
            {
                var b = model.Buffers[i];
                Assert.Equal(expectedBuffers[i].Shape, b.Shape);
                Assert.Equal(expectedBuffers[i].IsInteger, b.IsInteger);
                var data = b.Data.ToArray();
                Assert.Equal(Math.Max(1, expectedBuffers[i].Shape.Aggregate(1, (x, y) => x * y)), data.Length); // a scalar holds one value
                Assert.All(data, v => Assert.Equal(expectedBuffers[i].Value, v));
            }

            // Parameter count by hand: conv 6·25+6, bn 2·6, conv 12·6·25+12, fc 192·120+120, bn 2·120, fc 120·60+60, fc 60·10+10.
            long total = (6 * 25 + 6) + 12 + (12 * 6 * 25 + 12) + (192 * 120 + 120) + 240 + (120 * 60 + 60) + (60 * 10 + 10);
            Assert.Equal(total, SummaryOf("Samples.Fashion.MaxPoolNet").TotalParameters);
            Assert.Equal(total, model.Parameters.Sum(p => p.Length));
            // 28 → 24 (5×5 conv) → 12 (pool) → 8 (conv) → 4 (pool): 12 × 4 × 4 = 192.
            var summary = SummaryOf("Samples.Fashion.MaxPoolNet");
            Assert.Equal(new[] { 6, 12, 12 }, summary.Layers[3].OutputShape);
            Assert.Equal(2L * 6 * 12 * 12, summary.Layers[3].Flops);
            Assert.Equal(new[] { 12, 4, 4 }, summary.Layers[6].OutputShape);
            Assert.Equal(new[] { 192 }, summary.Layers[7].OutputShape);
        }

        [Fact]
        public void Train_and_Eval_switch_the_mode()
        {
            var model = Create("Samples.Fashion.MaxPoolNet");
            model.Eval();
            Assert.False(model.IsTraining);
            model.Train();
            Assert.True(model.IsTraining);
        }
    }
}
