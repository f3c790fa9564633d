using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Model
{
    /// <summary>
    /// A source location as plain data. Pipeline models must not hold <see cref="Location"/> (it pins the
    /// syntax tree and defeats caching); this is turned back into one only when a diagnostic is reported.
    /// </summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location)
        {
            if (location is null || location.SourceTree is null) return null;
            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
        }

        public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());
    }

    /// <summary>A key and value of <see cref="Diagnostic.Properties"/>: what a code fix needs (the value that fits).</summary>
    internal sealed record DiagnosticProperty(string Key, string Value);

    /// <summary>A diagnostic as plain, equatable data: descriptor id, location, message arguments and properties.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<DiagnosticProperty> Properties)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
            => new DiagnosticInfo(descriptor.Id, location, EquatableArray.From(arguments), EquatableArray<DiagnosticProperty>.Empty);

        public DiagnosticInfo With(string key, string value)
            => this with { Properties = EquatableArray.From(System.Linq.Enumerable.Append(Properties, new DiagnosticProperty(key, value))) };

        public Diagnostic ToDiagnostic(DiagnosticDescriptor descriptor, Location location)
        {
            var properties = ImmutableDictionary<string, string?>.Empty;
            foreach (var p in Properties) properties = properties.SetItem(p.Key, p.Value);
            return Diagnostic.Create(descriptor, location, properties, Arguments.Cast<object>().ToArray());
        }
    }
}
