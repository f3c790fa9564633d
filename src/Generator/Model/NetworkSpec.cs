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
        Residual,
        Concat,
        Sequential,
    }

    /// <summary>Where one written argument of a layer attribute is, by parameter name (the analyzer's parse only).</summary>
    internal sealed record ArgumentLocation(string Name, LocationInfo Location);

    /// <summary>
    /// One layer attribute as written: its position in its list, kind, typed arguments (null when they could not be
    /// read; <see cref="AlreadyReported"/> when the reason was reported where it lies, e.g. in a block) and, in the analyzer's parse only, where it and its written arguments are. The generator parses without
    /// locations, so moving a network's lines leaves its spec equal and its generated code cached.
    /// </summary>
    internal sealed record LayerSpec(int Index, LayerKind Kind, string AttributeName, Op? Op, LocationInfo? Location, EquatableArray<ArgumentLocation> ArgumentLocations, bool AlreadyReported = false)
    {
        /// <summary>The argument's own location when it is written out, else the attribute's.</summary>
        public LocationInfo? LocationOf(string name)
        {
            foreach (var a in ArgumentLocations) if (a.Name == name) return a.Location;
            return Location;
        }
    }

    /// <summary>The loss the network trains with.</summary>
    internal enum LossKind
    {
        CrossEntropy,
        BCEWithLogits,
        MSE,
    }

    /// <summary>The declared loss ([CrossEntropyLoss], [BCEWithLogitsLoss], [MSELoss]); cross-entropy when none is declared.</summary>
    internal sealed record LossSpec(LossKind Kind, double LabelSmoothing, EquatableArray<double> ClassWeights, LocationInfo? Location)
    {
        public static LossSpec Default { get; } = new LossSpec(LossKind.CrossEntropy, 0, EquatableArray<double>.Empty, null);
    }

    /// <summary>
    /// One optional budget from [Network(…, MaxParameters = …, MaxFlops = …)]: its name as written, the limit, and
    /// (analyzer only) where the assignment is, for CNN0016.
    /// </summary>
    internal sealed record Budget(string Name, long Limit, LocationInfo? Location);

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
        LossSpec Loss,
        bool DeclaresToString,
        EquatableArray<string> UserMemberNames,
        LocationInfo? NetworkAttributeLocation,
        LocationInfo? ClassNameLocation,
        EquatableArray<DiagnosticInfo> ParseDiagnostics,
        Budget? MaxParameters = null,
        Budget? MaxFlops = null)
    {
        /// <summary>A stable hint name for the generated file.</summary>
        public string HintName
        {
            get
            {
                string prefix = Namespace is null ? "" : Namespace + ".";
                foreach (var t in ContainingTypes) prefix += t.Name + ".";
                // Hint names allow no '@': an escaped identifier (@class) is named without it.
                return (prefix + ClassName).Replace("@", "") + ".g.cs";
            }
        }
    }
}
