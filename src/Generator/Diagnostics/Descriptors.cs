using Microsoft.CodeAnalysis;

namespace CnnGen.Generator.Diagnostics
{
    /// <summary>
    /// Every diagnostic CnnGen reports. Ids are stable (tracked in AnalyzerReleases.*.md); the message is
    /// composed by the code that finds the problem, because a good message names the layer, the shape that
    /// arrived and the value that fits, which no fixed template can.
    /// </summary>
    internal static class Descriptors
    {
        private const string Category = "CnnGen";

        public static readonly DiagnosticDescriptor NotPartial = Make("CNN0001", "Network class must be a non-generic partial class", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor BadInput = Make("CNN0002", "Network input shape missing or not positive, or no layers", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor ArgumentOutOfRange = Make("CNN0003", "Layer argument out of range", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor ChannelMismatch = Make("CNN0004", "Layer input channels or features do not match what arrives", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor LinearMismatch = Make("CNN0005", "Linear in_features do not match what arrives", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor SpatialTooSmall = Make("CNN0006", "Spatial size reaches zero", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor MissingFlatten = Make("CNN0007", "Layer receives a tensor of the wrong rank (missing or misplaced Flatten)", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor UnreadInput = Make("CNN0008", "Window leaves input rows or columns unread", DiagnosticSeverity.Warning);
        public static readonly DiagnosticDescriptor LayersWithoutNetwork = Make("CNN0009", "Layer attributes on a class without [Network]", DiagnosticSeverity.Warning);
        public static readonly DiagnosticDescriptor CannotPlace = Make("CNN0010", "Network does not end in a vector, or a layer cannot be placed", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor ResidualMismatch = Make("CNN0011", "Residual body and shortcut produce different shapes", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor ConcatMismatch = Make("CNN0012", "Concat branches differ in height or width", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor BlockMisuse = Make("CNN0013", "A block is not a [Block], contains itself, is empty, or a class is both [Network] and [Block]", DiagnosticSeverity.Error);
        public static readonly DiagnosticDescriptor LossMismatch = Make("CNN0014", "The declared loss does not fit the network's output", DiagnosticSeverity.Error);
        /// <summary>Hidden: not a problem, the hook for the "write the size out" code fix (the value is in Properties).</summary>
        public static readonly DiagnosticDescriptor SizeInferred = Make("CNN0015", "Layer size inferred", DiagnosticSeverity.Hidden);
        public static readonly DiagnosticDescriptor OverBudget = Make("CNN0016", "Network exceeds its MaxParameters or MaxFlops budget", DiagnosticSeverity.Warning);
        /// <summary>Hidden: the hook for the "let it be inferred" code fix on a written size that equals what arrives.</summary>
        public static readonly DiagnosticDescriptor SizeInferable = Make("CNN0017", "Layer size could be inferred", DiagnosticSeverity.Hidden);

        /// <summary>A bug in CnnGen itself, reported instead of crashing the compiler.</summary>
        public static readonly DiagnosticDescriptor InternalError = new DiagnosticDescriptor(
            "CNN0099", "CnnGen internal error", "CnnGen could not generate '{0}': {1}. Please report this with the class's attributes.",
            Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        public static DiagnosticDescriptor? ById(string id) => id switch
        {
            "CNN0001" => NotPartial,
            "CNN0002" => BadInput,
            "CNN0003" => ArgumentOutOfRange,
            "CNN0004" => ChannelMismatch,
            "CNN0005" => LinearMismatch,
            "CNN0006" => SpatialTooSmall,
            "CNN0007" => MissingFlatten,
            "CNN0008" => UnreadInput,
            "CNN0009" => LayersWithoutNetwork,
            "CNN0010" => CannotPlace,
            "CNN0011" => ResidualMismatch,
            "CNN0012" => ConcatMismatch,
            "CNN0013" => BlockMisuse,
            "CNN0014" => LossMismatch,
            "CNN0015" => SizeInferred,
            "CNN0016" => OverBudget,
            "CNN0017" => SizeInferable,
            _ => null,
        };

        private static DiagnosticDescriptor Make(string id, string title, DiagnosticSeverity severity)
            => new DiagnosticDescriptor(id, title, "{0}", Category, severity, isEnabledByDefault: true,
                description: "See docs/diagnostics.md, section " + id + ".");
    }
}
