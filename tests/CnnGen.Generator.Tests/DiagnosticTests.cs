using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>
    /// One group of tests per diagnostic id. Each test marks where the diagnostic must point in its source
    /// ({|CNNxxxx:…|}); the helper checks that exactly those CnnGen diagnostics appear, with those ids, spans and
    /// severities, and (where given) those messages word for word.
    /// </summary>
    public class DiagnosticTests
    {
        /// <summary>A network class "Net" in namespace Tests with the given attribute lines.</summary>
        private static string Net(string attributes, string declaration = "public partial class Net;")
            => "using CnnGen;\n\nnamespace Tests;\n\n" + attributes + "\n" + declaration + "\n";

        private static DiagnosticSeverity SeverityOf(string id) => id switch
        {
            "CNN0008" or "CNN0009" or "CNN0016" => DiagnosticSeverity.Warning,
            "CNN0015" or "CNN0017" => DiagnosticSeverity.Hidden,
            _ => DiagnosticSeverity.Error,
        };

        /// <summary>
        /// Runs the generator over <paramref name="marked"/> and checks its CnnGen diagnostics against the markers;
        /// when <paramref name="messages"/> are given, also each message, in source order.
        /// </summary>
        private static GeneratorOnlyRun Verify(string marked, params string[] messages)
        {
            var source = MarkedSource.Parse(marked);
            // Hidden diagnostics (a build does not show them) are checked only by tests that mark one.
            bool hidden = source.Spans.Any(s => s.Id is "CNN0015" or "CNN0017");
            var run = GeneratorHarness.RunGeneratorOnly(hidden, source.Source);
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "CNN0099");
            var actual = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("CNN", System.StringComparison.Ordinal))
                .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, System.StringComparer.Ordinal).ToList();
            string all = GeneratorHarness.Describe(actual);
            Assert.True(source.Spans.Count == actual.Count, $"Expected {source.Spans.Count} CnnGen diagnostics, got {actual.Count}:\n{all}");
            for (int i = 0; i < actual.Count; i++)
            {
                var expected = source.Spans[i];
                var d = actual[i];
                Assert.True(expected.Id == d.Id, $"Diagnostic {i}: expected {expected.Id}, got:\n{all}");
                Assert.Equal(SeverityOf(d.Id), d.Severity);
                // Pipeline models hold locations as plain data, so diagnostics come back as file locations
                // (path + span), not tied to a syntax tree: check the path and the span.
                Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
                Assert.True(expected.Span == d.Location.SourceSpan,
                    $"Diagnostic {i} ({d.Id}): expected span '{source.Source.Substring(expected.Span.Start, expected.Span.Length)}' {expected.Span}, "
                    + $"got '{source.Source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}' {d.Location.SourceSpan}:\n{all}");
            }
            if (messages.Length > 0)
                Assert.Equal(messages, actual.Select(d => d.GetMessage(CultureInfo.InvariantCulture)).ToArray());
            // A network with an error gets no generated code; warnings alone leave the code in place.
            if (actual.Any(d => d.Severity == DiagnosticSeverity.Error)) Assert.Empty(run.Sources);
            return run;
        }

        private static ImmutableArray<Diagnostic> CompileErrors(GeneratorOnlyRun run)
            => run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

        // ---- CNN0001: the class must be a non-generic partial class, in partial containing types ----

        [Fact]
        public void CNN0001_class_not_partial()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]", "public class {|CNN0001:Net|} { }"),
                "Network class 'Net' must be declared partial so that CnnGen can add its generated members: write 'partial class Net'");

        [Fact]
        public void CNN0001_nested_in_a_class_that_is_not_partial()
            => Verify(Net("", """
                public class Outer
                {
                    [Network(1, 28, 28)]
                    [Flatten]
                    [Linear(784, 10)]
                    public partial class {|CNN0001:Net|};
                }
                """),
                "Network class 'Net' is nested in 'Outer', which must also be declared partial");

        [Fact]
        public void CNN0001_generic_class()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]", "public partial class {|CNN0001:Net|}<T>;"),
                "Network class 'Net' must not be generic: its shapes are fixed at compile time");

        [Fact]
        public void CNN0001_nested_in_a_generic_class()
            => Verify(Net("", """
                public partial class Outer<T>
                {
                    [Network(1, 28, 28)]
                    [Flatten]
                    [Linear(784, 10)]
                    public partial class {|CNN0001:Net|};
                }
                """),
                "Network class 'Net' must not be nested in the generic type 'Outer'");

        [Fact]
        public void CNN0001_not_partial_and_generic_reports_both_at_the_class_name()
        {
            var source = MarkedSource.Parse(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]", "public class [|Net|]<T> { }"));
            var run = GeneratorHarness.RunGeneratorOnly(source.Source);
            Assert.Equal(2, run.GeneratorDiagnostics.Length);
            Assert.All(run.GeneratorDiagnostics, d =>
            {
                Assert.Equal("CNN0001", d.Id);
                Assert.Equal(DiagnosticSeverity.Error, d.Severity);
                Assert.Equal(source.Spans[0].Span, d.Location.SourceSpan);
            });
            Assert.Empty(run.Sources);
        }

        // ---- CNN0002: input shape and layers ----

        [Fact]
        public void CNN0002_zero_input_channels()
            => Verify(Net("[Network({|CNN0002:0|}, 28, 28)]\n[Flatten]\n[Linear(784, 10)]"),
                "[Network] input channels of 'Net' must be positive, but is 0");

        [Fact]
        public void CNN0002_negative_height_and_zero_width_report_each_argument()
            => Verify(Net("[Network(1, {|CNN0002:-28|}, {|CNN0002:0|})]\n[Flatten]\n[Linear(784, 10)]"),
                "[Network] input height of 'Net' must be positive, but is -28",
                "[Network] input width of 'Net' must be positive, but is 0");

        [Fact]
        public void CNN0002_no_layers()
            => Verify(Net("[{|CNN0002:Network(1, 28, 28)|}]"),
                "Network 'Net' has no layers: add layer attributes after [Network], e.g. [Conv2d(1, 32, 3)] [ReLU] [Flatten] [Linear(…, 10)]");

        [Fact]
        public void CNN0002_only_flatten()
            => Verify(Net("[{|CNN0002:Network(1, 8, 8)|}]\n[Flatten]"),
                "Network 'Net' has only [Flatten], which computes nothing: add the layers that produce the logits after it, e.g. [Linear(64, 10)]");

        [Fact]
        public void CNN0002_network_without_arguments()
        {
            var run = Verify(Net("[{|CNN0002:Network|}]\n[Flatten]\n[Linear(784, 10)]"),
                "[Network] on 'Net' needs the input shape: [Network(channels, height, width)], e.g. [Network(1, 28, 28)] for MNIST");
            Assert.Contains(CompileErrors(run), d => d.Id == "CS7036"); // the compiler's own "missing argument" error
        }

        // ---- CNN0003: each argument rule ----

        [Fact]
        public void CNN0003_conv_kernel_zero()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, {|CNN0003:0|})]\n[Flatten]\n[Linear(784, 10)]"),
                "Conv2d [0]: kernelSize must be at least 1, but is 0");

        [Fact]
        public void CNN0003_conv_stride_dilation_groups_not_positive_each_reported_at_its_argument()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3, {|CNN0003:stride: -1|}, dilation: {|CNN0003:0|}, {|CNN0003:groups: 0|})]\n[Flatten]\n[Linear(784, 10)]"
                    .Replace("dilation: {|CNN0003:0|}", "{|CNN0003:dilation: 0|}", System.StringComparison.Ordinal)),
                "Conv2d [0]: stride must be at least 1, but is -1",
                "Conv2d [0]: dilation must be at least 1, but is 0",
                "Conv2d [0]: groups must be at least 1, but is 0");

        [Fact]
        public void CNN0003_conv_negative_padding()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3, {|CNN0003:padding: -1|})]\n[Flatten]\n[Linear(784, 10)]"),
                "Conv2d [0]: padding must not be negative, but is -1");

        [Fact]
        public void CNN0003_conv_channels_not_positive()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d({|CNN0003:-1|}, {|CNN0003:0|}, 3)]\n[Flatten]\n[Linear(784, 10)]"),
                "Conv2d [0]: inChannels must be at least 1, but is -1",
                "Conv2d [0]: outChannels must be at least 1, but is 0");

        [Fact]
        public void CNN0003_conv_channels_not_divisible_by_groups()
            => Verify(Net("[Network(4, 28, 28)]\n[Conv2d(4, 6, 3, {|CNN0003:groups: 4|})]\n[Flatten]\n[Linear(4056, 10)]"),
                "Conv2d [0]: outChannels 6 is not divisible by groups 4");

        [Fact]
        public void CNN0003_conv_in_channels_not_divisible_by_groups()
            => Verify(Net("[Network(3, 28, 28)]\n[Conv2d(3, 6, 3, {|CNN0003:groups: 2|})]\n[Flatten]\n[Linear(4056, 10)]"),
                "Conv2d [0]: inChannels 3 is not divisible by groups 2");

        [Fact]
        public void CNN0003_named_argument_in_position_still_locates_later_positional_arguments()
            // inChannels is named but in its position, so the next argument is outChannels (C# 7.2 non-trailing named arguments).
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(inChannels: 1, {|CNN0003:0|}, 3)]\n[Flatten]\n[Linear(784, 10)]"),
                "Conv2d [0]: outChannels must be at least 1, but is 0");

        [Fact]
        public void CNN0003_pool_kernel_zero_and_negative_stride()
            => Verify(Net("[Network(1, 28, 28)]\n[MaxPool2d({|CNN0003:0|}, {|CNN0003:-2|})]\n[Flatten]\n[Linear(196, 10)]"),
                "MaxPool2d [0]: kernelSize must be at least 1, but is 0",
                "MaxPool2d [0]: stride must not be negative, but is -2");

        [Fact]
        public void CNN0003_pool_padding_more_than_half_the_kernel()
            => Verify(Net("[Network(1, 28, 28)]\n[MaxPool2d(3, {|CNN0003:padding: 2|})]\n[Flatten]\n[Linear(100, 10)]"),
                "MaxPool2d [0]: padding 2 must be at most half the kernel size (3 / 2 = 1)");

        [Fact]
        public void CNN0003_avg_pool_padding_more_than_half_the_kernel_positional()
            => Verify(Net("[Network(1, 28, 28)]\n[AvgPool2d(2, 2, {|CNN0003:2|})]\n[Flatten]\n[Linear(100, 10)]"),
                "AvgPool2d [0]: padding 2 must be at most half the kernel size (2 / 2 = 1)");

        [Fact]
        public void CNN0003_max_pool_dilation_zero()
            => Verify(Net("[Network(1, 28, 28)]\n[MaxPool2d(2, {|CNN0003:dilation: 0|})]\n[Flatten]\n[Linear(196, 10)]"),
                "MaxPool2d [0]: dilation must be at least 1, but is 0");

        [Theory]
        [InlineData("1.0", "1")]
        [InlineData("1.5", "1.5")]
        [InlineData("-0.1", "-0.1")]
        public void CNN0003_dropout_p_outside_zero_to_one(string p, string shown)
            => Verify(Net($"[Network(1, 28, 28)]\n[Flatten]\n[Dropout({{|CNN0003:{p}|}})]\n[Linear(784, 10)]"),
                $"Dropout [1]: p must be in [0, 1), but is {shown}");

        [Fact]
        public void CNN0003_negative_leaky_slope()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[LeakyReLU({|CNN0003:-0.2|})]\n[Linear(784, 10)]"),
                "LeakyReLU [1]: negativeSlope must not be negative in CnnGen, but is -0.2");

        [Fact]
        public void CNN0003_dropout_zero_is_allowed()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Dropout(0)]\n[Linear(784, 10)]"));

        [Fact]
        public void CNN0003_features_not_positive()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[BatchNorm1d({|CNN0003:0|})]\n[Linear(784, 10)]"),
                "BatchNorm1d [1]: features must be at least 1, but is 0");

        [Fact]
        public void CNN0003_batchnorm2d_features_negative()
            => Verify(Net("[Network(1, 28, 28)]\n[BatchNorm2d({|CNN0003:-3|})]\n[Flatten]\n[Linear(784, 10)]"),
                "BatchNorm2d [0]: features must be at least 1, but is -3");

        [Fact]
        public void CNN0003_batchnorm_eps_and_momentum()
            => Verify(Net("[Network(1, 28, 28)]\n[BatchNorm2d(1, {|CNN0003:eps: 0|}, {|CNN0003:momentum: 1.5|})]\n[Flatten]\n[Linear(784, 10)]"),
                "BatchNorm2d [0]: eps must be a positive number that a float can hold (about 1e-45 to 3e38), but is 0",
                "BatchNorm2d [0]: momentum must be in [0, 1], but is 1.5");

        [Fact]
        public void CNN0003_linear_features_not_positive()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, {|CNN0003:0|})]"),
                "Linear [1]: outFeatures must be at least 1, but is 0");

        [Fact]
        public void CNN0003_adaptive_pool_output_not_positive()
            => Verify(Net("[Network(1, 28, 28)]\n[AdaptiveAvgPool2d({|CNN0003:0|}, 3)]\n[Flatten]\n[Linear(9, 10)]"),
                "AdaptiveAvgPool2d [0]: outputHeight must be at least 1, but is 0");

        [Fact]
        public void CNN0003_leaky_relu_slope_not_finite()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[LeakyReLU({|CNN0003:double.NaN|})]\n[Linear(784, 10)]"),
                "LeakyReLU [1]: negativeSlope must be a finite number, but is NaN");

        [Fact]
        public void CNN0003_linear_weight_too_large_for_an_array()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]\n[{|CNN0003:Linear(10, int.MaxValue)|}]"),
                "Linear [2]: its weight would have 21474836470 elements per sample, more than a .NET array holds (2147483647)");

        // ---- CNN0004: channels and features that do not match what arrives ----

        [Fact]
        public void CNN0004_conv_in_channels_mismatch()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 32, 3, padding: 1)]\n[ReLU]\n[Conv2d({|CNN0004:16|}, 64, 3, padding: 1)]\n[Flatten]\n[Linear(50176, 10)]"),
                "Conv2d [2] expects 16 input channels, but ReLU [1] produces 32×28×28: write Conv2d(32, 64, …)");

        [Fact]
        public void CNN0004_first_conv_mismatch_names_the_input()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d({|CNN0004:3|}, 8, 3)]\n[Flatten]\n[Linear(5408, 10)]"),
                "Conv2d [0] expects 3 input channels, but the [Network] input produces 1×28×28: write Conv2d(1, 8, …)");

        [Fact]
        public void CNN0004_batchnorm2d_mismatch()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3)]\n[BatchNorm2d({|CNN0004:16|})]\n[Flatten]\n[Linear(5408, 10)]"),
                "BatchNorm2d [1] expects 16 channels, but Conv2d [0] produces 8×26×26: write BatchNorm2d(8)");

        [Fact]
        public void CNN0004_batchnorm1d_mismatch()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 100)]\n[BatchNorm1d({|CNN0004:120|})]\n[Linear(100, 10)]"),
                "BatchNorm1d [2] expects 120 features, but Linear [1] produces 100: write BatchNorm1d(100)");

        // ---- CNN0005: Linear in_features ----

        [Fact]
        public void CNN0005_after_flatten_explains_where_the_number_comes_from()
            => Verify(Net("""
                [Network(1, 28, 28)]
                [Conv2d(1, 32, 3, padding: 1)]
                [ReLU]
                [MaxPool2d(2, 2)]
                [Conv2d(32, 64, 3, padding: 1)]
                [ReLU]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear({|CNN0005:3000|}, 128)]
                [ReLU]
                [Dropout(0.5)]
                [Linear(128, 10)]
                """),
                "Linear [7] expects 3000 input features, but Flatten [6] produces 3136 = 64 × 7 × 7 (from MaxPool2d [5], shape 64×7×7): write Linear(3136, 128)");

        [Fact]
        public void CNN0005_span_is_the_whole_argument_expression()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 64, 3, padding: 1)]\n[MaxPool2d(4)]\n[Flatten]\n[Linear({|CNN0005:7 * 7 * 32|}, 10)]"),
                "Linear [3] expects 1568 input features, but Flatten [2] produces 3136 = 64 × 7 × 7 (from MaxPool2d [1], shape 64×7×7): write Linear(3136, 10)");

        [Fact]
        public void CNN0005_flatten_of_the_input()
            => Verify(Net("[Network(3, 8, 8)]\n[Flatten]\n[Linear({|CNN0005:inFeatures: 64|}, 10)]"),
                "Linear [1] expects 64 input features, but Flatten [0] produces 192 = 3 × 8 × 8 (from the [Network] input, shape 3×8×8): write Linear(192, 10)");

        [Fact]
        public void CNN0005_after_another_linear()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 100)]\n[ReLU]\n[Linear({|CNN0005:120|}, 10)]"),
                "Linear [3] expects 120 input features, but ReLU [2] produces 100: write Linear(100, 10)");

        // ---- CNN0006: spatial size reaches zero ----

        [Fact]
        public void CNN0006_conv_window_larger_than_input()
            => Verify(Net("[Network(1, 3, 3)]\n[Conv2d(1, 4, {|CNN0006:5|})]\n[Flatten]\n[Linear(4, 10)]"),
                "Conv2d [0]: its 5×5 window is larger than its padded input 3×3 (the [Network] input produces 1×3×3, padding 0): use kernelSize ≤ 3 or padding: 1");

        [Fact]
        public void CNN0006_pooling_after_the_size_has_shrunk()
            => Verify(Net("[Network(1, 4, 4)]\n[MaxPool2d(2)]\n[MaxPool2d(2)]\n[MaxPool2d({|CNN0006:2|})]\n[Flatten]\n[Linear(1, 10)]"),
                "MaxPool2d [2]: its 2×2 window is larger than its padded input 1×1 (MaxPool2d [1] produces 1×1×1, padding 0): use kernelSize ≤ 1 or padding: 1");

        [Fact]
        public void CNN0006_dilated_conv()
            => Verify(Net("[Network(1, 6, 6)]\n[Conv2d(1, 2, {|CNN0006:kernelSize: 3|}, dilation: 3)]\n[Flatten]\n[Linear(2, 10)]"),
                "Conv2d [0]: its 7×7 window is larger than its padded input 6×6 (the [Network] input produces 1×6×6, padding 0): use kernelSize ≤ 2 or padding: 1");

        // ---- CNN0007: tensor of the wrong rank ----

        [Fact]
        public void CNN0007_linear_without_flatten()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 4, 3)]\n[{|CNN0007:Linear(2704, 10)|}]"),
                "Linear [1] needs a vector of features, but Conv2d [0] produces 4×26×26 (spatial): add [Flatten] before it (it would then receive 2704 features)");

        [Fact]
        public void CNN0007_conv_after_flatten()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[{|CNN0007:Conv2d(1, 4, 3)|}]\n[Linear(2704, 10)]"),
                "Conv2d [1] needs a (channels, height, width) input, but Flatten [0] produces 784 features (a vector): spatial layers must come before [Flatten]");

        [Fact]
        public void CNN0007_batchnorm1d_on_a_spatial_tensor()
            => Verify(Net("[Network(1, 28, 28)]\n[{|CNN0007:BatchNorm1d(1)|}]\n[Flatten]\n[Linear(784, 10)]"),
                "BatchNorm1d [0] needs a vector of features, but the [Network] input produces 1×28×28 (spatial): add [Flatten] before it (it would then receive 784 features)");

        [Fact]
        public void CNN0007_pool_after_linear()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]\n[{|CNN0007:MaxPool2d(2)|}]"));

        // ---- CNN0008: windows that leave input unread (a warning: code is still generated) ----

        [Fact]
        public void CNN0008_max_pool_2_on_odd_size()
        {
            var run = Verify(Net("[Network(1, 7, 7)]\n[{|CNN0008:MaxPool2d(2, 2)|}]\n[Flatten]\n[Linear(9, 10)]"),
                "MaxPool2d [0] leaves 1 row and 1 column of its 1×7×7 input unread (output 3×3): use padding: 1 or ceilMode: true to read them");
            Assert.Single(run.Sources);
        }

        [Fact]
        public void CNN0008_max_pool_3_on_28_drops_one_row_and_column()
            => Verify(Net("[Network(1, 28, 28)]\n[{|CNN0008:MaxPool2d(3, 3)|}]\n[Flatten]\n[Linear(81, 10)]"),
                "MaxPool2d [0] leaves 1 row and 1 column of its 1×28×28 input unread (output 9×9): use padding: 1 or ceilMode: true to read them");

        [Fact]
        public void CNN0008_stride_larger_than_kernel()
            => Verify(Net("[Network(1, 28, 28)]\n[{|CNN0008:Conv2d(1, 4, 2, stride: 3)|}]\n[Flatten]\n[Linear(324, 10)]"),
                "Conv2d [0] leaves 10 rows and 10 columns of its 1×28×28 input unread (output 9×9): its stride 3 is larger than its 2-wide window, so rows between windows are skipped: use stride ≤ 2");

        [Fact]
        public void CNN0008_only_rows()
            => Verify(Net("[Network(1, 7, 8)]\n[{|CNN0008:AvgPool2d(2)|}]\n[Flatten]\n[Linear(12, 10)]"),
                "AvgPool2d [0] leaves 1 row of its 1×7×8 input unread (output 3×4): use padding: 1 or ceilMode: true to read them");

        [Fact]
        public void CNN0008_generated_code_still_compiles()
        {
            var run = GeneratorHarness.Run(Net("[Network(1, 7, 7)]\n[MaxPool2d(2, 2)]\n[Flatten]\n[Linear(9, 10)]"));
            Assert.Equal("CNN0008", Assert.Single(run.GeneratorDiagnostics).Id);
            Assert.Single(run.Sources);
            Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        }

        // ---- CNN0009: layers without [Network] ----

        [Fact]
        public void CNN0009_layers_on_a_class_without_network()
        {
            var run = Verify(Net("[{|CNN0009:Conv2d(1, 8, 3)|}]\n[ReLU]\n[Flatten]\n[Linear(5408, 10)]"),
                "Class 'Net' has layer attributes but no [Network(channels, height, width)] or [Block], so no network code is generated for it");
            Assert.Empty(run.Sources);
        }

        [Fact]
        public void CNN0009_reported_once_per_class_at_its_first_layer()
            => Verify(Net("[Flatten]\n[{|CNN0009:ReLU|}]\n[Linear(5408, 10)]", "public partial class Net;\n\n[{|CNN0009:Sigmoid|}]\n[Tanh]\npublic class Other { }")
                .Replace("[Flatten]\n[{|CNN0009:ReLU|}]", "[{|CNN0009:Flatten|}]\n[ReLU]", System.StringComparison.Ordinal));

        [Fact]
        public void CNN0009_once_for_a_class_with_every_kind_of_layer_twice()
        {
            // Each layer kind has its own provider; joining them once took time exponential in their number
            // whenever the driver tracked steps (as these tests' driver does).
            const string layers = "[Conv2d(1, 6, 5)]\n[MaxPool2d(2)]\n[AvgPool2d(2)]\n[AdaptiveAvgPool2d(2, 2)]\n[BatchNorm2d(6)]\n[Flatten]\n[BatchNorm1d(24)]\n"
                + "[Linear(24, 10)]\n[Dropout(0.5)]\n[ReLU]\n[Sigmoid]\n[Tanh]\n[LeakyReLU]\n";
            Verify(Net("[{|CNN0009:Conv2d(1, 6, 5)|}]\n" + layers.Substring(layers.IndexOf('\n', System.StringComparison.Ordinal) + 1) + layers));
        }

        // ---- CNN0010: the network must end in a vector; unknown layers cannot be placed ----

        [Fact]
        public void CNN0010_network_ends_spatial()
            => Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3)]\n[{|CNN0010:ReLU|}]"),
                "Network 'Net' ends in a spatial tensor 8×26×26 from ReLU [1], but a classifier must end in a vector of logits: add [Flatten] and [Linear(5408, classes)] after it");

        [Fact]
        public void CNN0010_user_layer_attribute()
            => Verify("""
                using CnnGen;

                namespace Tests;

                public sealed class SwishAttribute : LayerAttribute { }

                [Network(1, 28, 28)]
                [Flatten]
                [{|CNN0010:Swish|}]
                [Linear(784, 10)]
                public partial class Net;
                """,
                "Layer [1] 'Swish' cannot be placed: it is not a CnnGen layer attribute, so CnnGen cannot size or run it; shapes after it are not checked");

        [Fact]
        public void CNN0010_misspelled_layer_suggests_the_real_one()
        {
            var run = Verify(Net("[Network(1, 28, 28)]\n[{|CNN0010:Conv2D(1, 8, 3)|}]\n[Flatten]\n[Linear(5408, 10)]"),
                "Layer [0] 'Conv2D' cannot be placed: it is not a CnnGen layer attribute (did you mean Conv2d?); shapes after it are not checked");
            Assert.Contains(CompileErrors(run), d => d.Id == "CS0246");
        }

        [Fact]
        public void CNN0010_misspelled_layer_between_layers()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[{|CNN0010:Linaer(784, 100)|}]\n[Linear(100, 10)]"),
                "Layer [1] 'Linaer' cannot be placed: it is not a CnnGen layer attribute (did you mean Linear?); shapes after it are not checked");

        [Fact]
        public void CNN0010_misspelled_last_layer()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]\n[{|CNN0010:tanh|}]"),
                "Layer [2] 'tanh' cannot be placed: it is not a CnnGen layer attribute (did you mean Tanh?); shapes after it are not checked");

        [Fact]
        public void Unresolved_attribute_before_network_is_not_a_layer()
        {
            // Only the compiler's own error: nothing suggests [Serializble] was meant as a layer.
            var run = GeneratorHarness.RunGeneratorOnly(Net("[Serializble]\n[Network(1, 28, 28)]\n[Flatten]\n[Linear(784, 10)]"));
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Single(run.Sources);
            Assert.Contains(CompileErrors(run), d => d.Id == "CS0246");
        }

        [Fact]
        public void CNN0010_wrongly_typed_arguments()
        {
            var run = Verify(Net("[Network(1, 28, 28)]\n[{|CNN0010:Conv2d(\"1\", 8, 3)|}]\n[Flatten]\n[Linear(5408, 10)]"),
                "Layer [0] 'Conv2d' cannot be placed: its arguments could not be read (see the compiler's error); shapes after it are not checked");
            Assert.Contains(CompileErrors(run), d => d.Id == "CS1503");
        }

        // ---- CNN0015 (hidden): sizes inferred from what arrives; CNN0017 (hidden): a written size that could be ----

        [Fact]
        public void CNN0015_linear_and_batchnorms_infer_what_arrives()
        {
            var run = Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3)]\n[{|CNN0015:BatchNorm2d|}]\n[Flatten]\n[{|CNN0015:Linear(64)|}]\n[{|CNN0015:BatchNorm1d(eps: 1e-3)|}]\n[{|CNN0015:Linear(10, bias: false)|}]"),
                "BatchNorm2d [1] infers features = 8: Conv2d [0] produces 8×26×26",
                "Linear [3] infers inFeatures = 5408: Flatten [2] produces 5408",
                "BatchNorm1d [4] infers features = 64: Linear [3] produces 64",
                "Linear [5] infers inFeatures = 64: BatchNorm1d [4] produces 64");
            Assert.Single(run.Sources);
            var values = run.GeneratorDiagnostics.Where(d => d.Id == "CNN0015").Select(d => d.Properties["Argument"] + "=" + d.Properties["Value"]);
            Assert.Equal(new[] { "features=8", "inFeatures=5408", "features=64", "inFeatures=64" }, values);
        }

        [Fact]
        public void CNN0017_marks_a_written_size_that_equals_what_arrives()
        {
            var run = Verify(Net("[Network(1, 28, 28)]\n[Conv2d(1, 8, 3)]\n[BatchNorm2d({|CNN0017:features: 8|})]\n[Flatten]\n[Linear({|CNN0017:5408|}, 10)]"),
                "BatchNorm2d [1]: features 8 is what arrives (Conv2d [0] produces 8×26×26), so it can be left out and inferred",
                "Linear [3]: inFeatures 5408 is what arrives (Flatten [2] produces 5408), so it can be left out and inferred");
            Assert.All(run.GeneratorDiagnostics.Where(d => d.Id == "CNN0017"), d => Assert.Equal(DiagnosticSeverity.Hidden, d.Severity));
        }

        // An inferred size cannot mismatch; the rank of what arrives is still checked.
        [Fact]
        public void Inferred_linear_after_a_spatial_layer_still_needs_flatten()
            => Verify(Net("[Network(1, 28, 28)]\n[{|CNN0007:Linear(10)|}]"),
                "Linear [0] needs a vector of features, but the [Network] input produces 1×28×28 (spatial): add [Flatten] before it (it would then receive 784 features)");

        [Fact]
        public void Inferred_out_of_range_arguments_are_still_checked()
            => Verify(Net("[Network(1, 28, 28)]\n[Flatten]\n[Linear({|CNN0003:0|})]"),
                "Linear [1]: outFeatures must be at least 1, but is 0");

        // The inferred network is the explicit one: the same generated code, byte for byte (shapes, summary, doc
        // comment, state_dict shapes), and it compiles.
        [Fact]
        public void Inferred_network_generates_the_same_code_as_the_explicit_one()
        {
            const string explicitLayers = "[Network(3, 16, 16)]\n[Conv2d(3, 8, 3, padding: 1)]\n[BatchNorm2d(8)]\n[ReLU]\n[MaxPool2d(2)]\n[Flatten]\n[Linear(512, 32)]\n[BatchNorm1d(32, eps: 1e-3)]\n[Linear(32, 10)]";
            const string inferredLayers = "[Network(3, 16, 16)]\n[Conv2d(3, 8, 3, padding: 1)]\n[BatchNorm2d]\n[ReLU]\n[MaxPool2d(2)]\n[Flatten]\n[Linear(32)]\n[BatchNorm1d(eps: 1e-3)]\n[Linear(10)]";
            var inferred = GeneratorHarness.Run(Net(inferredLayers));
            var explicitRun = GeneratorHarness.Run(Net(explicitLayers));
            Assert.Empty(inferred.GeneratorDiagnostics);
            Assert.True(inferred.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(inferred.CompilationDiagnostics));
            string source = inferred.SingleSource();
            Assert.Equal(explicitRun.SingleSource(), source);
            Assert.Contains("Linear(512→32)", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.Parameter(\"5.weight\", new int[] { 32, 512 }", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.Parameter(\"1.weight\", new int[] { 8 }", source, System.StringComparison.Ordinal);
        }

        // A block written with inferred sizes fits each place it is used.
        [Fact]
        public void Inferred_sizes_in_a_block_follow_each_use()
        {
            var run = GeneratorHarness.Run("using CnnGen;\nnamespace Tests;\n[Block]\n[BatchNorm2d]\n[ReLU]\npublic partial class NormRelu;\n"
                + Net("[Network(1, 8, 8)]\n[Conv2d(1, 4, 3, padding: 1)]\n[Sequential<NormRelu>]\n[Conv2d(4, 6, 3, padding: 1)]\n[Sequential<NormRelu>]\n[Flatten]\n[Linear(10)]").Replace("using CnnGen;\n\nnamespace Tests;\n", ""));
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
            string source = run.SingleSource();
            Assert.Contains("new global::CnnGen.Parameter(\"1.0.weight\", new int[] { 4 }", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.Parameter(\"3.0.weight\", new int[] { 6 }", source, System.StringComparison.Ordinal);
            Assert.Contains("new global::CnnGen.Parameter(\"5.weight\", new int[] { 10, 384 }", source, System.StringComparison.Ordinal);
        }

        [Fact]
        public void CNN0015_in_a_block_used_with_different_sizes_carries_no_value()
        {
            var run = Verify("using CnnGen;\n\nnamespace Tests;\n\n[Block]\n[{|CNN0015:BatchNorm2d|}]\npublic partial class Norm;\n\n"
                + "[Network(1, 8, 8)]\n[Conv2d(1, 4, 3, padding: 1)]\n[Sequential<Norm>]\n[Conv2d(4, 6, 3, padding: 1)]\n[Sequential<Norm>]\n[Sequential<Norm>]\n[Flatten]\n[{|CNN0015:Linear(10)|}]\npublic partial class Net;\n",
                "BatchNorm2d [0] infers features from what arrives, and its block is used where different sizes arrive (6 here), so no one number can be written out",
                "Linear [6] infers inFeatures = 384: Flatten [5] produces 384");
            Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Id == "CNN0015").OrderBy(d => d.Location.SourceSpan.Start).First().Properties);
        }

        [Fact]
        public void CNN0015_in_a_block_used_with_one_size_is_reported_once()
            => Verify("using CnnGen;\n\nnamespace Tests;\n\n[Block]\n[{|CNN0015:BatchNorm2d|}]\npublic partial class Norm;\n\n"
                + "[Network(1, 8, 8)]\n[Conv2d(1, 4, 3, padding: 1)]\n[Sequential<Norm>]\n[Sequential<Norm>]\n[Flatten]\n[{|CNN0015:Linear(10)|}]\npublic partial class Net;\n",
                "BatchNorm2d [0] in Norm in Sequential [1] infers features = 4: the input of Norm (from Conv2d [0]) produces 4×8×8",
                "Linear [4] infers inFeatures = 256: Flatten [3] produces 256");

        // ---- CNN0016: budgets on the network (a warning: code is still generated) ----

        [Fact]
        public void CNN0016_over_max_parameters_names_the_actual_count()
        {
            // 784·10 + 10 = 7,850 parameters.
            var run = Verify(Net("[Network(1, 28, 28, {|CNN0016:MaxParameters = 5_000|})]\n[Flatten]\n[Linear(10)]"),
                "Network 'Net' has 7,850 trainable parameters, over its budget MaxParameters = 5,000 (by 2,850); the summary shows which layers hold them");
            Assert.Single(run.Sources);
            Assert.Equal("7850", Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNN0016").Properties["Actual"]);
        }

        [Fact]
        public void CNN0016_over_max_flops_names_the_actual_figure()
            // Linear: 2·784·10 + 10 = 15,690 FLOPs per sample.
            => Verify(Net("[Network(1, 28, 28, MaxParameters = 7_850, {|CNN0016:MaxFlops = 15_000|})]\n[Flatten]\n[Linear(784, 10)]"),
                "Network 'Net' has 15,690 FLOPs per sample in its forward pass, over its budget MaxFlops = 15,000 (by 690); the summary shows which layers hold them");

        [Fact]
        public void CNN0016_within_budget_is_silent()
        {
            var run = GeneratorHarness.Run(Net("[Network(1, 28, 28, MaxParameters = 7_850, MaxFlops = 15_690)]\n[Flatten]\n[Linear(784, 10)]"));
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        }

        [Fact]
        public void CNN0002_negative_budget()
            => Verify(Net("[Network(1, 28, 28, {|CNN0002:MaxFlops = -1|})]\n[Flatten]\n[Linear(784, 10)]"),
                "[Network] MaxFlops of 'Net' must be positive (or left out for no budget), but is -1");

        // ---- Valid networks ----

        [Fact]
        public void Valid_network_has_no_diagnostics_and_compiles_cleanly()
        {
            var run = GeneratorHarness.Run(Networks.SimpleCnn);
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Single(run.Sources);
            Assert.Empty(run.CompilationDiagnostics);
        }

        [Fact]
        public void Other_attributes_between_layers_are_ignored()
        {
            var run = GeneratorHarness.Run(Net("[Network(1, 28, 28)]\n[Flatten]\n[System.Diagnostics.DebuggerDisplay(\"net\")]\n[Linear(784, 10)]"));
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Contains("new global::CnnGen.Parameter(\"1.weight\", new int[] { 10, 784 }", run.SingleSource(), System.StringComparison.Ordinal);
            Assert.Empty(run.CompilationDiagnostics);
        }

        [Fact]
        public void Layers_on_a_second_partial_declaration_follow_the_first()
        {
            var run = GeneratorHarness.Run(
                Net("[Network(1, 28, 28)]\n[Flatten]"),
                "using CnnGen;\nnamespace Tests;\n[Linear(784, 10)]\npublic partial class Net { }\n");
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Contains("public const int Layer1Size = 10;", run.SingleSource(), System.StringComparison.Ordinal);
            Assert.Empty(run.CompilationDiagnostics);
        }
    }
}
