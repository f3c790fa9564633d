using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parsing;
using CnnGen.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator
{
    /// <summary>
    /// The CnnGen source generator. For each class marked [Network]: parse the layer attributes into a
    /// <see cref="NetworkSpec"/> (cached, equatable), infer shapes, report diagnostics, and emit the network's
    /// generated half. It never throws into the compiler: an unexpected failure becomes a diagnostic.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names for the incremental-caching tests.</summary>
        public static class TrackingNames
        {
            public const string Spec = "NetworkSpec";
            public const string OrphanLayers = "OrphanLayers";
        }

        private static DiagnosticDescriptor InternalError => Descriptors.InternalError;

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var specs = context.SyntaxProvider.ForAttributeWithMetadataName(
                    NetworkParser.NetworkAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => SafeParse(ctx, ct))
                .WithTrackingName(TrackingNames.Spec);

            context.RegisterSourceOutput(specs, static (spc, result) => Produce(spc, result));

            // CNN0009: layer attributes on a class that has no [Network]. One provider per layer attribute, each
            // cheap (ForAttributeWithMetadataName), each collected into one array and the arrays joined value by
            // value; classes are deduplicated at the end. (Joining by Collect → Combine → SelectMany at every level
            // instead made each level fan out over the items of the one before: exponential in the number of layer
            // attributes when the driver tracks steps.)
            IncrementalValueProvider<ImmutableArray<OrphanInfo>>? orphans = null;
            foreach (var name in NetworkParser.KnownLayerAttributes)
            {
                var collected = context.SyntaxProvider.ForAttributeWithMetadataName(
                        name,
                        static (node, _) => node is TypeDeclarationSyntax,
                        static (ctx, _) => OrphanInfo.From(ctx))
                    .Where(static o => o is not null)
                    .Select(static (o, _) => o!)
                    .Collect();
                orphans = orphans is null ? collected : orphans.Value.Combine(collected).Select(static (p, _) => p.Left.AddRange(p.Right));
            }
            var distinct = orphans!.Value
                .Select(static (all, _) => EquatableArray.From(all.GroupBy(o => o.ClassKey).Select(g => g.OrderBy(o => o.Location?.Span.Start ?? 0).First())))
                .WithTrackingName(TrackingNames.OrphanLayers);
            context.RegisterSourceOutput(distinct, static (spc, list) =>
            {
                foreach (var o in list)
                    spc.ReportDiagnostic(Diagnostic.Create(Descriptors.LayersWithoutNetwork, o.Location?.ToLocation(),
                        $"Class '{o.ClassName}' has layer attributes but no [Network(channels, height, width)], so no network code is generated for it"));
            });
        }

        /// <summary>The result of parsing one [Network] class: a spec, or an internal error as text.</summary>
        private sealed record ParseResult(NetworkSpec? Spec, string? Error, string ClassName, LocationInfo? Location);

        private static ParseResult SafeParse(GeneratorAttributeSyntaxContext ctx, System.Threading.CancellationToken ct)
        {
            try
            {
                return new ParseResult(NetworkParser.Parse(ctx, ct), null, ctx.TargetSymbol.Name, null);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                return new ParseResult(null, e.GetType().Name + ": " + e.Message, ctx.TargetSymbol.Name, LocationInfo.From(ctx.TargetNode));
            }
        }

        private static void Produce(SourceProductionContext spc, ParseResult result)
        {
            if (result.Spec is null)
            {
                spc.ReportDiagnostic(Diagnostic.Create(InternalError, result.Location?.ToLocation(), result.ClassName, result.Error));
                return;
            }
            try
            {
                var plan = ShapeInference.Infer(result.Spec);
                foreach (var d in plan.Diagnostics)
                {
                    var descriptor = Descriptors.ById(d.Id);
                    if (descriptor is null) continue;
                    spc.ReportDiagnostic(Diagnostic.Create(descriptor, d.Location?.ToLocation(), d.Arguments.Cast<object>().ToArray()));
                }
                // A network with errors gets no code: the build fails anyway, and half-right code would only add noise.
                if (plan.HasErrors) return;
                string source = NetworkEmitter.Emit(plan);
                spc.AddSource(result.Spec.HintName, SourceText.From(source, Encoding.UTF8));
            }
            catch (Exception e)
            {
                spc.ReportDiagnostic(Diagnostic.Create(InternalError, result.Spec.ClassNameLocation?.ToLocation(), result.ClassName, e.GetType().Name + ": " + e.Message));
            }
        }

        /// <summary>A class with a layer attribute and no [Network], as plain data.</summary>
        private sealed record OrphanInfo(string ClassKey, string ClassName, LocationInfo? Location)
        {
            public static OrphanInfo? From(GeneratorAttributeSyntaxContext ctx)
            {
                var symbol = ctx.TargetSymbol;
                foreach (var a in symbol.GetAttributes())
                    if (a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName) return null;
                return new OrphanInfo(symbol.ToDisplayString(), symbol.Name, LocationInfo.From(ctx.Attributes[0].ApplicationSyntaxReference?.GetSyntax()));
            }
        }
    }
}
