using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen
{
    /// <summary>One row of a <see cref="NetworkSummary"/>: a layer as the compiler saw it.</summary>
    public sealed class LayerSummary
    {
        public LayerSummary(int index, string kind, string arguments, int[] outputShape, long parameterCount, long flops, long activationBytes)
            : this(index.ToString(CultureInfo.InvariantCulture), 0, kind, arguments, outputShape, parameterCount, flops, activationBytes)
        {
        }

        /// <summary>A row inside a block: <paramref name="path"/> is its state_dict prefix ("3.body.0"), <paramref name="depth"/> how deep it is nested.</summary>
        public LayerSummary(string path, int depth, string kind, string arguments, int[] outputShape, long parameterCount, long flops, long activationBytes)
        {
            Path = path;
            Depth = depth;
            int dot = path.LastIndexOf('.');
            Index = int.TryParse(dot < 0 ? path : path.Substring(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? index : 0;
            Kind = kind;
            Arguments = arguments;
            OutputShape = outputShape;
            ParameterCount = parameterCount;
            Flops = flops;
            ActivationBytes = activationBytes;
        }

        /// <summary>Position in its layer list (the network's, or its block's), as in PyTorch's <c>nn.Sequential</c>.</summary>
        public int Index { get; }

        /// <summary>The module's state_dict prefix: "5" at the top level, "3.body.0" inside a block.</summary>
        public string Path { get; }

        /// <summary>0 for the network's own layers; 1 for the layers of a block used by one of them, and so on.</summary>
        public int Depth { get; }

        /// <summary>"Conv2d", "ReLU", …</summary>
        public string Kind { get; }

        /// <summary>The arguments as written in PyTorch style, e.g. "1→32, k3, p1".</summary>
        public string Arguments { get; }

        /// <summary>Output shape of one sample: [C, H, W] or [F].</summary>
        public IReadOnlyList<int> OutputShape { get; }

        public long ParameterCount { get; }

        /// <summary>Forward floating-point operations per sample (a multiply-add counts as two).</summary>
        public long Flops { get; }

        /// <summary>Bytes of output activation per sample (float32).</summary>
        public long ActivationBytes { get; }

        /// <summary>The output shape with a batch dimension, e.g. "(N, 32, 28, 28)".</summary>
        public string ShapeText => "(N, " + string.Join(", ", OutputShape) + ")";
    }

    /// <summary>
    /// The layer table of a network, computed by the generator at compile time: one row per layer, and for a block
    /// (Residual, Concat, Sequential) its row followed by the rows of its layers, one level deeper.
    /// </summary>
    public sealed class NetworkSummary
    {
        public NetworkSummary(string name, int[] inputShape, LayerSummary[] layers)
        {
            Name = name;
            InputShape = inputShape;
            Layers = layers;
            foreach (var l in layers)
            {
                // Every row holds its own output; a block's row already counts the parameters and FLOPs of the rows below it.
                TotalActivationBytes += l.ActivationBytes;
                if (l.Depth > 0) continue;
                TotalParameters += l.ParameterCount;
                TotalFlops += l.Flops;
            }
        }

        public string Name { get; }

        /// <summary>[C, H, W] of one input sample.</summary>
        public IReadOnlyList<int> InputShape { get; }

        public IReadOnlyList<LayerSummary> Layers { get; }

        public long TotalParameters { get; }

        /// <summary>Forward FLOPs per sample.</summary>
        public long TotalFlops { get; }

        /// <summary>Activation bytes per sample, all layers.</summary>
        public long TotalActivationBytes { get; }

        /// <summary>A torchinfo-like table.</summary>
        public override string ToString()
        {
            var ci = CultureInfo.InvariantCulture;
            var rows = new List<string[]> { new[] { "#", "Layer", "Arguments", "Output shape", "Params", "FLOPs", "Act. bytes" } };
            rows.Add(new[] { "", "Input", "", "(N, " + string.Join(", ", InputShape) + ")", "", "", "" });
            foreach (var l in Layers)
                rows.Add(new[] { l.Path, new string(' ', 2 * l.Depth) + l.Kind, l.Arguments, l.ShapeText, l.ParameterCount.ToString("N0", ci), l.Flops.ToString("N0", ci), l.ActivationBytes.ToString("N0", ci) });
            var widths = new int[rows[0].Length];
            foreach (var r in rows)
                for (int i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
            int total = 0;
            foreach (int w in widths) total += w + 2;
            var sb = new StringBuilder();
            string rule = new string('=', total);
            sb.AppendLine(rule);
            sb.Append(Name).AppendLine();
            sb.AppendLine(rule);
            for (int r = 0; r < rows.Count; r++)
            {
                for (int i = 0; i < widths.Length; i++)
                {
                    bool right = i >= 4 || i == 0;
                    string cell = right ? rows[r][i].PadLeft(widths[i]) : rows[r][i].PadRight(widths[i]);
                    sb.Append(cell).Append("  ");
                }
                sb.Length -= 2;
                sb.AppendLine();
                if (r == 0) sb.AppendLine(new string('-', total));
            }
            sb.AppendLine(rule);
            sb.Append("Total params: ").AppendLine(TotalParameters.ToString("N0", ci));
            sb.Append("Forward FLOPs per sample: ").AppendLine(TotalFlops.ToString("N0", ci));
            sb.Append("Activation bytes per sample: ").AppendLine(TotalActivationBytes.ToString("N0", ci));
            sb.Append("Parameter bytes: ").AppendLine((TotalParameters * 4).ToString("N0", ci));
            sb.Append(rule);
            return sb.ToString();
        }
    }
}
