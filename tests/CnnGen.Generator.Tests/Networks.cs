namespace CnnGen.Generator.Tests
{
    /// <summary>The network sources the baseline, compile and summary tests share.</summary>
    public static class Networks
    {
        /// <summary>The README's MNIST network.</summary>
        public const string SimpleCnn = """
            using CnnGen;

            namespace Samples.Mnist;

            [Network(1, 28, 28)]
            [Conv2d(1, 32, 3, padding: 1)]
            [ReLU]
            [MaxPool2d(2, 2)]
            [Conv2d(32, 64, 3, padding: 1)]
            [ReLU]
            [MaxPool2d(2, 2)]
            [Flatten]
            [Linear(7 * 7 * 64, 128)]
            [ReLU]
            [Dropout(0.5)]
            [Linear(128, 10)]
            public partial class SimpleCnn;
            """;

        /// <summary>The Fashion-MNIST network with pooling and both batch norms.</summary>
        public const string MaxPoolNet = """
            using CnnGen;

            namespace Samples.Fashion;

            [Network(1, 28, 28)]
            [Conv2d(1, 6, 5)]
            [ReLU]
            [MaxPool2d(2, 2)]
            [BatchNorm2d(6)]
            [Conv2d(6, 12, 5)]
            [ReLU]
            [MaxPool2d(2, 2)]
            [Flatten]
            [Linear(192, 120)]
            [ReLU]
            [BatchNorm1d(120)]
            [Linear(120, 60)]
            [ReLU]
            [Linear(60, 10)]
            public partial class MaxPoolNet;
            """;

        /// <summary>The same without pooling.</summary>
        public const string NoMaxPoolNet = """
            using CnnGen;

            namespace Samples.Fashion;

            [Network(1, 28, 28)]
            [Conv2d(1, 6, 5)]
            [ReLU]
            [BatchNorm2d(6)]
            [Conv2d(6, 12, 5)]
            [ReLU]
            [Flatten]
            [Linear(12 * 20 * 20, 120)]
            [ReLU]
            [BatchNorm1d(120)]
            [Linear(120, 60)]
            [ReLU]
            [Linear(60, 10)]
            public partial class NoMaxPoolNet;
            """;

        /// <summary>
        /// Stride, dilation, groups, no bias, LeakyReLU, AvgPool2d with ceilMode and countIncludePad: false,
        /// a dilated max pool, Sigmoid. RGB 32×32 input.
        /// </summary>
        public const string StridedGroupedNet = """
            using CnnGen;

            namespace Samples.Vocabulary
            {
                [Network(3, 32, 32)]
                [Conv2d(3, 12, 3, stride: 2, padding: 1)]
                [LeakyReLU(0.2)]
                [Conv2d(12, 24, 3, padding: 2, dilation: 2, groups: 3, bias: false)]
                [BatchNorm2d(24, eps: 1e-3, momentum: 0.05)]
                [ReLU]
                [AvgPool2d(3, 2, padding: 1, ceilMode: true, countIncludePad: false)]
                [MaxPool2d(3, stride: 1, padding: 1, dilation: 1)]
                [Sigmoid]
                [Flatten]
                [Linear(24 * 9 * 9, 10, bias: false)]
                public partial class StridedGroupedNet;
            }
            """;

        /// <summary>A network nested in a partial class in the global namespace: AdaptiveAvgPool2d, Tanh.</summary>
        public const string NestedAdaptiveNet = """
            using CnnGen;

            public partial class Zoo
            {
                [Network(3, 17, 23)]
                [Conv2d(3, 8, 3)]
                [Tanh]
                [AdaptiveAvgPool2d(4, 5)]
                [Flatten]
                [Linear(8 * 4 * 5, 16)]
                [Tanh]
                [Linear(16, 3)]
                internal partial class NestedAdaptiveNet;
            }
            """;

        /// <summary>An internal class in the global namespace that flattens its input straight away (a multilayer perceptron).</summary>
        public const string InternalMlp = """
            using CnnGen;

            [Network(1, 8, 8)]
            [Flatten]
            [Linear(64, 32, bias: false)]
            [BatchNorm1d(32)]
            [Sigmoid]
            [Dropout(0.25)]
            [Linear(32, 4)]
            internal partial class InternalMlp
            {
                public int UserMember => 42;
            }
            """;

        /// <summary>The TinyResNet: identity and projection residual blocks, BatchNorm, downsampling by stride 2.</summary>
        public const string TinyResNet = """
            using CnnGen;

            namespace Samples.Graphs;

            [Block]
            [Conv2d(16, 16, 3, padding: 1, bias: false)]
            [BatchNorm2d(16)]
            [ReLU]
            [Conv2d(16, 16, 3, padding: 1, bias: false)]
            [BatchNorm2d(16)]
            public partial class Basic16;

            [Block]
            [Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false)]
            [BatchNorm2d(32)]
            [ReLU]
            [Conv2d(32, 32, 3, padding: 1, bias: false)]
            [BatchNorm2d(32)]
            public partial class Down32;

            [Block]
            [Conv2d(16, 32, 1, stride: 2, bias: false)]
            [BatchNorm2d(32)]
            public partial class Project32;

            [Network(3, 16, 16)]
            [Conv2d(3, 16, 3, padding: 1, bias: false)]
            [BatchNorm2d(16)]
            [ReLU]
            [Residual<Basic16>]
            [ReLU]
            [Residual<Down32, Project32>]
            [ReLU]
            [AdaptiveAvgPool2d(1, 1)]
            [Flatten]
            [Linear(32, 10)]
            public partial class TinyResNet;
            """;

        /// <summary>An Inception-style network: three branches concatenated, one of them a Sequential stage with a residual inside.</summary>
        public const string InceptionNet = """
            using CnnGen;

            namespace Samples.Graphs;

            [Block]
            [Conv2d(8, 4, 1)]
            public partial class Narrow;

            [Block]
            [Conv2d(8, 4, 1)]
            [ReLU]
            [Conv2d(4, 6, 3, padding: 1)]
            public partial class Wide;

            [Block]
            [MaxPool2d(3, 1, padding: 1)]
            [Conv2d(8, 2, 1)]
            public partial class Pooled;

            [Block]
            [Conv2d(12, 12, 3, padding: 1)]
            public partial class Refine;

            [Block]
            [Residual<Refine>]
            [ReLU]
            public partial class Stage;

            [Network(1, 12, 12)]
            [Conv2d(1, 8, 3, padding: 1)]
            [ReLU]
            [Concat<Narrow, Wide, Pooled>]
            [ReLU]
            [Sequential<Stage>]
            [MaxPool2d(2)]
            [Flatten]
            [Linear(12 * 6 * 6, 10)]
            public partial class InceptionNet;
            """;

        /// <summary>Every baseline network: the name of its approved file and its source.</summary>
        public static readonly (string Name, string Source)[] Baselines =
        {
            ("SimpleCnn", SimpleCnn),
            ("MaxPoolNet", MaxPoolNet),
            ("NoMaxPoolNet", NoMaxPoolNet),
            ("StridedGroupedNet", StridedGroupedNet),
            ("NestedAdaptiveNet", NestedAdaptiveNet),
            ("InternalMlp", InternalMlp),
            ("TinyResNet", TinyResNet),
            ("InceptionNet", InceptionNet),
        };
    }
}
