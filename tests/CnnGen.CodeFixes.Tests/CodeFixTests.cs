using System.Threading.Tasks;
using Xunit;
using CnnGen.Generator;

namespace CnnGen.CodeFixes.Tests
{
    /// <summary>
    /// Each quick action on a source before and after, the diagnostic's span marked. The diagnostics come from
    /// the real <see cref="NetworkAnalyzer"/>, with the fitting value in their properties. Every source is a network whose
    /// only fault is the marked one.
    /// </summary>
    public class CodeFixTests
    {
        [Fact]
        public Task Cnn0001_adds_partial_before_the_class_keyword()
            => CodeFixTest<MakePartialCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                /// <summary>Digits.</summary>
                [Network(1, 28, 28)]
                [Flatten]
                [Linear(784, 10)]
                class {|CNN0001:Digits|};
                """, """
                using CnnGen;

                /// <summary>Digits.</summary>
                [Network(1, 28, 28)]
                [Flatten]
                [Linear(784, 10)]
                partial class Digits;
                """);

        [Fact]
        public Task Cnn0001_makes_the_class_and_the_types_it_is_nested_in_partial()
            => CodeFixTest<MakePartialCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                public static class Models
                {
                    [Network(1, 28, 28)]
                    [Flatten]
                    [Linear(784, 10)]
                    public sealed class {|CNN0001:Digits|} { }
                }
                """, """
                using CnnGen;

                public static partial class Models
                {
                    [Network(1, 28, 28)]
                    [Flatten]
                    [Linear(784, 10)]
                    public sealed partial class Digits { }
                }
                """);

        private static NetworkAnalyzer LinearInFeatures(string wrong)
            => new NetworkAnalyzer();

        [Fact]
        public Task Cnn0005_rewrites_a_positional_argument_to_the_number_that_fits()
            => CodeFixTest<FitArgumentCodeFix>.Check(LinearInFeatures("3000"), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear({|CNN0005:3000|}, 128)]   // the head
                [Linear(128, 10)]
                public partial class Classifier;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear(3136, 128)]   // the head
                [Linear(128, 10)]
                public partial class Classifier;
                """);

        [Fact]
        public Task Cnn0005_rewrites_a_named_argument_written_out_of_order()
            => CodeFixTest<FitArgumentCodeFix>.Check(LinearInFeatures("7 * 7 * 32"), """
                using CnnGen;

                [Network(64, 7, 7)]
                [Flatten]
                [Linear(outFeatures: 10, {|CNN0005:inFeatures: 7 * 7 * 32|})]
                public partial class Head;
                """, """
                using CnnGen;

                [Network(64, 7, 7)]
                [Flatten]
                [Linear(outFeatures: 10, inFeatures: 3136)]
                public partial class Head;
                """);

        [Fact]
        public Task Cnn0004_rewrites_the_input_channels_of_a_conv()
            => CodeFixTest<FitArgumentCodeFix>.Check(
                new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d({|CNN0004:3|}, 8, 3)]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Gray;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Gray;
                """);

        [Fact]
        public Task Cnn0004_rewrites_batchnorm_features()
            => CodeFixTest<FitArgumentCodeFix>.Check(
                new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [BatchNorm2d({|CNN0004:16|}, eps: 1e-3)]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Normed;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [BatchNorm2d(8, eps: 1e-3)]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Normed;
                """);

        private static NetworkAnalyzer LinearWithoutFlatten()
            => new NetworkAnalyzer();

        [Fact]
        public Task Cnn0007_inserts_flatten_on_its_own_line_before_the_layer()
            => CodeFixTest<InsertFlattenCodeFix>.Check(LinearWithoutFlatten(), """
                using CnnGen;

                namespace Models
                {
                    [Network(1, 28, 28)]
                    [Conv2d(1, 8, 3)]
                    [ReLU]
                    [{|CNN0007:Linear(5408, 10)|}]
                    public partial class NoFlatten;
                }
                """, """
                using CnnGen;

                namespace Models
                {
                    [Network(1, 28, 28)]
                    [Conv2d(1, 8, 3)]
                    [ReLU]
                    [Flatten]
                    [Linear(5408, 10)]
                    public partial class NoFlatten;
                }
                """);

        [Fact]
        public Task Cnn0007_inserts_flatten_inside_a_list_of_several_layers()
            => CodeFixTest<InsertFlattenCodeFix>.Check(LinearWithoutFlatten(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3), ReLU, {|CNN0007:Linear(5408, 10)|}]
                public partial class OneLine;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3), ReLU, Flatten, Linear(5408, 10)]
                public partial class OneLine;
                """);

        private const string BadlyTiledPool = """
            using CnnGen;

            [Network(1, 28, 28)]
            [{|CNN0008:MaxPool2d(3, 3)|}]
            [Flatten]
            public partial class Pool;
            """;

        private static NetworkAnalyzer UnreadRows(string layer, string badArguments, params (string, string)[] properties)
            => new NetworkAnalyzer();

        [Fact]
        public Task Cnn0008_first_action_adds_the_padding_that_reads_every_row()
            => CodeFixTest<KeepUnreadInputCodeFix>.Check(UnreadRows("MaxPool2d", "(3, 3)", ("Padding", "1"), ("CeilMode", "true")),
                BadlyTiledPool, """
                using CnnGen;

                [Network(1, 28, 28)]
                [MaxPool2d(3, 3, padding: 1)]
                [Flatten]
                public partial class Pool;
                """, codeActionIndex: 0);

        [Fact]
        public Task Cnn0008_second_action_sets_ceil_mode()
            => CodeFixTest<KeepUnreadInputCodeFix>.Check(UnreadRows("MaxPool2d", "(3, 3)", ("Padding", "1"), ("CeilMode", "true")),
                BadlyTiledPool, """
                using CnnGen;

                [Network(1, 28, 28)]
                [MaxPool2d(3, 3, ceilMode: true)]
                [Flatten]
                public partial class Pool;
                """, codeActionIndex: 1);

        [Fact]
        public Task Cnn0008_rewrites_a_padding_written_by_position()
            => CodeFixTest<KeepUnreadInputCodeFix>.Check(UnreadRows("AvgPool2d", "(3, 3, 0)", ("Padding", "1")), """
                using CnnGen;

                [Network(1, 28, 28)]
                [{|CNN0008:AvgPool2d(3, 3, 0)|}]
                [Flatten]
                public partial class Pool;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [AvgPool2d(3, 3, 1)]
                [Flatten]
                public partial class Pool;
                """);

        [Fact]
        public Task Cnn0008_on_a_conv_offers_padding_only()
            => CodeFixTest<KeepUnreadInputCodeFix>.Check(UnreadRows("Conv2d", "(1, 8, 3, 2)", ("Padding", "1")), """
                using CnnGen;

                [Network(1, 28, 28)]
                [{|CNN0008:Conv2d(1, 8, 3, 2)|}]
                [Flatten]
                public partial class Strided;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3, 2, padding: 1)]
                [Flatten]
                public partial class Strided;
                """);

        [Fact]
        public Task Cnn0010_renames_a_misspelled_layer()
            => CodeFixTest<RenameLayerCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [{|CS0246:{|CS0246:{|CNN0010:Relu|}|}|}]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Typo;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [ReLU]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Typo;
                """);

        [Fact]
        public Task Cnn0010_renames_only_the_last_part_of_a_qualified_name()
            => CodeFixTest<RenameLayerCodeFix>.Check(new NetworkAnalyzer(), """
                [CnnGen.Network(1, 28, 28)]
                [{|CNN0010:CnnGen.{|CS0234:{|CS0234:Relu|}|}|}]
                [CnnGen.Flatten]
                public partial class Typo;
                """, """
                [CnnGen.Network(1, 28, 28)]
                [CnnGen.ReLU]
                [CnnGen.Flatten]
                public partial class Typo;
                """);

        // No edit fixes a generic network class (CNN0001 says so): the class is already partial, so nothing is offered.
        [Fact]
        public Task Cnn0001_offers_nothing_when_the_class_is_already_partial()
        {
            const string source = """
                using CnnGen;

                [Network(1, 28, 28)]
                [Flatten]
                [Linear(784, 10)]
                public partial class {|CNN0001:Generic|}<T>;
                """;
            return CodeFixTest<MakePartialCodeFix>.Check(
                new NetworkAnalyzer(),
                source, source);
        }

        // A CNN0008 whose unread rows no padding and no ceilMode can reach (stride larger than the window) carries
        // neither property: no action is offered rather than a wrong one.
        [Fact]
        public Task Cnn0008_offers_nothing_without_a_fitting_value()
        {
            const string source = """
                using CnnGen;

                [Network(1, 28, 28)]
                [{|CNN0008:MaxPool2d(2, 3)|}]
                [Flatten]
                public partial class Skips;
                """;
            return CodeFixTest<KeepUnreadInputCodeFix>.Check(UnreadRows("MaxPool2d", "(2, 3)"), source, source);
        }
    

        // ---- CNN0015 / CNN0017: an inferred size written out, and a written size left to inference ----

        [Fact]
        public Task Cnn0015_writes_out_the_inferred_in_features_of_a_linear()
            => CodeFixTest<InferredSizeCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [{|CNN0015:Linear(128)|}]
                [Linear(128, 10, bias: false)]
                public partial class Classifier;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear(3136, 128)]
                [Linear(128, 10, bias: false)]
                public partial class Classifier;
                """);

        [Fact]
        public Task Cnn0015_writes_out_the_features_of_a_batchnorm_written_without_parentheses()
            => CodeFixTest<InferredSizeCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [{|CNN0015:BatchNorm2d|}]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Normed;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [BatchNorm2d(8)]
                [Flatten]
                [Linear(5408, 10)]
                public partial class Normed;
                """);

        // The inferring overload takes the explicit constructor's other parameters in the same order, so an eps
        // written by position keeps its meaning when the features go in front of it.
        [Fact]
        public Task Cnn0015_keeps_the_other_arguments_of_a_batchnorm()
            => CodeFixTest<InferredSizeCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Flatten]
                [{|CNN0015:BatchNorm1d(1e-3, momentum: 0.2)|}]
                [Linear(784, 10)]
                public partial class Normed;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Flatten]
                [BatchNorm1d(784, 1e-3, momentum: 0.2)]
                [Linear(784, 10)]
                public partial class Normed;
                """);

        [Fact]
        public Task Cnn0017_leaves_the_in_features_of_a_linear_to_inference()
            => CodeFixTest<InferredSizeCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear({|CNN0017:3136|}, 128)]
                [Linear(10)]
                public partial class Classifier;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 16, 3, padding: 1)]
                [MaxPool2d(2, 2)]
                [Flatten]
                [Linear(128)]
                [Linear(10)]
                public partial class Classifier;
                """);

        [Fact]
        public Task Cnn0017_removes_a_named_features_argument_and_empty_parentheses()
            => CodeFixTest<InferredSizeCodeFix>.Check(new NetworkAnalyzer(), """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [BatchNorm2d({|CNN0017:features: 8|})]
                [Flatten]
                [Linear(outFeatures: 10)]
                public partial class Normed;
                """, """
                using CnnGen;

                [Network(1, 28, 28)]
                [Conv2d(1, 8, 3)]
                [BatchNorm2d]
                [Flatten]
                [Linear(outFeatures: 10)]
                public partial class Normed;
                """);
    }
}
