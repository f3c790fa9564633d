using System;

namespace CnnGen.Generator.Model
{
    /// <summary>The layer vocabulary. The names are the attribute names without "Attribute".</summary>
    internal enum LayerKind
    {
        Unknown,
        Conv2d,
        MaxPool2d,
        AvgPool2d,
        AdaptiveAvgPool2d,
        BatchNorm2d,
        BatchNorm1d,
        Linear,
        Flatten,
        Dropout,
        ReLU,
        Sigmoid,
        Tanh,
        LeakyReLU,
    }

    /// <summary>One attribute argument: its parameter name, its value (ints, bools as 0/1 and doubles all fit a double exactly), and where it is written.</summary>
    internal sealed record LayerArg(string Name, double Value, bool Explicit, LocationInfo? Location);

    /// <summary>One layer attribute as written: kind, every constructor argument (defaults filled in) and where.</summary>
    internal sealed record LayerSpec(int Index, LayerKind Kind, string AttributeName, EquatableArray<LayerArg> Args, LocationInfo? Location)
    {
        public LayerArg? Arg(string name)
        {
            foreach (var a in Args) if (a.Name == name) return a;
            return null;
        }

        public long Int(string name) => (long)(Arg(name)?.Value ?? 0);

        public double Double(string name) => Arg(name)?.Value ?? 0;

        public bool Bool(string name) => (Arg(name)?.Value ?? 0) != 0;

        /// <summary>The argument's own location when it is written out, else the attribute's.</summary>
        public LocationInfo? LocationOf(string name) => Arg(name)?.Location ?? Location;
    }

    /// <summary>A containing type the generated code must reopen ("partial class Outer").</summary>
    internal sealed record ContainingType(string Keyword, string Name);

    /// <summary>Everything the generator needs to know about one [Network] class, as plain equatable data.</summary>
    internal sealed record NetworkSpec(
        string? Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<ContainingType> ContainingTypes,
        int InputChannels,
        int InputHeight,
        int InputWidth,
        EquatableArray<LayerSpec> Layers,
        LocationInfo? NetworkAttributeLocation,
        LocationInfo? ClassNameLocation,
        EquatableArray<DiagnosticInfo> ParseDiagnostics)
    {
        /// <summary>A stable hint name for the generated file.</summary>
        public string HintName
        {
            get
            {
                string prefix = Namespace is null ? "" : Namespace + ".";
                foreach (var t in ContainingTypes) prefix += t.Name + ".";
                return prefix + ClassName + ".g.cs";
            }
        }
    }
}
