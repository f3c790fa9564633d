using CnnGen.Generator.Model;

namespace CnnGen.Generator.Tests.Infrastructure
{
    /// <summary>Builds <see cref="NetworkSpec"/>s directly, for tests that call shape inference without a compilation.</summary>
    internal static class Specs
    {
        private static LayerSpec Layer(int index, LayerKind kind, Op op)
            => new LayerSpec(index, kind, kind.ToString(), op, null, EquatableArray<ArgumentLocation>.Empty);

        public static NetworkSpec Network(int channels, int height, int width, params LayerSpec[] layers)
            => new NetworkSpec("Tests", "Net", "public", EquatableArray<ContainingType>.Empty, channels, height, width,
                EquatableArray.From(layers), LossSpec.Default, false, EquatableArray<string>.Empty, null, null, EquatableArray<DiagnosticInfo>.Empty);

        public static LayerSpec Conv2d(int index, long cin, long cout, long k, long s = 1, long p = 0, long d = 1, long g = 1, bool bias = true)
            => Layer(index, LayerKind.Conv2d, new Conv2dOp(cin, cout, k, s, p, d, g, bias));

        public static LayerSpec MaxPool2d(int index, long k, long s = 0, long p = 0, bool ceil = false, long d = 1)
            => Layer(index, LayerKind.MaxPool2d, new Pool2dOp(true, k, s, p, d, ceil, CountIncludePad: true));

        public static LayerSpec AvgPool2d(int index, long k, long s = 0, long p = 0, bool ceil = false, bool countIncludePad = true)
            => Layer(index, LayerKind.AvgPool2d, new Pool2dOp(false, k, s, p, 1, ceil, countIncludePad));
    }
}
