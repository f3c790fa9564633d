using System;
using System.Collections.Immutable;
using System.Linq;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parsing;
using CnnGen.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CnnGen.Generator
{
    /// <summary>
    /// Reports CnnGen's diagnostics (CNN0001–CNN0017) at real source locations. It runs the generator's own parser and
    /// shape inference, with locations, so the message a user sees and the decision to generate no code come from one
    /// function. Being an analyzer, its diagnostics can be suppressed with #pragma warning disable or .editorconfig,
    /// and code fixes can attach to them (the fitting value is in <see cref="Diagnostic.Properties"/>).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class NetworkAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.NotPartial, Descriptors.BadInput, Descriptors.ArgumentOutOfRange, Descriptors.ChannelMismatch,
            Descriptors.LinearMismatch, Descriptors.SpatialTooSmall, Descriptors.MissingFlatten, Descriptors.UnreadInput,
            Descriptors.LayersWithoutNetwork, Descriptors.CannotPlace, Descriptors.ResidualMismatch, Descriptors.ConcatMismatch,
            Descriptors.BlockMisuse, Descriptors.LossMismatch, Descriptors.SizeInferred, Descriptors.OverBudget, Descriptors.SizeInferable,
            Descriptors.InternalError);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(Analyze, SymbolKind.NamedType);
        }

        private static void Analyze(SymbolAnalysisContext context)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            var attributes = type.GetAttributes();
            var network = attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName);
            if (network is null)
            {
                ReportOrphanLayers(context, type, attributes);
                return;
            }
            try
            {
                var spec = NetworkParser.Parse(type, network, withLocations: true, context.CancellationToken);
                foreach (var d in ShapeInference.Infer(spec).Diagnostics)
                {
                    var descriptor = Descriptors.ById(d.Id);
                    if (descriptor is null) continue;
                    context.ReportDiagnostic(d.ToDiagnostic(descriptor, ToSourceLocation(d.Location, context.Compilation)));
                }
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.InternalError, type.Locations.FirstOrDefault(), type.Name, e.GetType().Name + ": " + e.Message));
            }
        }

        /// <summary>CNN0009: layer attributes on a class that is neither a [Network] nor a [Block] generate nothing.</summary>
        private static void ReportOrphanLayers(SymbolAnalysisContext context, INamedTypeSymbol type, ImmutableArray<AttributeData> attributes)
        {
            if (attributes.Any(a => a.AttributeClass?.ToDisplayString() == NetworkParser.BlockAttributeName)) return;
            var firstLayer = attributes.FirstOrDefault(a => a.AttributeClass is { } c && NetworkParser.DerivesFrom(c, NetworkParser.LayerAttributeBaseName));
            if (firstLayer is null) return;
            var location = firstLayer.ApplicationSyntaxReference is { } r ? Location.Create(r.SyntaxTree, r.Span) : type.Locations.FirstOrDefault();
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.LayersWithoutNetwork, location,
                $"Class '{type.Name}' has layer attributes but no [Network(channels, height, width)] or [Block], so no network code is generated for it"));
        }

        /// <summary>
        /// Turns a plain-data location back into one inside the compilation's syntax tree, so that #pragma suppression
        /// and code fixes see it.
        /// </summary>
        private static Location ToSourceLocation(LocationInfo? info, Compilation compilation)
        {
            if (info is null) return Location.None;
            var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.FilePath);
            return tree is null ? info.ToLocation() : Location.Create(tree, info.Span);
        }
    }
}
