using System.Globalization;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests.Graphs
{
    /// <summary>
    /// Diagnostics of graph networks: residual, concat and block misuse (CNN0011–CNN0013), the existing diagnostics
    /// inside blocks naming the path, suppression by #pragma, and a malformed graph never breaking the compiler.
    /// </summary>
    public class GraphDiagnosticTests
    {
        private static string Source(string text) => "using CnnGen;\n\nnamespace Tests;\n\n" + text + "\n";

        /// <summary>Checks the marked CnnGen diagnostics (id, span) and, when given, their messages in source order.</summary>
        private static GeneratorOnlyRun Verify(string marked, params string[] messages)
        {
            var source = MarkedSource.Parse(marked);
            var run = GeneratorHarness.RunGeneratorOnly(source.Source);
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "CNN0099" or "AD0001");
            var actual = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("CNN", System.StringComparison.Ordinal))
                .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, System.StringComparer.Ordinal).ToList();
            string all = GeneratorHarness.Describe(actual);
            Assert.True(source.Spans.Count == actual.Count, $"Expected {source.Spans.Count} CnnGen diagnostics, got {actual.Count}:\n{all}");
            for (int i = 0; i < actual.Count; i++)
            {
                Assert.True(source.Spans[i].Id == actual[i].Id, $"Diagnostic {i}: expected {source.Spans[i].Id}:\n{all}");
                Assert.True(source.Spans[i].Span == actual[i].Location.SourceSpan, $"Diagnostic {i}: wrong span:\n{all}");
            }
            if (messages.Length > 0)
                Assert.Equal(messages, actual.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToArray());
            if (actual.Any(d => d.Severity == DiagnosticSeverity.Error)) Assert.Empty(run.Sources);
            return run;
        }

        private const string Basic64 = "[Block]\n[Conv2d(64, 64, 3, padding: 1, bias: false)]\n[BatchNorm2d(64)]\n[ReLU]\n[Conv2d(64, 64, 3, padding: 1, bias: false)]\n[BatchNorm2d(64)]\npublic partial class Basic64;\n\n";

        private const string Down128 = "[Block]\n[Conv2d(64, 128, 3, stride: 2, padding: 1, bias: false)]\n[BatchNorm2d(128)]\npublic partial class Down128;\n\n";

        [Fact]
        public void CNN0011_residual_body_changes_the_shape_and_the_fitting_shortcut_is_named()
            => Verify(Source(Down128 + "[Network(64, 32, 32)]\n[{|CNN0011:Residual<Down128>|}]\n[Flatten]\n[Linear(32768, 10)]\npublic partial class Net;"),
                "Residual [0]: its body Down128 turns 64×32×32 into 128×16×16, but the identity shortcut keeps 64×32×32, so the two cannot be added: "
                + "add a projection shortcut block, [Block] [Conv2d(64, 128, 1, stride: 2, bias: false)] [BatchNorm2d(128)], and write Residual<Down128, ThatBlock>");

        [Fact]
        public void CNN0011_projection_shortcut_of_the_wrong_shape_is_reported_where_it_is_named()
            => Verify(Source(Down128 + "[Block]\n[Conv2d(64, 128, 1, bias: false)]\npublic partial class Wrong;\n\n"
                + "[Network(64, 32, 32)]\n[Residual<Down128, {|CNN0011:Wrong|}>]\n[Flatten]\n[Linear(32768, 10)]\npublic partial class Net;"),
                "Residual [0]: its body Down128 produces 128×16×16 but its shortcut Wrong produces 128×32×32; they must match to be added "
                + "(from 64×32×32, a shortcut of Conv2d(64, 128, 1, stride: 2, bias: false) and BatchNorm2d(128) gives 128×16×16)");

        [Fact]
        public void CNN0012_concat_branches_of_different_sizes()
            => Verify(Source("[Block]\n[Conv2d(8, 4, 1)]\npublic partial class Keep;\n\n[Block]\n[MaxPool2d(2)]\npublic partial class Halve;\n\n"
                + "[Network(8, 16, 16)]\n[{|CNN0012:Concat<Keep, Halve>|}]\n[Flatten]\n[Linear(10, 10)]\npublic partial class Net;"),
                "Concat [0] joins channels, so its branches must agree on height and width, but they produce Keep 4×16×16, Halve 8×8×8: give every branch the same strides and paddings");

        [Fact]
        public void CNN0013_a_block_that_contains_itself()
            => Verify(Source("[Block]\n[Conv2d(4, 4, 3, padding: 1)]\n[Residual<{|CNN0013:Loop|}>]\npublic partial class Loop;\n\n"
                + "[Network(4, 8, 8)]\n[Residual<Loop>]\n[Flatten]\n[Linear(256, 10)]\npublic partial class Net;"),
                "Block 'Loop' contains itself (Loop → Loop): a network must be finite");

        [Fact]
        public void CNN0013_a_block_type_that_is_not_a_block()
            => Verify(Source("public class Plain { }\n\n[Network(4, 8, 8)]\n[Sequential<{|CNN0013:Plain|}>]\n[Flatten]\n[Linear(256, 10)]\npublic partial class Net;"),
                "Sequential [0] uses 'Plain', which is not a block: mark it [Block] and give it layer attributes (a [Network] cannot be used inside another)");

        [Fact]
        public void CNN0013_network_and_block_on_one_class()
            => Verify(Source("[Network(1, 8, 8)]\n[Block]\n[Flatten]\n[Linear(64, 10)]\npublic partial class {|CNN0013:Both|};"),
                "Class 'Both' has both [Network] and [Block]: a network has an input shape, a block takes its shape from where it is used; keep one");

        [Fact]
        public void Existing_diagnostics_inside_a_block_name_its_path_and_point_into_the_block()
            => Verify(Source("[Block]\n[Conv2d({|CNN0004:32|}, 64, 3, padding: 1)]\npublic partial class Body;\n\n"
                + "[Network(64, 8, 8)]\n[Residual<Body>]\n[Flatten]\n[Linear(4096, 10)]\npublic partial class Net;"),
                "Conv2d [0] in Body (body) in Residual [0] expects 32 input channels, but the input of Body (from the [Network] input) produces 64×8×8: write Conv2d(64, 64, …)");

        [Fact]
        public void Pragma_suppresses_CNN0008_inside_and_outside_blocks()
        {
            var run = GeneratorHarness.RunGeneratorOnly(Source(
                "#pragma warning disable CNN0008\n[Network(1, 28, 28)]\n[MaxPool2d(3)]\n[Flatten]\n[Linear(81, 10)]\npublic partial class Net;\n#pragma warning restore CNN0008"));
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CNN0008");
            Assert.Single(run.Sources);
            // Without the pragma the same network warns.
            run = GeneratorHarness.RunGeneratorOnly(Source("[Network(1, 28, 28)]\n[MaxPool2d(3)]\n[Flatten]\n[Linear(81, 10)]\npublic partial class Net;"));
            Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "CNN0008");
        }

        [Fact]
        public void Diagnostics_carry_the_fitting_value_for_code_fixes()
        {
            var run = GeneratorHarness.RunGeneratorOnly(Source("[Network(1, 28, 28)]\n[Flatten]\n[Linear(700, 10)]\npublic partial class Net;"));
            var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNN0005");
            Assert.Equal("inFeatures", d.Properties["Argument"]);
            Assert.Equal("784", d.Properties["Value"]);
        }

        [Fact]
        public void The_summary_is_a_tree_with_the_blocks_rows_below_them()
        {
            var run = GeneratorHarness.Run(Networks.TinyResNet);
            Assert.Empty(run.CompilationDiagnostics);
            string source = run.SingleSource();
            Assert.Contains("new global::CnnGen.LayerSummary(3, \"Residual<Basic16>\"", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.LayerSummary(\"3.body.0\", 1, \"Conv2d\", \"16→16, k3, p1, no bias\"", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.LayerSummary(\"5.shortcut.1\", 1, \"BatchNorm2d\"", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.Parameter(\"5.shortcut.1.running_mean\"", source.Replace("ModelBuffer", "Parameter"), System.StringComparison.Ordinal);
        }
    }
}
