using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Optim;
using CnnGen.Serialization;
using Xunit;

namespace CnnGen.Tests.Networks
{
    /// <summary>
    /// Predict's inference path (BatchNorm folded into the Conv2d or Linear before it, ReLU in the epilogue, residual adds
    /// in place, an arena of its own) against PyTorch in eval mode (tests/fixtures/make_inference_fixtures.py): at batch 1
    /// and 37 (past the constructor's maxBatch), and after whatever changes the folded weights' sources — SGD steps in
    /// train mode (which move weights and running statistics), Load, and writes into Parameters and Buffers.
    /// </summary>
    public class InferenceParityTests
    {
        // Folding rounds W·γ/√(var+eps) once instead of scaling the convolution's output: float32 reassociation only.
        private const double Rel = 1e-4;
        private const double Abs = 1e-5;

        public static IEnumerable<object[]> Cases => new[] { new object[] { "fold_chain" }, new object[] { "fold_graph" } };

        private static INetwork Create(string name) => name switch
        {
            "fold_chain" => new FoldChainNet(seed: 1, maxBatch: 4),
            "fold_graph" => new FoldGraphNet(seed: 1, maxBatch: 4),
            _ => throw new ArgumentException(name),
        };

        private static void Load(INetwork model, string path)
        {
            switch (model)
            {
                case FoldChainNet chain: chain.Load(path); break;
                case FoldGraphNet graph: graph.Load(path); break;
                default: throw new ArgumentException(model.Name);
            }
        }

        private static string State(string name, char which) => FixtureFile.PathOf($"{name}_state_{which}");

        private static float[] Predict(INetwork model, FixtureFile fixture, string input)
        {
            var x = fixture.File.ReadFloat(input);
            int batch = x.Length / model.InputSize;
            var logits = new float[batch * model.OutputSize];
            model.Predict(x, batch, logits);
            return logits;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Predict_matches_PyTorch_eval_mode_at_batch_1_and_37_in_either_mode(string name)
        {
            var fixture = FixtureFile.Open(name + "_predict");
            var model = Create(name);
            Load(model, State(name, 'a'));
            var buffersBefore = model.Buffers.Select(b => b.Data.ToArray()).ToList();

            model.Eval();
            fixture.Expect("logits_a1").AssertClose(Predict(model, fixture, "x1"), Rel, Abs);
            fixture.Expect("logits_a37").AssertClose(Predict(model, fixture, "x37"), Rel, Abs);
            model.Train();
            fixture.Expect("logits_a37").AssertClose(Predict(model, fixture, "x37"), Rel, Abs);
            fixture.Expect("logits_a1").AssertClose(Predict(model, fixture, "x1"), Rel, Abs);

            // Predict reads the running statistics and never moves them.
            foreach (var (b, before) in model.Buffers.Zip(buffersBefore)) Assert.Equal(before, b.Data.ToArray());
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void A_batch_of_several_chunks_matches_PyTorch_in_every_chunk(string name)
        {
            // Predict runs 64 samples at a time: 148 samples (the 37 four times over) are chunks of 64, 64 and 20,
            // whose boundaries fall inside the copies; every copy must still give PyTorch's logits.
            var fixture = FixtureFile.Open(name + "_predict");
            var model = Create(name);
            Load(model, State(name, 'a'));
            var x37 = fixture.File.ReadFloat("x37");
            const int copies = 4;
            var x = new float[copies * x37.Length];
            for (int c = 0; c < copies; c++) x37.CopyTo(x, c * x37.Length);
            var logits = new float[copies * 37 * model.OutputSize];
            model.Predict(x, copies * 37, logits);
            for (int c = 0; c < copies; c++)
                fixture.Expect("logits_a37").AssertClose(logits.AsSpan(c * 37 * model.OutputSize, 37 * model.OutputSize).ToArray(), Rel, Abs);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Predict_after_SGD_steps_in_train_mode_uses_the_new_weights_and_running_statistics(string name)
        {
            var fixture = FixtureFile.Open(name + "_predict");
            var model = Create(name);
            Load(model, State(name, 'a'));
            Predict(model, fixture, "x37"); // fold once from state A

            var x = fixture.File.ReadFloat("train_x");
            var y = fixture.File.ReadInt64("train_y").Select(l => checked((int)l)).ToArray();
            var sgd = new Sgd(model.Parameters, lr: 0.05f);
            model.Train();
            for (int step = 0; step < 3; step++)
            {
                model.ForwardBackward(x, y, y.Length);
                sgd.Step();
            }
            // Three training steps against PyTorch's: the parity suite's per-step tolerance, compounded.
            fixture.Expect("logits_trained37").AssertClose(Predict(model, fixture, "x37"), 1e-3, 1e-4);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Predict_after_Load_uses_the_loaded_state(string name)
        {
            var fixture = FixtureFile.Open(name + "_predict");
            var model = Create(name);
            Load(model, State(name, 'a'));
            fixture.Expect("logits_a37").AssertClose(Predict(model, fixture, "x37"), Rel, Abs);
            Load(model, State(name, 'b'));
            fixture.Expect("logits_b37").AssertClose(Predict(model, fixture, "x37"), Rel, Abs);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Predict_after_writes_into_Parameters_and_Buffers_uses_them(string name)
        {
            var fixture = FixtureFile.Open(name + "_predict");
            var model = Create(name);
            Load(model, State(name, 'a'));
            fixture.Expect("logits_a1").AssertClose(Predict(model, fixture, "x1"), Rel, Abs);

            var b = SafetensorsFile.Read(State(name, 'b'));
            foreach (var p in model.Parameters) b.ReadFloat(p.Name, p.Data);
            foreach (var buffer in model.Buffers.Where(buffer => !buffer.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
                b.ReadFloat(buffer.Name, buffer.Data);
            fixture.Expect("logits_b37").AssertClose(Predict(model, fixture, "x37"), Rel, Abs);
        }
    }
}
