using System.Linq;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Tests.Infrastructure
{
    /// <summary>Builds <see cref="NetworkSpec"/>s directly, for tests that call shape inference without a compilation.</summary>
    internal static class Specs
    {
        public static LayerSpec Layer(int index, LayerKind kind, params (string Name, double Value)[] args)
            => new LayerSpec(index, kind, kind.ToString(),
                EquatableArray.From(args.Select(a => new LayerArg(a.Name, a.Value, true, null))), null);

        public static NetworkSpec Network(int channels, int height, int width, params LayerSpec[] layers)
            => new NetworkSpec("Tests", "Net", "public", EquatableArray<ContainingType>.Empty, channels, height, width,
                EquatableArray.From(layers), null, null, EquatableArray<DiagnosticInfo>.Empty);

        public static LayerSpec Conv2d(int index, long cin, long cout, long k, long s = 1, long p = 0, long d = 1, long g = 1, bool bias = true)
            => Layer(index, LayerKind.Conv2d, ("inChannels", cin), ("outChannels", cout), ("kernelSize", k), ("stride", s),
                ("padding", p), ("dilation", d), ("groups", g), ("bias", bias ? 1 : 0));

        public static LayerSpec MaxPool2d(int index, long k, long s = 0, long p = 0, bool ceil = false, long d = 1)
            => Layer(index, LayerKind.MaxPool2d, ("kernelSize", k), ("stride", s), ("padding", p), ("ceilMode", ceil ? 1 : 0), ("dilation", d));

        public static LayerSpec AvgPool2d(int index, long k, long s = 0, long p = 0, bool ceil = false, bool countIncludePad = true)
            => Layer(index, LayerKind.AvgPool2d, ("kernelSize", k), ("stride", s), ("padding", p), ("ceilMode", ceil ? 1 : 0), ("countIncludePad", countIncludePad ? 1 : 0));
    }
}
