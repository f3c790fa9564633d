using System.Collections.Generic;
using System.Globalization;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Shapes
{
    /// <summary>The shape of one sample: (C, H, W) while spatial, (F) after Flatten or Linear.</summary>
    internal sealed class TensorShape
    {
        private TensorShape(bool spatial, long c, long h, long w)
        {
            IsSpatial = spatial; Channels = c; Height = h; Width = w;
        }

        public static TensorShape Spatial(long c, long h, long w) => new TensorShape(true, c, h, w);

        public static TensorShape Vector(long features) => new TensorShape(false, features, 1, 1);

        public bool IsSpatial { get; }
        public long Channels { get; }
        public long Height { get; }
        public long Width { get; }

        /// <summary>Elements per sample.</summary>
        public long Size => IsSpatial ? Channels * Height * Width : Channels;

        /// <summary>"64×7×7" or "3136".</summary>
        public string Text => IsSpatial ? $"{Channels}×{Height}×{Width}" : Channels.ToString(CultureInfo.InvariantCulture);

        /// <summary>"(N,64,7,7)" or "(N,3136)", as in the layer comments.</summary>
        public string BatchText => IsSpatial ? $"(N,{Channels},{Height},{Width})" : $"(N,{Channels})";

        public long[] Dims => IsSpatial ? new[] { Channels, Height, Width } : new[] { Channels };

        public bool SameAs(TensorShape other)
            => IsSpatial == other.IsSpatial && Channels == other.Channels && Height == other.Height && Width == other.Width;
    }

    /// <summary>How a tensor of a layer starts: PyTorch's defaults.</summary>
    internal enum InitKind
    {
        /// <summary>U(−1/√fan_in, 1/√fan_in): kaiming_uniform(a = √5) for weights, and the bias rule.</summary>
        UniformFanIn,
        Ones,
        Zeros,
    }

    /// <summary>A parameter with its state_dict name ("3.body.0.weight"), role ("weight") and owning node's path.</summary>
    internal sealed record ParameterPlan(string Name, string Role, long[] Shape, long FanIn, InitKind Init)
    {
        public long Length
        {
            get { long n = 1; foreach (var d in Shape) n *= d; return n; }
        }
    }

    internal sealed record BufferPlan(string Name, string Role, long[] Shape, InitKind Init, bool IsInteger)
    {
        public long Length
        {
            get { long n = 1; foreach (var d in Shape) n *= d; return n; }
        }
    }

    /// <summary>A tensor flowing between nodes: the network input or one node's output.</summary>
    internal sealed class Value
    {
        public Value(int id, TensorShape shape, Node? producer)
        {
            Id = id; Shape = shape; Producer = producer;
        }

        public int Id { get; }
        public TensorShape Shape { get; }

        /// <summary>The node that computes it; null for the network input.</summary>
        public Node? Producer { get; }

        /// <summary>The nodes that read it, in topological order.</summary>
        public List<Node> Consumers { get; } = new List<Node>();
    }

    /// <summary>
    /// One operation of the graph with its inferred shapes: a layer (from an attribute) or a join that a block adds
    /// (the residual Add, the channel Concat). Nodes are created in topological order.
    /// </summary>
    internal sealed class Node
    {
        public Node(int id, LayerKind kind, Op op, LayerSpec? spec, string path, string title, List<Value> inputs)
        {
            Id = id; Kind = kind; Op = op; Spec = spec; Path = path; Title = title; Inputs = inputs;
        }

        public int Id { get; }
        public LayerKind Kind { get; }
        public Op Op { get; }

        /// <summary>The attribute it comes from; null for joins.</summary>
        public LayerSpec? Spec { get; }

        /// <summary>The state_dict prefix of the module: "5", "3.body.0"; for a join, its block's position ("3").</summary>
        public string Path { get; }

        /// <summary>"Conv2d(32→64, k3, p1)", or "Add" / "Concat" for joins.</summary>
        public string Title { get; }

        public List<Value> Inputs { get; }
        public Value Output { get; set; } = null!;

        public TensorShape Input => Inputs[0].Shape;

        public List<ParameterPlan> Parameters { get; } = new List<ParameterPlan>();
        public List<BufferPlan> Buffers { get; } = new List<BufferPlan>();
        public long Flops { get; set; }

        /// <summary>Kernel geometry for sliding layers (stride already defaulted to the kernel for pooling).</summary>
        public long Kernel { get; set; }
        public long Stride { get; set; }
        public long Padding { get; set; }
        public long Dilation { get; set; } = 1;
        public long Groups { get; set; } = 1;

        public long ParameterCount
        {
            get { long n = 0; foreach (var p in Parameters) n += p.Length; return n; }
        }

        /// <summary>A C# identifier fragment unique to the node: "3", "3_body_0"; joins get "3_add", "3_cat".</summary>
        public string Key => Path.Replace('.', '_') + (Spec is null ? (Kind == LayerKind.Residual ? "_add" : "_cat") : "");

        /// <summary>"[3.body.0] Conv2d(32→64, k3, p1): (N,32,14,14) → (N,64,14,14)", the comment on each node in generated code.</summary>
        public string Comment
        {
            get
            {
                string inputs = Inputs.Count == 1 ? Input.BatchText : "(" + string.Join(" + ", Inputs.ConvertAll(v => v.Shape.BatchText)) + ")";
                return $"[{Path}] {Title}: {inputs} → {Output.Shape.BatchText}";
            }
        }
    }

    /// <summary>One row of the summary tree: a layer, or a block with its rows below it one level deeper.</summary>
    internal sealed class SummaryRow
    {
        public SummaryRow(string path, int depth, string kind, string arguments)
        {
            Path = path; Depth = depth; Kind = kind; Arguments = arguments;
        }

        public string Path { get; }
        public int Depth { get; }
        public string Kind { get; }
        public string Arguments { get; }
        public TensorShape Output { get; set; } = null!;
        public long Parameters { get; set; }
        public long Flops { get; set; }

        /// <summary>Top-level rows have a plain index ("5"); the shape constants use the path ("Layer3_body_0").</summary>
        public string ConstantName => "Layer" + Path.Replace('.', '_');

        public string Title => Arguments.Length == 0 ? Kind : $"{Kind}({Arguments})";
    }

    /// <summary>A network after shape inference: the graph with every shape, or the diagnostics that stopped it.</summary>
    internal sealed class NetworkPlan
    {
        public NetworkPlan(NetworkSpec spec, Value input, List<Node> nodes, List<SummaryRow> rows, Value? output, List<DiagnosticInfo> diagnostics, bool hasErrors)
        {
            Spec = spec; InputValue = input; Nodes = nodes; Rows = rows; OutputValue = output; Diagnostics = diagnostics; HasErrors = hasErrors;
        }

        public NetworkSpec Spec { get; }
        public Value InputValue { get; }
        public TensorShape Input => InputValue.Shape;

        /// <summary>Every node in topological order.</summary>
        public List<Node> Nodes { get; }

        /// <summary>The summary tree in display order.</summary>
        public List<SummaryRow> Rows { get; }

        /// <summary>The logits; null when inference stopped early.</summary>
        public Value? OutputValue { get; }
        public List<DiagnosticInfo> Diagnostics { get; }
        public bool HasErrors { get; }
        public TensorShape Output => (OutputValue ?? InputValue).Shape;

        public IEnumerable<ParameterPlan> AllParameters
        {
            get { foreach (var n in Nodes) foreach (var p in n.Parameters) yield return p; }
        }

        public IEnumerable<BufferPlan> AllBuffers
        {
            get { foreach (var n in Nodes) foreach (var b in n.Buffers) yield return b; }
        }
    }
}
