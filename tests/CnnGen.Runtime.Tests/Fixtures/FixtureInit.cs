using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Tests
{
    /// <summary>
    /// The deterministic initial parameters of the PyTorch fixtures (tests/fixtures/make_fixtures.py sets every
    /// parameter with this formula instead of storing torch's random init), so a parity test sets a generated
    /// network's parameters from their names and shapes alone.
    /// </summary>
    /// <remarks>
    /// Names are nn.Sequential state_dict names "&lt;L&gt;.&lt;role&gt;": L = the integer before the '.', role = the
    /// text after the last '.'; i = the flat row-major element index. A nested name (graph cases, "3.body.0.weight")
    /// takes L = <see cref="InitLayer"/> of its module path ("3.body.0") instead. Each value is computed in float64 and rounded
    /// to float32 once; the sine argument is evaluated left to right as ((0.7 * i) + (1.3 * L)) + offset:
    /// <list type="bullet">
    /// <item>"L.weight" of rank ≥ 2 (Conv2d, Linear): F = product of shape[1..]; value = (1 / sqrt(F)) * sin(0.7 i + 1.3 L + 0.0)</item>
    /// <item>"L.bias" whose "L.weight" has rank ≥ 2: F from that weight; value = (1 / sqrt(F)) * sin(0.7 i + 1.3 L + 0.5)</item>
    /// <item>"L.weight" of rank 1 (BatchNorm): value = 1 + 0.1 * sin(0.7 i + 1.3 L + 1.0)</item>
    /// <item>"L.bias" whose "L.weight" has rank 1 (BatchNorm): value = 0.1 * cos(0.7 i + 1.3 L + 1.5)</item>
    /// </list>
    /// Both sides call libm's sin/cos on the same doubles (Python math.sin, .NET Math.Sin), and a test checks
    /// this class against the values Python stored ("init.*" in pools and strided) bit for bit.
    /// </remarks>
    public static class FixtureInit
    {
        /// <summary>Sets every parameter's data by the formula; each bias finds its layer's weight in the same list.</summary>
        public static void FillAll(IReadOnlyList<Parameter> parameters)
        {
            var shapes = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
            foreach (var p in parameters) shapes[p.Name] = p.Shape;
            foreach (var p in parameters) Fill(p.Name, p.Shape, p.Data, WeightShapeOf(p.Name, shapes));
        }

        /// <summary>The shape of the weight that decides <paramref name="name"/>'s rule: "L.weight" for "L.bias" or "L.weight".</summary>
        public static IReadOnlyList<int> WeightShapeOf(string name, IReadOnlyDictionary<string, IReadOnlyList<int>> shapes)
        {
            string weight = Prefix(name) + ".weight";
            return shapes.TryGetValue(weight, out var s) ? s
                : throw new ArgumentException($"'{name}': no parameter '{weight}' to take the fan-in from.", nameof(shapes));
        }

        /// <summary>The formula's values for one parameter, as a new array.</summary>
        public static float[] Values(string name, IReadOnlyList<int> shape, IReadOnlyList<int> weightShape)
        {
            var data = new float[Count(shape)];
            Fill(name, shape, data, weightShape);
            return data;
        }

        /// <summary>Writes the formula's values for parameter <paramref name="name"/> of <paramref name="shape"/> into <paramref name="data"/>.</summary>
        /// <param name="name">State_dict name, "&lt;layer index&gt;.weight" or "&lt;layer index&gt;.bias".</param>
        /// <param name="shape">The parameter's shape; <paramref name="data"/> must hold exactly its element count.</param>
        /// <param name="data">Destination, row-major.</param>
        /// <param name="weightShape">Shape of the layer's weight (the parameter's own shape when it is the weight).</param>
        public static void Fill(string name, IReadOnlyList<int> shape, Span<float> data, IReadOnlyList<int> weightShape)
        {
            long count = Count(shape);
            if (data.Length != count)
                throw new ArgumentException($"'{name}': shape [{string.Join(", ", shape)}] has {count} elements, the destination {data.Length}.", nameof(data));
            int layer = InitLayer(name, Prefix(name));
            string role = name.Substring(name.LastIndexOf('.') + 1);
            bool isWeight = role switch
            {
                "weight" => true,
                "bias" => false,
                _ => throw new ArgumentException($"'{name}': role '{role}' is neither weight nor bias.", nameof(name)),
            };

            if (weightShape.Count >= 2)
            {
                long fanIn = 1;
                for (int d = 1; d < weightShape.Count; d++) fanIn *= weightShape[d];
                double bound = 1.0 / Math.Sqrt(fanIn);
                double offset = isWeight ? 0.0 : 0.5;
                for (int i = 0; i < data.Length; i++) data[i] = (float)(bound * Math.Sin(0.7 * i + 1.3 * layer + offset));
            }
            else if (isWeight)
            {
                for (int i = 0; i < data.Length; i++) data[i] = (float)(1.0 + 0.1 * Math.Sin(0.7 * i + 1.3 * layer + 1.0));
            }
            else
            {
                for (int i = 0; i < data.Length; i++) data[i] = (float)(0.1 * Math.Cos(0.7 * i + 1.3 * layer + 1.5));
            }
        }

        /// <summary>
        /// L of module <paramref name="path"/>: the index itself for a top-level layer ("3"); for a nested module
        /// ("3.body.0") 100 + (Σₖ (k + 1)·path[k]) mod 900 over its characters (k from 0), as make_fixtures.py's init_layer.
        /// </summary>
        public static int InitLayer(string name, string path)
        {
            int dot = path.IndexOf('.');
            string head = dot < 0 ? path : path.Substring(0, dot);
            if (head.Length == 0 || !int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
                throw new ArgumentException($"'{name}': expected '<layer index>.<role>' or '<layer index>.<submodules>.<role>', as PyTorch names parameters.", nameof(name));
            if (dot < 0) return layer;
            long sum = 0;
            for (int k = 0; k < path.Length; k++) sum += (k + 1L) * path[k];
            return 100 + (int)(sum % 900);
        }

        private static string Prefix(string name) => name.Substring(0, Math.Max(0, name.LastIndexOf('.')));

        private static long Count(IReadOnlyList<int> shape)
        {
            long n = 1;
            foreach (int d in shape) n *= d;
            return n;
        }
    }
}
