using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Serialization;
using Xunit;

namespace CnnGen.Tests.Networks
{
    /// <summary>
    /// Graph networks (issue 9) in the PyTorch parity suite: the residual, concat and sequential cases of
    /// make_fixtures.py join PyTorchParityTests' train cases (logits, loss, every gradient, BatchNorm buffers, three
    /// Adam and three SGD steps), and their state_dict names are PyTorch's. Enabled when the graph generator lands.
    /// </summary>
    public partial class PyTorchParityTests
    {
        private static readonly string[] GraphCases = { "residual_identity", "residual_projection", "nested", "concat", "sequential" };

        public static IEnumerable<object[]> GraphCaseData => GraphCases.Select(n => new object[] { n });

        static partial void AddGraphCases(List<string> names) => names.AddRange(GraphCases);

        static partial void CreateGraphNetwork(string fixture, int maxBatch, ref INetwork? model)
        {
            model = fixture switch
            {
                "residual_identity" => new ParityResidualIdentity(1, maxBatch),
                "residual_projection" or "residual_eval" => new TinyResidualNet(1, maxBatch),
                "nested" => new ParityNested(1, maxBatch),
                "concat" => new ParityConcat(1, maxBatch),
                "sequential" => new ParitySequential(1, maxBatch),
                _ => null,
            };
        }

        /// <summary>
        /// residual_eval: TinyResidualNet in eval mode with non-trivial running statistics in every BatchNorm, in the
        /// body and in the shortcut. ForwardBackward uses them and leaves them alone; Predict gives the same logits
        /// whatever the mode.
        /// </summary>
        [Fact]
        public void Residual_network_in_eval_mode_matches_PyTorch_and_Predict_uses_the_running_statistics()
        {
            One_forward_backward_matches_PyTorch_logits_loss_gradients_and_buffers("residual_eval");

            var fixture = FixtureFile.Open("residual_eval");
            var model = Prepared(fixture);
            var (input, _, batch) = Batch(fixture);
            var logits = new float[batch * model.OutputSize];
            model.Train();
            model.Predict(input, batch, logits);
            fixture.Expect("logits").AssertClose(logits, Rel, Abs);
            foreach (var b in model.Buffers) fixture.Expect("init", b.Name).AssertClose(b.Data, 0, 0);
        }

        /// <summary>
        /// The names Save writes are exactly the PyTorch module's state_dict keys (the fixture's grad.* and after.*
        /// names), and the file loads back into a fresh network bit for bit.
        /// </summary>
        [Theory]
        [MemberData(nameof(GraphCaseData))]
        public void Graph_state_dict_names_are_the_PyTorch_modules_and_Save_Load_round_trips(string name)
        {
            var fixture = FixtureFile.Open(name);
            var model = Prepared(fixture);
            static IEnumerable<string> Keys(FixtureFile f, string prefix) => f.File.Tensors.Select(t => t.Name)
                .Select(n => n.StartsWith("sub.", StringComparison.Ordinal) ? n.Substring(4) : n)
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n.Substring(prefix.Length));
            var torchNames = Keys(fixture, "grad.").Concat(Keys(fixture, "after.")).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(Keys(fixture, "after.").OrderBy(n => n, StringComparer.Ordinal), model.Buffers.Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal));

            using var dir = new TempDir();
            string path = Path.Combine(dir.Path, name + ".safetensors");
            model.Save(path);
            var file = SafetensorsFile.Read(path);
            Assert.Equal(torchNames, file.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));

            var copy = Create(name);
            copy.Load(path);
            foreach (var (p, q) in model.Parameters.Zip(copy.Parameters)) Assert.Equal(p.Data.ToArray(), q.Data.ToArray());
            foreach (var (p, q) in model.Buffers.Zip(copy.Buffers)) Assert.Equal(p.Data.ToArray(), q.Data.ToArray());
        }

        [Fact]
        public void TinyResidualNet_names_its_projection_shortcut_and_nested_names_compose()
        {
            var tiny = new TinyResidualNet(1, maxBatch: 2);
            Assert.Contains(tiny.Parameters, p => p.Name == "3.body.0.weight");
            Assert.Contains(tiny.Parameters, p => p.Name == "5.shortcut.0.weight");
            Assert.Contains(tiny.Buffers, b => b.Name == "5.shortcut.1.running_mean");
            Assert.DoesNotContain(tiny.Parameters, p => p.Name.StartsWith("3.shortcut.", StringComparison.Ordinal)); // identity: nothing
            Assert.Contains(new ParityNested(1, 2).Parameters, p => p.Name == "2.body.0.body.0.weight");
            Assert.Contains(new ParityConcat(1, 2).Parameters, p => p.Name == "2.branches.2.1.weight");
            Assert.Contains(new ParitySequential(1, 2).Parameters, p => p.Name == "2.2.body.0.weight");
        }
    }
}
