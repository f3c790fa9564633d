using System.Collections.Generic;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Parsing
{
    /// <summary>
    /// Reads a layer attribute's constructor arguments (by parameter name, as the attribute declares them) into its
    /// typed <see cref="Op"/> record. This is the one place that knows the attributes' parameter names; a name it
    /// cannot find means the attribute and the generator disagree, and the layer is treated as unreadable (null)
    /// rather than silently taking 0. The sizes a constructor overload leaves out to be inferred ([Linear(128)],
    /// [BatchNorm2d]) are read as null.
    /// </summary>
    internal static class OpReader
    {
        public static Op? Read(LayerKind kind, IReadOnlyDictionary<string, object?> args)
        {
            var r = new Reader(args);
            Op? op = kind switch
            {
                LayerKind.Conv2d => new Conv2dOp(r.Long("inChannels"), r.Long("outChannels"), r.Long("kernelSize"), r.Long("stride"),
                    r.Long("padding"), r.Long("dilation"), r.Long("groups"), r.Bool("bias")),
                LayerKind.MaxPool2d => new Pool2dOp(true, r.Long("kernelSize"), r.Long("stride"), r.Long("padding"), r.Long("dilation"),
                    r.Bool("ceilMode"), CountIncludePad: true),
                LayerKind.AvgPool2d => new Pool2dOp(false, r.Long("kernelSize"), r.Long("stride"), r.Long("padding"), 1,
                    r.Bool("ceilMode"), r.Bool("countIncludePad")),
                LayerKind.AdaptiveAvgPool2d => new AdaptiveAvgPool2dOp(r.Long("outputHeight"), r.Long("outputWidth")),
                LayerKind.BatchNorm2d => new BatchNormOp(true, r.Inferable("features"), r.Double("eps"), r.Double("momentum")),
                LayerKind.BatchNorm1d => new BatchNormOp(false, r.Inferable("features"), r.Double("eps"), r.Double("momentum")),
                LayerKind.Linear => new LinearOp(r.Inferable("inFeatures"), r.Long("outFeatures"), r.Bool("bias")),
                LayerKind.Flatten => new FlattenOp(),
                LayerKind.Dropout => new DropoutOp(r.Double("p")),
                LayerKind.ReLU or LayerKind.Sigmoid or LayerKind.Tanh => new ActivationOp(kind, 0),
                LayerKind.LeakyReLU => new ActivationOp(kind, r.Double("negativeSlope")),
                _ => null,
            };
            return r.Missing ? null : op;
        }

        private sealed class Reader
        {
            private readonly IReadOnlyDictionary<string, object?> _args;

            public Reader(IReadOnlyDictionary<string, object?> args) => _args = args;

            public bool Missing { get; private set; }

            private object? Get(string name)
            {
                if (_args.TryGetValue(name, out var v)) return v;
                Missing = true;
                return null;
            }

            public long Long(string name) => Get(name) is int v ? v : Fail<long>();

            /// <summary>A size the attribute may leave out (its constructor without that parameter): null means "infer it".</summary>
            public long? Inferable(string name) => _args.ContainsKey(name) ? Long(name) : null;

            public bool Bool(string name) => Get(name) is bool v ? v : Fail<bool>();

            public double Double(string name) => Get(name) switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => Fail<double>(),
            };

            private T Fail<T>()
            {
                Missing = true;
                return default!;
            }
        }
    }
}
