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
    }

    /// <summary>How a tensor of a layer starts: PyTorch's defaults.</summary>
    internal enum InitKind
    {
        /// <summary>U(−1/√fan_in, 1/√fan_in): kaiming_uniform(a = √5) for weights, and the bias rule.</summary>
        UniformFanIn,
        Ones,
        Zeros,
    }

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

    /// <summary>One layer with the shapes the compiler inferred for it.</summary>
    internal sealed class LayerPlan
    {
        public LayerPlan(LayerSpec spec, TensorShape input, TensorShape output, string arguments)
        {
            Spec = spec; Input = input; Output = output; Arguments = arguments;
        }

        public LayerSpec Spec { get; }
        public int Index => Spec.Index;
        public LayerKind Kind => Spec.Kind;
        public TensorShape Input { get; }
        public TensorShape Output { get; }

        /// <summary>Arguments as a short PyTorch-like text, e.g. "32→64, k3, p1".</summary>
        public string Arguments { get; }

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

        public long ActivationBytes => Output.Size * 4;

        /// <summary>"Conv2d(32→64, k3, p1)".</summary>
        public string Title => Arguments.Length == 0 ? Spec.AttributeName : $"{Spec.AttributeName}({Arguments})";

        /// <summary>"[3] Conv2d(32→64, k3, p1): (N,32,14,14) → (N,64,14,14)", the comment on each layer in generated code.</summary>
        public string Comment => $"[{Index}] {Title}: {Input.BatchText} → {Output.BatchText}";
    }

    /// <summary>A network after shape inference: layers with shapes, or the diagnostics that stopped it.</summary>
    internal sealed class NetworkPlan
    {
        public NetworkPlan(NetworkSpec spec, TensorShape input, List<LayerPlan> layers, List<DiagnosticInfo> diagnostics, bool hasErrors)
        {
            Spec = spec; Input = input; Layers = layers; Diagnostics = diagnostics; HasErrors = hasErrors;
        }

        public NetworkSpec Spec { get; }
        public TensorShape Input { get; }
        public List<LayerPlan> Layers { get; }
        public List<DiagnosticInfo> Diagnostics { get; }
        public bool HasErrors { get; }
        public TensorShape Output => Layers.Count == 0 ? Input : Layers[Layers.Count - 1].Output;
    }
}
